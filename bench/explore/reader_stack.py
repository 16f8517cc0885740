"""Measured: the trained reader's relevance logit as a second stage over the sentence ranker's
best few candidates (stacking), each candidate's logit compared with the best of its language.

Stage 1 is the fitted sentence ranker (``ccqa.answer.ranking``). For its ``K`` best candidates
the reader gives a logit; stage 2 is a conditional logit over those ``K`` on (stage-1 score,
logit behind the best logit of the candidate's language side, logit behind the best overall).
Every writer's rows come from the fold ranker and the fold reader that never saw that writer,
so a stage 2 fitted on some writers and scored on others is held out at both stages.

    .venv/bin/python bench/explore/reader_stack.py collect w3 w4 w5 w1 w2
    .venv/bin/python bench/explore/reader_stack.py report --tune w3 w4 w5
    .venv/bin/python bench/explore/reader_stack.py report --train w3 w4 w5 --test w1 w2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "reader"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import train_ranker

from ccqa.answer.candidates import of_hit
from ccqa.answer.ranking import FEATURES, feature_matrix, read_weights
from ccqa.answer.reader import OnnxReader
from ccqa.answer.sentence import measure
from ccqa.cache import default_cache_dir
from ccqa.embed.reader_model import ensure_reader_onnx
from ccqa.evaluate import _contains_any

OUT = BENCH / "results" / "stack"
FOLD_OF = {"w1": "fold-a", "w2": "fold-a", "w3": "fold-b", "w4": "fold-b", "w5": "fold-b"}
K_MAX = 10


def fold_paths(writer: str) -> tuple[Path, Path]:
    """(ranker folder, reader folder) that never saw ``writer``; the shipped ones for a new writer."""
    fold = FOLD_OF.get(writer)
    if fold is None:
        shipped = BENCH.parent / "src" / "ccqa" / "answer" / "model"
        return shipped, shipped
    return BENCH / "results" / "ranker" / fold, BENCH / "results" / "reader" / fold


def collect(writer: str) -> None:
    ranker_folder, reader_folder = fold_paths(writer)
    weights = read_weights(ranker_folder / "sentence_ranker.json", FEATURES)
    graph, base = ensure_reader_onnx(default_cache_dir(), reader_folder)
    reader = OnnxReader(graph, base, threads=2)
    qa, rows = train_ranker.writer_source(writer)
    index = qa.index
    records = []
    for answers, found, question, row in train_ranker.answerable(qa, rows):
        vectors = [index.sentence_vectors_of(h.row) for h in found.hits]
        places, measured = measure(question, found.query.vector, found.hits, vectors, index.documents,
                                   index.document_frequency, max(len(index), 1))
        keep = [i for i, c in enumerate(places) if not question.years or c.years & set(question.years)]
        if not keep:
            continue
        scores = feature_matrix(measured)[keep] @ weights
        order = np.argsort(-scores, kind="stable")[:K_MAX]
        chosen = [places[keep[i]] for i in order]
        texts = []
        for c in chosen:
            hit = found.hits[c.hit_index]
            of = of_hit(c.hit_index, hit, index.documents[hit.passage.doc_id])
            texts.append(of[min(c.last, len(of) - 1)])
        logits = [r.logit for r in reader.read(row["q"], tuple(row.get("history") or ()), texts)]
        gold = [_contains_any(" ".join(c.texts(found.hits[c.hit_index])), answers) for c in chosen]
        any_gold = any(_contains_any(" ".join(places[i].texts(found.hits[places[i].hit_index])), answers)
                       for i in keep)
        records.append({"group": row.get("set") or "en", "kind": row.get("kind"), "s1": scores[order].tolist(),
                        "logit": logits, "across": [measured[keep[i]].across for i in order], "gold": gold,
                        "any_gold": any_gold})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{writer}.json").write_text(json.dumps(records), encoding="utf-8")
    print(f"{writer}: {len(records)} questions", flush=True)


def stage2_features(r: dict, k: int, variant: str) -> np.ndarray:
    s1 = np.array(r["s1"][:k])
    logit = np.array(r["logit"][:k])
    across = np.array(r["across"][:k], bool)
    behind_side = np.zeros(len(logit))
    for side in (across, ~across):
        if side.any():
            behind_side[side] = logit[side] - logit[side].max()
    behind_all = logit - logit.max()
    cols = [s1 - s1.max()]
    if variant in ("side", "both"):
        cols.append(behind_side)
    if variant in ("all", "both"):
        cols.append(behind_all)
    return np.stack(cols, axis=1)


def fit(records: list[dict], k: int, variant: str, l2: float = 1.0) -> np.ndarray:
    usable = [r for r in records if any(r["gold"][:k])]
    xs = [stage2_features(r, k, variant) for r in usable]
    golds = [np.array(r["gold"][:k], bool) for r in usable]
    share = [train_ranker.CROSS_WEIGHT if r["group"] == "cross" else 1.0 for r in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for x, g, q in zip(xs, golds, share):
            s = x @ w
            e = np.exp(s - s.max())
            total -= q * float(np.log(e[g].sum()) - np.log(e.sum()))
            grad = grad - q * (x[g].T @ (e[g] / e[g].sum()) - x.T @ (e / e.sum()))
        return total, grad

    return minimize(loss, np.zeros(xs[0].shape[1]), jac=True, method="L-BFGS-B").x


def accuracy(records: list[dict], k: int, variant: str, w: np.ndarray | None) -> dict[str, float]:
    tally: dict[str, list[int]] = {}
    for r in records:
        if w is None:
            best = 0
        else:
            best = int(np.argmax(stage2_features(r, k, variant) @ w))
        for g in ("all", r["group"]):
            t = tally.setdefault(g, [0, 0])
            t[0] += 1
            t[1] += bool(r["gold"][best])
    return {g: round(t[1] / t[0], 3) for g, t in sorted(tally.items())}


def load(writer: str) -> list[dict]:
    return list(json.loads((OUT / f"{writer}.json").read_text(encoding="utf-8")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("writers", nargs="+")
    r = sub.add_parser("report")
    r.add_argument("--tune", nargs="*", default=[])
    r.add_argument("--train", nargs="*", default=[])
    r.add_argument("--test", nargs="*", default=[])
    args = parser.parse_args()
    if args.command == "collect":
        for writer in args.writers:
            collect(writer)
        return 0
    for k in (3, 4, 6, 8, 10):
        for variant in ("side", "all", "both"):
            if args.tune:
                cells = []
                for held in args.tune:
                    train = [x for w in args.tune if w != held for x in load(w)]
                    w = fit(train, k, variant)
                    test = load(held)
                    cells.append(f"{held} {accuracy(test, k, None, None)['all']:.3f}->"
                                 f"{accuracy(test, k, variant, w)['all']:.3f}")
                print(f"k={k:2} {variant:5} " + "  ".join(cells))
            else:
                train = [x for wr in args.train for x in load(wr)]
                w = fit(train, k, variant)
                for held in args.test:
                    test = load(held)
                    print(f"k={k:2} {variant:5} {held} {accuracy(test, k, None, None)} -> "
                          f"{accuracy(test, k, variant, w)} w={np.round(w, 3).tolist()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
