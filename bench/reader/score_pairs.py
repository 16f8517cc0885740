"""The reader alone, on labelled candidates (``make_pairs.py``) it was not trained on: how often
its best candidate is an answering one, its exact answer given the answering sentence (SQuAD's
exact match and F1), and how well its best logit tells answered from unanswerable questions.
``--calibrate`` fits the probability that the shown answer is right on these readings and
writes it into the reader's record (what ``confidence`` means at serving).

    .venv/bin/python bench/reader/score_pairs.py --reader bench/results/reader/fold-a \
        bench/results/reader/pairs/w1.jsonl bench/results/reader/pairs/w2.jsonl
    .venv/bin/python bench/reader/score_pairs.py --reader src/ccqa/answer/model --calibrate-from \
        bench/results/reader/fold-a.readings.jsonl bench/results/reader/fold-b.readings.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import re
import string
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from ccqa.answer.candidates import Piece, ReaderCandidate
from ccqa.answer.reader import OnnxReader
from ccqa.config import Settings
from ccqa.embed.reader_model import READER_RECORD, ensure_reader_onnx
from ccqa.files import write_atomically

ROOT = Path(__file__).resolve().parents[2]
CACHE = Settings().setup_dir


def normalise(text: str) -> str:
    text = "".join(c for c in text.lower() if c not in set(string.punctuation) | set("，。、；：？！“”（）"))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1(prediction: str, gold: str) -> float:
    p = list(normalise(prediction).replace(" ", "")) if re.search(r"[\u4e00-\u9fff]", gold) else normalise(prediction).split()
    g = list(normalise(gold).replace(" ", "")) if re.search(r"[\u4e00-\u9fff]", gold) else normalise(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def auc(positives: list[float], negatives: list[float]) -> float:
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def read_file(reader: OnnxReader, path: Path) -> list[dict]:
    """Per question: the label of its best candidate, its best logit, the span given the gold sentence."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        cands = row["candidates"]
        if not cands:
            out.append({"qid": row["qid"], "set": row.get("set"), "unanswerable": row["unanswerable"], "pool": False,
                        "top_label": 0, "best_logit": -10.0})
            continue
        candidates = [ReaderCandidate(c["hit"], 0, c["text"], c["quotable"], (Piece(0, c["quotable"], 0),)) for c in cands]
        readings = reader.read(row["question"], row["history"], candidates)
        best = max(range(len(readings)), key=lambda i: readings[i].logit)
        record = {"qid": row["qid"], "set": row.get("set"), "unanswerable": row["unanswerable"],
                  "pool": any(c["label"] for c in cands), "top_label": cands[best]["label"],
                  "best_logit": readings[best].logit,
                  "candidates": [[r.logit, c["hit"], c["label"]] for r, c in zip(readings, cands)]}
        gold = next((i for i, c in enumerate(cands) if c["label"]), None)
        if gold is not None:
            span = readings[gold].span
            predicted = cands[gold]["text"][span[0]:span[1]] if span else ""
            record["em"] = max(float(normalise(predicted) == normalise(a)) for a in row["answers"])
            record["f1"] = max(f1(predicted, a) for a in row["answers"])
        out.append(record)
    return out


def summary(records: list[dict]) -> dict[str, float]:
    answerable = [r for r in records if not r["unanswerable"]]
    pooled = [r for r in answerable if r["pool"]]
    spans = [r for r in answerable if "em" in r]
    return {
        "questions": len(records),
        "gold_in_pool": round(len(pooled) / max(len(answerable), 1), 3),
        "sentence@1 (gold in pool)": round(sum(r["top_label"] for r in pooled) / max(len(pooled), 1), 3),
        "sentence@1 (answerable)": round(sum(r["top_label"] for r in answerable) / max(len(answerable), 1), 3),
        "span EM | gold sentence": round(sum(r["em"] for r in spans) / max(len(spans), 1), 3),
        "span F1 | gold sentence": round(sum(r["f1"] for r in spans) / max(len(spans), 1), 3),
        "no-answer AUC": round(auc([r["best_logit"] for r in answerable], [r["best_logit"] for r in records if r["unanswerable"]]), 3),
    }


def _features(candidates: list[list[float]]) -> np.ndarray:
    return np.array([[logit, math.log1p(hit), 1.0] for logit, hit, _ in candidates])


def fit_calibration(records: list[dict]) -> dict[str, float]:
    """Logistic regression of 'this candidate answers' on its logit and its passage's rank,
    over every candidate of every question (unanswerable questions' candidates all answer not)."""
    x = np.concatenate([_features(r["candidates"]) for r in records if r.get("candidates")])
    y = np.concatenate([[float(label) for _, _, label in r["candidates"]] for r in records if r.get("candidates")])
    w = np.zeros(3)
    for _ in range(100):  # Newton's method on the log-likelihood, a little L2 for stability
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (y - p) - 1e-3 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        w = w + step
        if np.abs(step).max() < 1e-8:
            break
    calibration = {"scale": round(float(w[0]), 5), "rank_weight": round(float(w[1]), 5),
                   "shift": round(float(w[2]), 5), "threshold": 0.5}
    calibration["threshold"] = best_threshold(records, calibration)
    return calibration


def best_threshold(records: list[dict], calibration: dict[str, float]) -> float:
    """The threshold under which "not found" is said that makes the most right decisions on
    these readings: an answerable question shown its right answer, an unanswerable one refused."""
    rows = combined(records, calibration)

    def right_decisions(threshold: float) -> float:
        return sum((p >= threshold and right) if not r["unanswerable"] else p < threshold for p, right, r in rows)

    return max((t / 100 for t in range(2, 80)), key=right_decisions)


def combined(records: list[dict], calibration: dict[str, float]) -> list[tuple[float, float, dict]]:
    """Per question: the best candidate's probability under ``calibration``, whether it answers."""
    w = np.array([calibration["scale"], calibration["rank_weight"], calibration["shift"]])
    out = []
    for r in records:
        if not r.get("candidates"):
            out.append((0.0, 0.0, r))
            continue
        scores = _features(r["candidates"]) @ w
        best = int(np.argmax(scores))
        right = float(not r["unanswerable"] and r["candidates"][best][2] == 1)
        out.append((float(1 / (1 + np.exp(-scores[best]))), right, r))
    return out


def applied(records: list[dict], calibration: dict[str, float]) -> dict[str, float]:
    """The figures of the combination on readings it was not fitted on."""
    rows = combined(records, calibration)
    answerable = [(p, right) for p, right, r in rows if not r["unanswerable"]]
    unanswerable = [p for p, _, r in rows if r["unanswerable"]]
    threshold = calibration["threshold"]
    return {
        "sentence@1 (answerable)": round(sum(right for _, right in answerable) / max(len(answerable), 1), 3),
        "shown and right": round(sum(right and p >= threshold for p, right in answerable) / max(len(answerable), 1), 3),
        "no-answer recall": round(sum(p < threshold for p in unanswerable) / max(len(unanswerable), 1), 3),
        "false not-found": round(sum(p < threshold for p, _ in answerable) / max(len(answerable), 1), 3),
        "no-answer AUC": round(auc([p for p, _ in answerable], unanswerable), 3),
    }


def reliability(records: list[dict], calibration: dict[str, float]) -> list[tuple[str, int, float, float]]:
    bins: dict[int, list[tuple[float, float]]] = {}
    for p, right, _ in combined(records, calibration):
        bins.setdefault(min(int(p * 5), 4), []).append((p, right))
    return [(f"{b / 5:.1f}-{(b + 1) / 5:.1f}", len(v), round(sum(p for p, _ in v) / len(v), 3),
             round(sum(r for _, r in v) / len(v), 3)) for b, v in sorted(bins.items())]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", type=Path, required=True)
    parser.add_argument("pairs", nargs="*", type=Path)
    parser.add_argument("--save", type=Path, help="write the per-question readings here (JSONL)")
    parser.add_argument("--calibrate-from", nargs="*", type=Path, help="readings files of held-out folds")
    parser.add_argument("--apply-to", nargs="*", type=Path, help="readings files to score with the reader's calibration")
    args = parser.parse_args()
    if args.apply_to:
        calibration = json.loads((args.reader / READER_RECORD).read_text("utf-8"))["calibration"]
        for path in args.apply_to:
            records = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
            print(path.stem, json.dumps(applied(records, calibration)))
            for group in ("en", "zh", "cross"):
                part = [r for r in records if r.get("set") == group]
                print(f"  {group}", json.dumps(applied(part, calibration)))
        return 0
    if args.calibrate_from:
        records = [json.loads(x) for f in args.calibrate_from for x in f.read_text("utf-8").splitlines()]
        calibration = fit_calibration(records)
        record_path = args.reader / READER_RECORD
        record = json.loads(record_path.read_text("utf-8"))
        record["calibration"] = calibration
        record["calibrated_on"] = [f.name for f in args.calibrate_from]
        write_atomically(record_path, json.dumps(record, indent=1) + "\n")
        print(json.dumps(calibration))
        for row in reliability(records, calibration):
            print(f"| {row[0]} | {row[1]} | {row[2]:.3f} | {row[3]:.3f} |")
        return 0
    graph, base = ensure_reader_onnx(CACHE, args.reader)
    reader = OnnxReader(graph, base, threads=2)
    everything = []
    for path in args.pairs:
        records = read_file(reader, path)
        everything += records
        print(path.stem, json.dumps(summary(records)))
        for group in ("en", "zh", "cross"):
            part = [r for r in records if r.get("set") == group]
            if part:
                print(f"  {group}", json.dumps(summary(part)))
    if args.save:
        args.save.write_text("".join(json.dumps(r) + "\n" for r in everything), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
