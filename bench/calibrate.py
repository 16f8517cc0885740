"""Fit the no-answer decision (answer.py's coefficients) on labelled questions, and report it.

Data, each question run through the same search and sentence choice as ``ccqa ask``:
  * the seed article: eval/seed_calibration.jsonl (hand-written, 70 answerable / 45 unanswerable)
    and eval/seed_dev.jsonl;
  * SQuAD dev split in two: an index of the even-numbered articles; their questions are
    answerable, the odd-numbered articles' questions are not (sampled).
Prints the fitted coefficients (to paste into answer.py), cross-validated precision and recall of
"not found" on the seed questions, and the figures of the coefficients now in answer.py.

    .venv/bin/python bench/calibrate.py [--squad 1500]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from ccqa.answer import decision
from ccqa.answer.compose import weigh
from ccqa.config import Settings
from ccqa.evaluate import read_questions
from ccqa.index import Index
from ccqa.index.build import build_index
from ccqa.search.retrieve import Query, search

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import squad


def features(index: Index, queries: list[Query]) -> np.ndarray:
    rows = []
    for query in queries:
        _, _, evidence = weigh(query.text, query.text, query.vector, search(index, query, k=5), index)
        assert evidence is not None
        rows.append([*evidence.vector(), evidence.person_missing, evidence.topic_unknown])
    return np.asarray(rows)


def seed_index(questions: list[str]) -> tuple[Index, list[Query]]:
    """The seed article indexed as `ccqa build` does, and the questions as the server encodes them."""
    settings = Settings(corpus_dir=REPO / "corpus", index_dir=BENCH / "results" / "seed-index")
    build_index(settings)
    index, queries, _ = squad.served_queries(settings, questions)
    return index, queries


def squad_half_index() -> tuple[Index, list[squad.SquadQuestion], list[squad.SquadQuestion], dict[str, Query]]:
    """The SQuAD index (bench/squad.py builds it) cut down to every other article, in memory,
    and every SQuAD question as the server encodes it."""
    settings = Settings(corpus_dir=squad.WORK / "corpus", index_dir=squad.index_dir("auto"))
    questions, _ = squad.write_corpus(settings.corpus_dir)
    build_index(settings)
    full, queries, _ = squad.served_queries(settings, list(dict.fromkeys(q.question for q in questions)))
    kept = set(sorted(full.documents)[::2])
    rows = [r for r, p in enumerate(full.passages) if p.doc_id in kept]
    sentence_rows = np.concatenate([np.arange(full.sentence_rows[r], full.sentence_rows[r + 1]) for r in rows])
    index = Index.build([full.documents[d] for d in sorted(kept)], [full.passages[r] for r in rows],
                        np.asarray(full.passage_vectors[rows]), full.sentence_vectors.decode(sentence_rows),
                        full.manifest)
    return (index, [q for q in questions if q.doc_id in kept], [q for q in questions if q.doc_id not in kept],
            {q.text: q for q in queries})


def rates(found: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    not_found = ~found
    unans = ~answerable
    tp = int((not_found & unans).sum())
    return {
        "no_answer_recall": round(tp / max(unans.sum(), 1), 3),
        "no_answer_precision": round(tp / max(not_found.sum(), 1), 3),
        "false_no_answer_rate": round(int((not_found & answerable).sum()) / max(answerable.sum(), 1), 3),
        "answerable": int(answerable.sum()),
        "unanswerable": int(unans.sum()),
    }


NAMES, PERSON, TOPIC = 7, 8, 9  # vetoes: an unknown name; "who is the ...?" naming no one; unknown topic
FITTED = slice(0, 8)  # the columns of Evidence.vector(); the last one is only a veto


def current_decision(x: np.ndarray) -> np.ndarray:
    """answer.py's decision, vectorised: the fitted probability, vetoed by an unknown name."""
    z = decision.DECISION_INTERCEPT + x[:, FITTED] @ np.asarray(decision.DECISION_COEFFICIENTS)
    return (1 / (1 + np.exp(-z)) >= decision.DECISION_THRESHOLD) & not_vetoed(x)


def not_vetoed(x: np.ndarray) -> np.ndarray:
    return (x[:, NAMES] < 0.5) & (x[:, PERSON] < 0.5) & (x[:, TOPIC] < 0.5)


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=int, default=1500, help="SQuAD questions of each kind")
    parser.add_argument("--seed-weight", type=float, default=4.0)
    parser.add_argument("--threshold", type=float, default=0.3)
    args = parser.parse_args()
    rng = random.Random(0)
    seed_questions = read_questions(REPO / "eval" / "seed_calibration.jsonl") + read_questions(
        REPO / "eval" / "seed_dev.jsonl")
    seed, seed_queries = seed_index([q.q for q in seed_questions])
    x_seed = features(seed, seed_queries)
    y_seed = np.asarray([not q.unanswerable for q in seed_questions])

    half, inside, outside, asked = squad_half_index()
    inside, outside = rng.sample(inside, args.squad), rng.sample(outside, args.squad)
    x_squad = features(half, [asked[q.question] for q in inside + outside])
    y_squad = np.asarray([True] * len(inside) + [False] * len(outside))

    np.savez(BENCH / "results" / "calibration-features.npz", x_seed=x_seed, y_seed=y_seed, x_squad=x_squad,
             y_squad=y_squad)

    def fit(x_s: np.ndarray, y_s: np.ndarray) -> LogisticRegression:
        x = np.vstack([x_s, x_squad])[:, FITTED]
        y = np.concatenate([y_s, y_squad])
        w = np.concatenate([np.full(len(y_s), args.seed_weight), np.ones(len(y_squad))])
        return LogisticRegression(C=1.0, max_iter=2000).fit(x, y, sample_weight=w)

    report: dict[str, object] = {"features": ["dense_top", "sentence_semantic", "passage_coverage",
                                              "sentence_coverage", "unknown_terms", "type_missing",
                                              "numbers_missing", "unknown_names"]}
    report["current answer.py on seed"] = rates(current_decision(x_seed), y_seed)
    report["current answer.py on squad"] = rates(current_decision(x_squad), y_squad)
    for threshold in (0.2, 0.3, 0.4, 0.5):
        cv_found = np.zeros(len(y_seed), dtype=bool)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x_seed, y_seed):
            model = fit(x_seed[train], y_seed[train])
            cv_found[test] = model.predict_proba(x_seed[test][:, FITTED])[:, 1] >= threshold
        report[f"seed 5-fold CV, threshold {threshold}"] = rates(cv_found & not_vetoed(x_seed), y_seed)
    model = fit(x_seed, y_seed)
    report["coefficients"] = [round(float(c), 3) for c in model.coef_[0]]
    report["intercept"] = round(float(model.intercept_[0]), 3)
    found = (model.predict_proba(x_squad[:, FITTED])[:, 1] >= args.threshold) & not_vetoed(x_squad)
    report[f"fitted model on squad, threshold {args.threshold}"] = rates(found, y_squad)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
