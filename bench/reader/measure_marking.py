"""The reader marking the exact answer where the rules mark none (``ccqa.answer.marking``):
``ccqa eval`` figures of question sets with the rules alone and with the reader, in one process
(the second pass reuses the first's retrieval).

Each writer's batch is scored with the fold reader that never saw it; the development,
held-out and seed sets with the shipped reader (trained on no question of theirs).

    .venv/bin/python bench/reader/measure_marking.py --reader bench/results/reader/fold-a --sets w1 w2 \\
        --out bench/results/reader/marking-fold-a.json
    .venv/bin/python bench/reader/measure_marking.py --reader bench/results/reader/fold-b --sets w3 w4 w5 \\
        --out bench/results/reader/marking-fold-b.json
    .venv/bin/python bench/reader/measure_marking.py --reader src/ccqa/answer/model \\
        --sets heldout dev seed_dev seed_calibration --out bench/results/reader/marking-shipped.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from run_eval import sets

from ccqa.answer.reader import OnnxReader
from ccqa.cache import default_cache_dir
from ccqa.config import Settings
from ccqa.embed.reader_model import ensure_reader_onnx
from ccqa.evaluate import evaluate, read_questions
from ccqa.service import QA

COLUMNS = ("hit@1", "hit@5", "sentence_acc", "exact@1", "no_answer_recall", "false_no_answer_rate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", type=Path, required=True, help="trained reader folder")
    parser.add_argument("--sets", nargs="+", required=True, help="question sets (run_eval.py names)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    graph, base = ensure_reader_onnx(default_cache_dir(), args.reader)
    reader = OnnxReader(graph, base, threads=1)
    writers = sorted(p.name for p in (HERE / "collection").glob("w*"))
    chosen = {name: (q, c, i) for name, q, c, i in sets(writers) if name in args.sets}
    results: dict[str, dict[str, dict]] = {}
    for name in args.sets:
        questions_path, corpus, index = chosen[name]
        qa = QA.open(Settings.from_env(index_dir=index, corpus_dir=corpus, cache_size=0), reader=reader)
        retrieve, memory = qa.retrieve, {}

        def remembered(question, resolved, *, k, mode="hybrid", index=None, _r=retrieve, _m=memory):  # type: ignore[no-untyped-def]
            key = (question, resolved, k, mode)
            if key not in _m:
                _m[key] = _r(question, resolved, k=k, mode=mode, index=index)
            return _m[key]

        qa.retrieve = remembered  # type: ignore[method-assign]
        questions = read_questions(questions_path)
        for label, used in (("rules", None), ("rules + reader's spans", reader)):
            qa.reader = used
            started = time.perf_counter()
            figures = evaluate(questions, lambda q, qa=qa: qa.ask(q.q, history=q.history)).to_dict()
            results.setdefault(label, {})[name] = figures
            print(f"{name:16} {label:24} " + " ".join(f"{c}={figures[c]:.3f}" for c in COLUMNS)
                  + f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
