"""Fit the no-answer decision (the two models in src/ccqa/answer/decision.py) and report it.

Each question runs through the same retrieval, candidate scoring and choice as ``ccqa ask``
(``QA.retrieve`` then ``answer.compose.weigh``); its ``Evidence`` is the row fitted on:
  * the seed article: eval/seed_calibration.jsonl and eval/seed_dev.jsonl;
  * SQuAD dev split in two: an index of every article's even-numbered paragraphs, whose
    questions are answerable; the odd-numbered paragraphs' questions are not, when no kept
    passage holds their answer (sampled): near misses, as in a real collection;
  * the development collection eval/collection/ with eval/collection.jsonl (English, Chinese
    and cross-language questions).
The READ model (English question, English passage) is fitted on every read row, the UNREAD
model (a Chinese question or passage) on the development collection's unread rows, without the
cosine columns. Prints cross-validated figures per set, then the coefficients to paste into
decision.py. The held-out collection (eval/heldout/) is never read here.

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

import numpy as np

from ccqa.answer import decision
from ccqa.answer.compose import weigh
from ccqa.answer.followup import resolve_follow_up
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
        _, _, evidence = weigh(found.question, found.query.vector, found.hits, qa.index)
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


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=int, default=1500, help="SQuAD questions of each kind")
    parser.add_argument("--weight", type=float, default=4.0, help="weight of a seed or collection question")
    parser.add_argument("--read-threshold", type=float, default=0.3)
    parser.add_argument("--unread-threshold", type=float, default=0.3)
    args = parser.parse_args()
    rng = random.Random(0)
    RESULTS.mkdir(parents=True, exist_ok=True)

    seed_questions = read_questions(REPO / "eval" / "seed_calibration.jsonl") + read_questions(
        REPO / "eval" / "seed_dev.jsonl")
    seed = evidence_rows(open_qa(Settings(corpus_dir=REPO / "corpus", index_dir=RESULTS / "seed-index",
                                          cache_size=0)), seed_questions, "seed")
    dev = evidence_rows(open_qa(Settings(corpus_dir=REPO / "eval" / "collection", index_dir=RESULTS / "dev-index",
                                         cache_size=0)), read_questions(REPO / "eval" / "collection.jsonl"), "dev")
    squad_set = squad_rows(args.squad, rng)
    np.savez(RESULTS / "calibration-features.npz", **{f"{n}_{f}": getattr(r, f) for n, r in
                                                       (("seed", seed), ("dev", dev), ("squad", squad_set))
                                                       for f in ("x", "answerable", "read", "sets")})

    def fit(parts: list[tuple[Rows, float]], read: bool) -> LogisticRegression:
        x = np.vstack([columns(r.x[r.read == read], read) for r, _ in parts])
        y = np.concatenate([r.answerable[r.read == read] for r, _ in parts])
        w = np.concatenate([np.full(int((r.read == read).sum()), weight) for r, weight in parts])
        return LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=w)

    def decide(models: dict[bool, LogisticRegression], rows: Rows) -> np.ndarray:
        found = np.zeros(len(rows.answerable), dtype=bool)
        for read, threshold in ((True, args.read_threshold), (False, args.unread_threshold)):
            mask = rows.read == read
            if mask.any():
                found[mask] = models[read].predict_proba(columns(rows.x[mask], read))[:, 1] >= threshold
        return found & not_vetoed(rows.x, rows.read)

    report: dict[str, object] = {"rows": {"seed": len(seed.answerable), "dev": len(dev.answerable),
                                          "squad": len(squad_set.answerable), "dev unread": int((~dev.read).sum())}}
    # cross-validated on the seed and the collection (each fold's models fitted without it)
    for name, rows in (("seed", seed), ("dev", dev)):
        found = np.zeros(len(rows.answerable), dtype=bool)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(rows.x, rows.answerable):
            part = Rows(rows.x[train], rows.answerable[train], rows.read[train], rows.sets[train])
            others = [(r, args.weight) for r in (seed, dev) if r is not rows] + [(squad_set, 1.0), (part, args.weight)]
            models = {True: fit(others, True), False: fit([(part, args.weight)] + ([(dev, args.weight)] if rows is seed
                                                                                     else []), False)}
            test_rows = Rows(rows.x[test], rows.answerable[test], rows.read[test], rows.sets[test])
            found[test] = decide(models, test_rows)
        report[f"{name}, 5-fold cross-validated"] = rates(found, rows.answerable)
        for group in sorted(set(rows.sets)):
            mask = rows.sets == group
            report[f"{name} {group}, cross-validated"] = rates(found[mask], rows.answerable[mask])
    models = {True: fit([(seed, args.weight), (dev, args.weight), (squad_set, 1.0)], True),
              False: fit([(dev, args.weight)], False)}
    report["squad, final models (in-sample)"] = rates(decide(models, squad_set), squad_set.answerable)
    report["current decision.py on dev"] = rates(np.asarray([decision.is_answered(_evidence(x, r)) for x, r in
                                                             zip(dev.x, dev.read)]), dev.answerable)
    for read, name in ((True, "READ"), (False, "UNREAD")):
        report[f"{name}_MODEL"] = {"coefficients": [round(float(c), 3) for c in models[read].coef_[0]],
                                   "intercept": round(float(models[read].intercept_[0]), 3)}
    print(json.dumps(report, indent=2))
    return 0


def _evidence(x: np.ndarray, read: bool) -> decision.Evidence:
    fitted = [float(v) for v in x[FITTED]]
    return decision.Evidence(*fitted[:8], key_missing=fitted[8], names_missing=fitted[9], kind_missing=fitted[10],
                             person_missing=float(x[PERSON]), topic_unknown=float(x[TOPIC]),
                             figure_missing=float(x[FIGURE]), read=bool(read))


if __name__ == "__main__":
    raise SystemExit(main())
