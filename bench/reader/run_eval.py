"""Score a ccqa checkout on the question sets the reader is judged by, through ``ccqa eval``
(the same path as a user's question), and print one Markdown table.

Each writer's batch is scored with the reader of the fold that left it out (``--fold
w1,w2=bench/results/reader/fold-a``); the development, held-out and seed sets with the shipped
reader (never trained on them). ``--src`` scores another checkout (the code before the reader:
``git worktree add /tmp/before e0d9f7a``) on the same indexes.

    .venv/bin/python bench/reader/run_eval.py --fold w1,w2=bench/results/reader/fold-a \
        --fold w3,w4,w5=bench/results/reader/fold-b --out bench/results/reader/after.json
    .venv/bin/python bench/reader/run_eval.py --src /tmp/before/src --out bench/results/reader/before.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "bench" / "results" / "reader"
PYTHON = ROOT / ".venv" / "bin" / "python"
COLUMNS = ("hit@1", "hit@5", "sentence_acc", "exact@1", "no_answer_recall", "false_no_answer_rate")


def sets(writers: list[str]) -> list[tuple[str, Path, Path, Path]]:
    """(name, questions, corpus, index) of every set scored."""
    out = [(w, HERE / "collection" / w / "questions.jsonl", WORK / "corpora" / w, WORK / "indexes" / w) for w in writers]
    out += [("dev", ROOT / "eval" / "collection.jsonl", ROOT / "eval" / "collection", WORK / "indexes" / "eval-collection"),
            ("heldout", ROOT / "eval" / "heldout.jsonl", ROOT / "eval" / "heldout", WORK / "indexes" / "eval-heldout"),
            ("seed_dev", ROOT / "eval" / "seed_dev.jsonl", ROOT / "corpus", WORK / "indexes" / "seed"),
            ("seed_calibration", ROOT / "eval" / "seed_calibration.jsonl", ROOT / "corpus", WORK / "indexes" / "seed")]
    return out


def run(name: str, questions: Path, corpus: Path, index: Path, src: str | None, reader: str | None) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCQA_CORPUS_DIR": str(corpus)}
    if src:
        env["PYTHONPATH"] = src
    if reader:
        env["CCQA_READER_PATH"] = reader
    if not (index / "CURRENT").exists():
        subprocess.run([str(PYTHON), "-m", "ccqa.cli", "build", "--index", str(index)], env=env, check=True,
                       capture_output=True)
    done = subprocess.run([str(PYTHON), "-m", "ccqa.cli", "eval", str(questions), "--index", str(index), "--json"],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{name}: ccqa eval failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout))


def table(results: dict[str, dict]) -> str:
    lines = ["| set | group | n | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 3) + "|"]
    for name, result in results.items():
        groups = [("all", result)] + list(result.get("by_set", {}).items())
        for group, figures in groups:
            lines.append(f"| {name} | {group} | {figures['n']} | " + " | ".join(f"{figures[c]:.2f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", help="PYTHONPATH of the checkout to score (default: this one)")
    parser.add_argument("--fold", action="append", default=[], help="writers=reader folder that left them out")
    parser.add_argument("--only", nargs="*", help="score only these sets")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    folds = {}
    for spec in args.fold:
        writers, folder = spec.split("=")
        folds.update({w: str(Path(folder).resolve()) for w in writers.split(",")})
    writers = sorted(p.name for p in (HERE / "collection").glob("w*"))
    results = {}
    for name, questions, corpus, index in sets(writers):
        if args.only and name not in args.only:
            continue
        if name.startswith("w") and not args.src and name not in folds:
            continue  # a writer's batch is scored only by a reader trained without it
        results[name] = run(name, questions, corpus, index, args.src, folds.get(name))
        print(f"{name}: done", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
