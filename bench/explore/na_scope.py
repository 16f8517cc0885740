"""How the fitted no-answer decision (``answer/model/decision.json``) was chosen, on w3-w5 only.

1. Does the chosen sentence's own scope (the sentence with its headings, table caption and the
   sentence before) leave out a question term, and does that separate the questions the
   collection cannot answer? (The evidence before checked names and the rarest term at passage
   level.) ``report`` prints the AUC of a logistic regression with each measurement added.
2. Three classes (unanswerable / the chosen sentence right / wrong) and the rule that refuses:
   ``decide`` prints no-answer recall, false "not found", right answers shown and the share of
   questions answered rightly (a right sentence or a right "not found") for refusing when the
   question is more likely unanswerable than not, with each set of hard vetoes, and with a
   floor on the probability of a right sentence.

Each question runs through the served path with the fold ranker that never saw its writer;
its evidence as the decision read it before (``decision_refit.py``'s columns, the confidence
and vetoes of then) and the scope measurements are stored, so ``collect`` runs in a checkout
of commit 640c8b4 (``git worktree add /tmp/before640 640c8b4``): copy this file into its
``bench/explore/``, link its ``bench/results`` to this checkout's and the writers' folders it
lacks into its ``bench/reader/collection/``. w6-w8 are read with ``fold-c``, whose sentence
weights are those shipped at 640c8b4:

    cd /tmp/before640 && PYTHONPATH=src /work/main/.venv/bin/python bench/explore/na_scope.py collect w3 w4 w5
    .venv/bin/python bench/explore/na_scope.py report --tune w3 w4 w5
    .venv/bin/python bench/explore/na_scope.py decide --tune w3 w4 w5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "reader"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import train_ranker
from run_eval import sets

from ccqa.answer import decision
from ccqa.answer.compose import weigh
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.sentence import passage_facts
from ccqa.config import Settings
from ccqa.evaluate import _contains_any
from ccqa.lang.terms import term_set
from ccqa.service import ANSWER_POOL, QA

OUT = BENCH / "results" / "na-scope"
FOLD_OF = {"w1": "fold-a", "w2": "fold-a", "w3": "fold-b", "w4": "fold-b", "w5": "fold-b",
           "w6": "fold-c", "w7": "fold-c", "w8": "fold-c"}
SCOPE = ("scope_key_missing", "scope_missing_idf", "scope_missing_count", "scope_names_missing", "margin", "best")


def ranker_for(writer: str) -> Path:
    fold = FOLD_OF.get(writer)
    return BENCH / "results" / "ranker" / fold if fold else BENCH.parent / "src" / "ccqa" / "answer" / "model"


def source(name: str) -> tuple[QA, list[dict]]:
    """A writer's index and questions, or one of ``run_eval.py``'s other sets."""
    if name.startswith("w"):
        return train_ranker.writer_source(name)
    questions, corpus, index_dir = {n: (q, c, i) for n, q, c, i in sets([])}[name]
    qa = QA.open(Settings.from_env(index_dir=index_dir, corpus_dir=corpus, cache_size=0, reader=False))
    return qa, [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]


def collect(writer: str) -> None:
    from ccqa.answer.ranking import Rankers  # type: ignore[attr-defined]  # at 640c8b4, where it ran
    rankers = Rankers.load(ranker_for(writer))
    qa, rows = source(writer)
    index = qa.index
    n = max(len(index), 1)
    df = index.document_frequency
    records = []
    for row in rows:
        resolved = resolve_follow_up(row["q"], list(row.get("history") or ()))
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        question = found.question
        candidates, choice, ev = weigh(question, found.query.vector, found.hits, index, rankers.sentence)
        if ev is None or choice.best is None:
            continue
        best = choice.best
        hit = found.hits[best.hit_index]
        facts = passage_facts(index.documents[hit.passage.doc_id], hit.passage)
        scope = term_set(" ".join([facts.contexts[best.first], *best.texts(hit)]))
        asked = [t for t in dict.fromkeys(question.terms_for(hit.passage.lang))
                 if not t.replace(".", "").isdigit() and df(t) > 0]
        missing = [t for t in asked if t not in scope]
        idf = [math.log(n / df(t)) / math.log(n + 1) for t in missing]
        rarest = min(asked, key=df) if asked else None
        names = {t for word in question.rules.names(question.asked) for t in term_set(word) if df(t) > 0}
        if hit.passage.lang != question.lang:
            names = {t for t in names if t.isascii()} & set(question.terms_for(hit.passage.lang))
        scores = sorted((c.score for c in candidates), reverse=True)
        unread_no_terms = float(not ev.read and ev.sentence_coverage <= 0.0)
        chosen_text = " ".join(best.texts(hit))
        answers = tuple(row.get("answers") or ())
        records.append({
            "right": bool(answers) and not row.get("unanswerable") and _contains_any(chosen_text, answers),
            "across": hit.passage.lang != question.lang, "rank": best.hit_index,
            "group": row.get("set") or "en", "kind": row.get("kind"), "u": bool(row.get("unanswerable")),
            "x": ev.vector() + [ev.person_missing, ev.topic_unknown, ev.figure_missing, unread_no_terms],
            "read": ev.read, "vetoed": decision.vetoed(ev), "conf": decision.confidence(ev),
            "scope": [float(rarest is not None and rarest not in scope), max(idf, default=0.0),
                      float(len(missing)), float(bool(names - scope)),
                      scores[0] - scores[1] if len(scores) > 1 else 1.0, best.score],
        })
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{writer}.json").write_text(json.dumps(records), encoding="utf-8")
    print(f"{writer}: {len(records)} questions, {sum(r['u'] for r in records)} unanswerable", flush=True)


def matrix(records: list[dict], use: list[int]) -> np.ndarray:
    rows = []
    for r in records:
        x = np.array(r["x"] + [r["scope"][i] for i in use])
        read = float(r["read"])
        rows.append(np.concatenate([x * read, x * (1 - read), [read]]))
    return np.array(rows)


def load(writer: str) -> list[dict]:
    return list(json.loads((OUT / f"{writer}.json").read_text(encoding="utf-8")))


VETOES = {"unknown_names": 7, "person_missing": 11, "topic_unknown": 12, "figure_missing": 13, "no_shared_terms": 14}


def three_class_rows(records: list[dict]) -> np.ndarray:
    """Today's columns, the scope measurements, and where the sentence stands (other language,
    first passage, log rank), each where read and where not, then the flag."""
    rows = []
    for r in records:
        x = np.array(r["x"] + r["scope"] + [float(r["across"]), float(r["rank"] == 0), math.log1p(r["rank"])])
        read = float(r["read"])
        rows.append(np.concatenate([x * read, x * (1 - read), [read]]))
    return np.array(rows)


def outcome(r: dict) -> int:
    return 0 if r["u"] else 1 if r["right"] else 2


def rates(records: list[dict], refused: np.ndarray) -> str:
    u = np.array([r["u"] for r in records])
    right = np.array([r["right"] for r in records])
    rightly = ((~refused) & right).sum() + (refused & u).sum()
    return (f"recall {refused[u].mean():.3f} false not found {refused[~u].mean():.3f} "
            f"right shown {((~refused) & right).sum() / (~u).sum():.3f} answered rightly {rightly / len(records):.3f}")


def decide(tune: list[str]) -> None:
    veto_sets = {"all vetoes": list(VETOES), "all but unknown_names": list(VETOES)[1:], "none": []}
    for held in tune:
        train = [x for w in tune if w != held for x in load(w)]
        test = load(held)
        model = LogisticRegression(C=1.0, max_iter=5000).fit(three_class_rows(train), [outcome(r) for r in train])
        p = model.predict_proba(three_class_rows(test))
        print(f"{held} before: {rates(test, np.array([r['conf'] < 0.3 or r['vetoed'] for r in test]))}")
        for name, columns in veto_sets.items():
            vetoed = np.array([any(r["x"][VETOES[c]] >= 0.5 for c in columns) for r in test], bool)
            for floor in (0.0, 0.05, 0.1, 0.15, 0.2):
                refused = (p[:, 0] > 0.5) | (p[:, 1] < floor) | vetoed
                print(f"  {name:22} floor {floor:.2f}: {rates(test, refused)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("writers", nargs="+")
    d = sub.add_parser("decide")
    d.add_argument("--tune", nargs="+", required=True)
    r = sub.add_parser("report")
    r.add_argument("--tune", nargs="*", default=[])
    r.add_argument("--train", nargs="*", default=[])
    r.add_argument("--test", nargs="*", default=[])
    args = parser.parse_args()
    if args.command == "collect":
        for writer in args.writers:
            collect(writer)
        return 0
    if args.command == "decide":
        decide(args.tune)
        return 0
    variants = {"today's columns": [], **{f"+ {SCOPE[i]}": [i] for i in range(len(SCOPE))},
                "+ all scope": list(range(len(SCOPE)))}
    pairs = ([([w for w in args.tune if w != held], held) for held in args.tune] if args.tune
             else [(args.train, held) for held in args.test])
    for name, use in variants.items():
        cells = []
        for train, held in pairs:
            tr = [x for w in train for x in load(w)]
            te = load(held)
            model = LogisticRegression(C=1.0, max_iter=5000).fit(matrix(tr, use), [not x["u"] for x in tr])
            p = model.predict_proba(matrix(te, use))[:, 1]
            today = roc_auc_score([not x["u"] for x in te], [x["conf"] for x in te])
            cells.append(f"{held} {today:.3f}->{roc_auc_score([not x['u'] for x in te], p):.3f}")
        print(f"{name:24} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
