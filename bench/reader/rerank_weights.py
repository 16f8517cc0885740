"""The reader beside the rules: ``ccqa eval`` figures of one question set for each way the
reader's word may join the rules' scores (``ccqa.answer.rerank``), in one process, readings and
retrieval cached so that each setting costs only the answer stage.

The setting is chosen on some writers' batches (scored by the fold reader that never saw them)
and reported on the others; never chosen on the set it is reported on.

    .venv/bin/python bench/reader/rerank_weights.py --reader bench/results/reader/fold-b \\
        --sets w3 w4 w5 --out bench/results/reader/rerank-fold-b.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "bench" / "results" / "reader"
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from run_eval import sets  # noqa: E402

from ccqa.answer.candidates import ReaderCandidate  # noqa: E402
from ccqa.answer.compose import Reading  # noqa: E402
from ccqa.answer.reader import OnnxReader, Reading as ReaderReading  # noqa: E402
from ccqa.answer.rerank import READ_TOP, Rereading  # noqa: E402
from ccqa.cache import default_cache_dir  # noqa: E402
from ccqa.config import Settings  # noqa: E402
from ccqa.embed.e5_base import ensure_base_model  # noqa: E402
from ccqa.embed.reader_model import ensure_reader_onnx  # noqa: E402
from ccqa.evaluate import evaluate, read_questions  # noqa: E402
from ccqa.service import QA  # noqa: E402

COLUMNS = ("hit@1", "hit@5", "sentence_acc", "exact@1", "no_answer_recall", "false_no_answer_rate")


class CachedReader:
    """A reader that remembers each (question, candidate text) it has read."""

    def __init__(self, reader: Any) -> None:
        self.reader, self.memory, self.pairs = reader, {}, 0

    def read(self, question: str, history: Sequence[str], candidates: Sequence[ReaderCandidate]) -> list[ReaderReading]:
        new = [c for c in candidates if (question, c.text) not in self.memory]
        if new:
            self.pairs += len(new)
            for c, r in zip(new, self.reader.read(question, history, new)):
                self.memory[(question, c.text)] = r
        return [self.memory[(question, c.text)] for c in candidates]


def settings_grid(weights: list[float], forms: list[str], top: int, spans: bool) -> list[Rereading | None]:
    grid: list[Rereading | None] = [None] + [Rereading(w, f, top) for f in forms for w in weights]
    if spans:
        grid += [Rereading(0.0, "share", 0, True)] + [Rereading(w, f, top, True) for f in forms for w in weights]
    return grid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", type=Path, required=True, help="trained reader folder, or 'e5' for the untrained base")
    parser.add_argument("--temperature", type=float, default=0.02, help="e5: cosine / temperature is the logit")
    parser.add_argument("--sets", nargs="+", required=True, help="question sets (run_eval.py names)")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.1, 0.2, 0.35, 0.5, 0.8])
    parser.add_argument("--forms", nargs="+", default=["share", "probability"])
    parser.add_argument("--top", type=int, default=READ_TOP)
    parser.add_argument("--spans", action="store_true", help="also: the reader marks the span where the rules mark none")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cache = default_cache_dir()
    if str(args.reader) == "e5":
        from e5_scorer import E5Scorer

        reader = CachedReader(E5Scorer(ensure_base_model(cache), args.temperature))
    else:
        graph, base = ensure_reader_onnx(cache, args.reader)
        reader = CachedReader(OnnxReader(graph, base, threads=1))
    writers = sorted(p.name for p in (HERE / "collection").glob("w*"))
    chosen = {name: (q, c, i) for name, q, c, i in sets(writers) if name in args.sets}
    results: dict[str, dict[str, dict]] = {}
    for name in args.sets:
        questions_path, corpus, index = chosen[name]
        qa = QA.open(Settings.from_env(index_dir=index, corpus_dir=corpus, cache_size=0))
        retrieve, memory = qa.retrieve, {}

        def remembered(question, resolved, *, k, mode="hybrid", index=None, _r=retrieve, _m=memory):
            key = (question, resolved, k, mode)
            if key not in _m:
                _m[key] = _r(question, resolved, k=k, mode=mode, index=index)
            return _m[key]

        qa.retrieve = remembered  # type: ignore[method-assign]
        questions = read_questions(questions_path)
        for rereading in settings_grid(args.weights, args.forms, args.top, args.spans):
            label = "rules" if rereading is None else (f"{rereading.form} w={rereading.weight} top={rereading.top}"
                                                       + (" +spans" if rereading.marks_spans else ""))
            qa.reading = None if rereading is None else Reading(reader, rereading)
            started = time.perf_counter()
            report = evaluate(questions, lambda q: qa.ask(q.q, history=q.history))
            figures = report.to_dict()
            results.setdefault(label, {})[name] = figures
            print(f"{name:8} {label:28} " + " ".join(f"{c}={figures[c]:.3f}" for c in COLUMNS)
                  + f"  ({time.perf_counter() - started:.0f} s, {reader.pairs} pairs read)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
