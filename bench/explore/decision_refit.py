"""Measured, not kept: the no-answer decision refitted on the writers' questions.

Today's decision (``answer.decision``) is a logistic regression fitted by ``bench/calibrate.py``
on the seed article, SQuAD and the development collection, with five vetoes beside it. Here
each question of a set runs through the served path (the fold ranker that never saw a writer;
the shipped one elsewhere), its ``Evidence`` is kept with the vetoes as four more columns, and
one logistic regression (English-read and unread columns apart, as today) is fitted on writers'
questions: w3-w5 each left out in turn, w3-w5 together for w1 and w2, all five for the team's
sets. The threshold is the one that gives the training writers today's false "not found".

It reads the decision as it was before ``decision.json`` replaced it: run it against a checkout
of commit 640c8b4 (``git worktree add /tmp/before640 640c8b4``, then ``PYTHONPATH=/tmp/before640/src``).

    .venv/bin/python bench/explore/decision_refit.py              # collect (about 1 min a set) and report
    .venv/bin/python bench/explore/decision_refit.py --scan       # also fixed thresholds 0.3-0.6
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH / "reader"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from run_eval import sets

from ccqa.answer import decision
from ccqa.answer.compose import weigh
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.ranking import MODEL_FOLDER, Rankers
from ccqa.config import Settings
from ccqa.service import ANSWER_POOL, QA

OUT = BENCH / "results" / "ranker" / "decision"
WRITERS = ["w1", "w2", "w3", "w4", "w5"]
SETS = [*WRITERS, "heldout", "dev", "seed_dev", "seed_calibration"]
FOLDS = {"w1": "fold-a", "w2": "fold-a", "w3": "fold-b", "w4": "fold-b", "w5": "fold-b"}


def collect(name: str) -> dict[str, np.ndarray]:
    """Each question's evidence (and vetoes), whether it is unanswerable, today's confidence and vetoes."""
    path = OUT / f"{name}.npz"
    if path.exists():
        return dict(np.load(path))
    questions, corpus, index_dir = {n: (q, c, i) for n, q, c, i in sets(WRITERS)}[name]
    folder = BENCH / "results" / "ranker" / FOLDS[name] if name in FOLDS else MODEL_FOLDER
    ranker = Rankers.load(folder).sentence
    qa = QA.open(Settings.from_env(index_dir=index_dir, corpus_dir=corpus, cache_size=0, reader=False))
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    x, read, vetoed, unanswerable, conf = [], [], [], [], []
    for row in rows:
        resolved = resolve_follow_up(row["q"], list(row.get("history") or ()))
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        _, _, ev = weigh(found.question, found.query.vector, found.hits, qa.index, ranker)
        if ev is None:  # no sentence about the year asked: "not found" whatever the decision
            continue
        unread_no_terms = float(not ev.read and ev.sentence_coverage <= 0.0)
        x.append(ev.vector() + [ev.person_missing, ev.topic_unknown, ev.figure_missing, unread_no_terms])
        read.append(ev.read)
        vetoed.append(decision.vetoed(ev))
        unanswerable.append(bool(row.get("unanswerable")))
        conf.append(decision.confidence(ev))
    data = {"X": np.array(x), "R": np.array(read), "V": np.array(vetoed), "U": np.array(unanswerable),
            "CONF": np.array(conf)}
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


def features(d: dict[str, np.ndarray]) -> np.ndarray:
    r = d["R"].astype(float)[:, None]
    return np.hstack([d["X"] * r, d["X"] * (1 - r), r])


def today(d: dict[str, np.ndarray]) -> np.ndarray:
    return (d["CONF"] < 0.3) | d["V"]


def training_for(name: str) -> list[str]:
    if name in ("w3", "w4", "w5"):
        return [w for w in ("w3", "w4", "w5") if w != name]
    return ["w3", "w4", "w5"] if name in ("w1", "w2") else WRITERS


def fitted(data: dict[str, dict[str, np.ndarray]], train: list[str]) -> tuple[LogisticRegression, float]:
    x = np.vstack([features(data[w]) for w in train])
    answerable = np.concatenate([~data[w]["U"] for w in train])
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, answerable)
    p = model.predict_proba(x)[:, 1]
    target = np.concatenate([today(data[w]) for w in train])[answerable].mean()
    threshold = max((t for t in np.linspace(0, 1, 1001) if (p < t)[answerable].mean() <= target), default=0.0)
    return model, float(threshold)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scan", action="store_true")
    args = parser.parse_args()
    data = {name: collect(name) for name in SETS}
    for name in SETS:
        model, threshold = fitted(data, training_for(name))
        d = data[name]
        p = model.predict_proba(features(d))[:, 1]
        refused, before, u = p < threshold, today(d), d["U"]
        auc = (f"AUC {roc_auc_score(~u, d['CONF']):.3f} -> {roc_auc_score(~u, p):.3f} "
               if 0 < u.sum() < len(u) else "")
        print(f"{name:16} {auc}recall {before[u].mean():.3f} -> {refused[u].mean():.3f}  "
              f"false not found {before[~u].mean():.3f} -> {refused[~u].mean():.3f}  (threshold {threshold:.2f})")
    if args.scan:
        for threshold in (0.3, 0.4, 0.5, 0.55, 0.6):
            cells = []
            for name in SETS:
                model, _ = fitted(data, training_for(name))
                d = data[name]
                refused = model.predict_proba(features(d))[:, 1] < threshold
                cells.append(f"{name} {refused[d['U']].mean():.2f}/{refused[~d['U']].mean():.2f}")
            print(f"threshold {threshold}: " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
