"""Fit the no-answer decision (the two models in src/ccqa/answer/decision.py) and report it.

Each question runs through the same retrieval, candidate scoring and choice as ``ccqa ask``
(``QA.retrieve`` then ``answer.compose.weigh``); its ``Evidence`` is the row fitted on:
  * the seed article: eval/seed_calibration.jsonl and eval/seed_dev.jsonl;
  * SQuAD dev split in two: an index of every article's even-numbered paragraphs, whose
    questions are answerable; the odd-numbered paragraphs' questions are not, when no kept
    passage holds their answer (sampled): near misses, as in a real collection;
  * the development collection eval/collection/ with eval/collection.jsonl (English, Chinese
    and cross-language questions).
  * the five writers' batches of the reader's training collection (bench/reader/collection/,
    2,516 questions, 22% near misses, English, Chinese and across), indexed as
    bench/reader/make_pairs.py left them (bench/results/reader/corpora, indexes).
The READ model (English question, English passage) is fitted on every read row, the UNREAD
model (a Chinese question or passage) on the development collection's and the writers' unread
rows, without the cosine columns; each model's threshold is the one that makes the most right
decisions on the rows it was fitted on. Prints figures leave-writers-out first (fitted without
w1, w2 and reported on them, then without w3-w5), then the seed and development collection
cross-validated, then the coefficients to paste into decision.py. The held-out collection
(eval/heldout/) is never read here.

    .venv/bin/pip install -e '.[bench]'     # scikit-learn
    .venv/bin/python bench/calibrate.py [--squad 1500]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.answer import decision
from ccqa.answer.compose import weigh
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.question import read_question
from ccqa.config import Settings
from ccqa.evaluate import EvalQuestion, read_questions
from ccqa.index import Index
from ccqa.index.build import build_index
from ccqa.service import ANSWER_POOL, QA

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))
import squad

FITTED_COLUMNS = len(decision.Evidence(*[0.0] * 8).vector())
FITTED = slice(0, FITTED_COLUMNS)  # the columns of Evidence.vector()
# vetoes: unknown name, "who is ...?" naming no one, unknown topic, a figure asked and none given
NAMES, PERSON, TOPIC, FIGURE = 7, FITTED_COLUMNS, FITTED_COLUMNS + 1, FITTED_COLUMNS + 2
COSINES = [0, 1]  # dense_top, sentence_semantic: not used by the UNREAD model
SENTENCE_COVERAGE = 3


@dataclass
class Rows:
    """Evidence rows of one set: features, answerable or not, read by the model or not."""

    x: np.ndarray
    answerable: np.ndarray
    read: np.ndarray
    sets: np.ndarray  # en, zh, cross, or the set's own name


def evidence_rows(qa: QA, questions: Sequence[EvalQuestion], name: str) -> Rows:
    x, y, read, sets = [], [], [], []
    for question in questions:
        resolved = resolve_follow_up(question.q, list(question.history))
        found = qa.retrieve(question.q, resolved, k=ANSWER_POOL)
        asked = read_question(question.q, resolved, found.carried)
        _, _, evidence = weigh(asked, found.query.vector, found.hits, qa.index)
        if evidence is None:  # not found before the decision (no passage, the asked year missing)
            continue
        x.append([*evidence.vector(), evidence.person_missing, evidence.topic_unknown, evidence.figure_missing])
        y.append(not question.unanswerable)
        read.append(evidence.read)
        sets.append(question.set or name)
    return Rows(np.asarray(x), np.asarray(y, dtype=bool), np.asarray(read, dtype=bool), np.asarray(sets))


def open_qa(settings: Settings) -> QA:
    build_index(settings)
    return QA.open(settings)


def squad_rows(n: int, rng: random.Random) -> Rows:
    """SQuAD cut to every other paragraph, in memory: the kept paragraphs' questions are
    answerable; the others' are not when no kept passage of their article holds the answer.
    These are near misses like a real collection's (the article is there, the fact is not),
    not questions about topics no document touches."""
    settings = Settings(corpus_dir=squad.WORK / "corpus", index_dir=squad.index_dir("auto"), cache_size=0)
    questions, starts = squad.write_corpus(settings.corpus_dir)
    full = open_qa(settings)
    kept_rows = [r for r in range(len(full.index)) if squad.paragraph_of(full.index, r, starts)[1] % 2 == 0]
    index = _subset(full.index, kept_rows)
    qa = QA(settings, index, "half", full.encoder)
    kept_text: dict[str, str] = {}
    for passage in index.passages:
        kept_text[passage.doc_id] = kept_text.get(passage.doc_id, "") + "\n" + passage.text
    inside = rng.sample([q for q in questions if q.paragraph % 2 == 0], n)
    outside = rng.sample([q for q in questions if q.paragraph % 2 == 1 and
                          not any(a in kept_text.get(q.doc_id, "") for a in q.answers)], n)
    asked = [EvalQuestion(q.question, q.answers, False, set="squad") for q in inside]
    asked += [EvalQuestion(q.question, (), True, set="squad") for q in outside]
    return evidence_rows(qa, asked, "squad")


def _subset(full: Index, rows: list[int]) -> Index:
    """An index of some of ``full``'s passages (their vectors reused), every document kept."""
    sentence_rows = np.concatenate([np.arange(full.sentence_rows[r], full.sentence_rows[r + 1]) for r in rows])
    return Index.build([full.documents[d] for d in sorted(full.documents)], [full.passages[r] for r in rows],
                       np.asarray(full.passage_vectors[rows]), full.sentence_vectors.decode(sentence_rows),
                       full.manifest)


def rates(found: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    not_found = ~found
    unanswerable = ~answerable
    caught = int((not_found & unanswerable).sum())
    return {
        "no_answer_recall": round(caught / max(int(unanswerable.sum()), 1), 3),
        "no_answer_precision": round(caught / max(int(not_found.sum()), 1), 3),
        "false_no_answer_rate": round(int((not_found & answerable).sum()) / max(int(answerable.sum()), 1), 3),
        "answerable": int(answerable.sum()),
        "unanswerable": int(unanswerable.sum()),
    }


def not_vetoed(x: np.ndarray, read: np.ndarray) -> np.ndarray:
    """decision.is_answered's vetoes (the last: unread evidence whose sentence shares no question term)."""
    return (x[:, NAMES] < 0.5) & (x[:, PERSON] < 0.5) & (x[:, TOPIC] < 0.5) & (x[:, FIGURE] < 0.5) & \
        (read | (x[:, SENTENCE_COVERAGE] > 0.0))


def columns(x: np.ndarray, read: bool) -> np.ndarray:
    fitted = x[:, FITTED].copy()
    if not read:
        fitted[:, COSINES] = 0.0
    return fitted


WRITERS = ("w1", "w2", "w3", "w4", "w5")
FOLDS = ((("w1", "w2"), ("w3", "w4", "w5")), (("w3", "w4", "w5"), ("w1", "w2")))  # (reported on, fitted on)
READER_WORK = RESULTS / "reader"
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def writer_rows() -> dict[str, Rows]:
    """Each writer's questions over its own documents, indexed as bench/reader/make_pairs.py left them."""
    out = {}
    for writer in WRITERS:
        settings = Settings(corpus_dir=READER_WORK / "corpora" / writer, index_dir=READER_WORK / "indexes" / writer,
                            cache_size=0, reader=False)
        questions = read_questions(BENCH / "reader" / "collection" / writer / "questions.jsonl")
        out[writer] = evidence_rows(open_qa(settings), questions, writer)
    return out


Parts = list[tuple[Rows, float]]


def fit(parts: Parts, read: bool) -> Any:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([columns(r.x[r.read == read], read) for r, _ in parts])
    y = np.concatenate([r.answerable[r.read == read] for r, _ in parts])
    w = np.concatenate([np.full(int((r.read == read).sum()), weight) for r, weight in parts])
    return LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=w)


def best_threshold(model: Any, parts: Parts, read: bool) -> float:
    """The threshold that makes the most (weighted) right decisions on the rows fitted on."""
    def right(threshold: float) -> float:
        total = 0.0
        for rows, weight in parts:
            mask = rows.read == read
            if not mask.any():
                continue
            found = (model.predict_proba(columns(rows.x[mask], read))[:, 1] >= threshold) & \
                not_vetoed(rows.x[mask], rows.read[mask])
            total += weight * float((found == rows.answerable[mask]).sum())
        return total

    return float(max(THRESHOLDS, key=right))


@dataclass
class Decision:
    models: dict[bool, Any]
    thresholds: dict[bool, float]

    @classmethod
    def fitted(cls, read_parts: Parts, unread_parts: Parts) -> Decision:
        models = {True: fit(read_parts, True), False: fit(unread_parts, False)}
        return cls(models, {True: best_threshold(models[True], read_parts, True),
                            False: best_threshold(models[False], unread_parts, False)})

    def found(self, rows: Rows) -> np.ndarray:
        found = np.zeros(len(rows.answerable), dtype=bool)
        for read in (True, False):
            mask = rows.read == read
            if mask.any():
                found[mask] = self.models[read].predict_proba(columns(rows.x[mask], read))[:, 1] >= self.thresholds[read]
        return found & not_vetoed(rows.x, rows.read)


def now_found(rows: Rows) -> np.ndarray:
    """What decision.py as it is decides."""
    return np.asarray([decision.is_answered(_evidence(x, r)) for x, r in zip(rows.x, rows.read)], dtype=bool)


def report_rows(report: dict[str, object], label: str, rows: Rows, found: np.ndarray) -> None:
    report[label] = rates(found, rows.answerable)
    for group in sorted(set(rows.sets)):
        mask = rows.sets == group
        report[f"{label} [{group}]"] = rates(found[mask], rows.answerable[mask])


def main() -> int:
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=int, default=1500, help="SQuAD questions of each kind")
    parser.add_argument("--weight", type=float, default=4.0, help="weight of a seed or collection question")
    parser.add_argument("--out", type=Path, default=RESULTS / "calibration.json")
    args = parser.parse_args()
    rng = random.Random(0)
    RESULTS.mkdir(parents=True, exist_ok=True)

    seed_questions = read_questions(REPO / "eval" / "seed_calibration.jsonl") + read_questions(
        REPO / "eval" / "seed_dev.jsonl")
    seed = evidence_rows(open_qa(Settings(corpus_dir=REPO / "corpus", index_dir=RESULTS / "seed-index",
                                          cache_size=0, reader=False)), seed_questions, "seed")
    dev = evidence_rows(open_qa(Settings(corpus_dir=REPO / "eval" / "collection", index_dir=RESULTS / "dev-index",
                                         cache_size=0, reader=False)),
                        read_questions(REPO / "eval" / "collection.jsonl"), "dev")
    squad_set = squad_rows(args.squad, rng)
    writers = writer_rows()
    named = {"seed": seed, "dev": dev, "squad": squad_set, **writers}
    np.savez(RESULTS / "calibration-features.npz", **{f"{n}_{f}": getattr(r, f) for n, r in named.items()
                                                       for f in ("x", "answerable", "read", "sets")})

    def parts(writer_names: Sequence[str], without: Rows | None = None, extra: Parts = ()) -> tuple[Parts, Parts]:
        """(READ parts, UNREAD parts): the seed, the collection and SQuAD, and these writers."""
        own = [(writers[w], 1.0) for w in writer_names]
        kept = [(r, args.weight) for r in (seed, dev) if r is not without]
        return kept + [(squad_set, 1.0)] + own + list(extra), [(dev, args.weight)] * (without is not dev) + own + list(extra)

    report: dict[str, object] = {"rows": {name: len(r.answerable) for name, r in named.items()}}
    # Held out first: each writer decided by models fitted without its fold.
    for reported_on, fitted_on in FOLDS:
        fold = Decision.fitted(*parts(fitted_on))
        report[f"thresholds fitted on {', '.join(fitted_on)}"] = {"read": fold.thresholds[True],
                                                                  "unread": fold.thresholds[False]}
        for writer in reported_on:
            rows = writers[writer]
            report_rows(report, f"{writer}, fitted without it", rows, fold.found(rows))
            report_rows(report, f"{writer}, decision.py before", rows, now_found(rows))
    # The seed and the development collection, 5-fold (each fold's models fitted without it).
    for name, rows in (("seed", seed), ("dev", dev)):
        found = np.zeros(len(rows.answerable), dtype=bool)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(rows.x, rows.answerable):
            part = Rows(rows.x[train], rows.answerable[train], rows.read[train], rows.sets[train])
            fold = Decision.fitted(*parts(WRITERS, without=rows, extra=[(part, args.weight)]))
            found[test] = fold.found(Rows(rows.x[test], rows.answerable[test], rows.read[test], rows.sets[test]))
        report_rows(report, f"{name}, 5-fold cross-validated", rows, found)
        report_rows(report, f"{name}, decision.py before", rows, now_found(rows))
    final = Decision.fitted(*parts(WRITERS))
    report["squad, final models (in-sample)"] = rates(final.found(squad_set), squad_set.answerable)
    for read, name in ((True, "READ"), (False, "UNREAD")):
        report[f"{name}_MODEL"] = {"coefficients": [round(float(c), 3) for c in final.models[read].coef_[0]],
                                   "intercept": round(float(final.models[read].intercept_[0]), 3),
                                   "threshold": final.thresholds[read]}
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


def _evidence(x: np.ndarray, read: bool) -> decision.Evidence:
    fitted = [float(v) for v in x[FITTED]]
    return decision.Evidence(*fitted[:8], key_missing=fitted[8], names_missing=fitted[9], kind_missing=fitted[10],
                             person_missing=float(x[PERSON]), topic_unknown=float(x[TOPIC]),
                             figure_missing=float(x[FIGURE]), read=bool(read))


if __name__ == "__main__":
    raise SystemExit(main())
