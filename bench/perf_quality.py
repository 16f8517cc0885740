"""Quality of the fast path: SQuAD dev retrieval with int8 ONNX vectors against PyTorch fp32.

Two SQuAD indexes of the same passages: one built as ``ccqa build`` builds it (documents
embedded by the int8 ONNX encoder saved with it), one built with PyTorch fp32
(``bench/squad.py --encoder torch``). All 10,570 questions are encoded by PyTorch fp32 and by
the int8 encoder (one question at a time, as the server does) and searched in each. R@1 and
MRR@10 come from bench/squad.py's ``run_mode``; top-5 agreement compares the passages served
for ``k=5`` with those of the all-PyTorch path (passage ids are content hashes, so they match
across the two indexes).

    .venv/bin/python bench/perf_quality.py      # builds either index if missing
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed import serving_encoder
from ccqa.embed.model import verified_model_path
from ccqa.embed.torch_encoder import TorchEncoder
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.lang.terms import terms
from ccqa.search.retrieve import FusionParams, Query, search

sys.path.insert(0, str(Path(__file__).resolve().parent))
import squad

OUT = Path(__file__).resolve().parent / "results" / "perf"
PATHS = (  # (document vectors, question vectors); the first is the reference
    ("pytorch fp32", "pytorch fp32"),
    ("pytorch fp32", "onnx int8"),
    ("onnx int8", "pytorch fp32"),
    ("onnx int8", "onnx int8"),
)


def top5(index: Index, queries: list[Query], mode: str) -> list[list[str]]:
    return [[h.passage.passage_id for h in search(index, q, k=5, mode=mode)] for q in queries]


def agreement(a: list[list[str]], b: list[list[str]]) -> dict[str, float]:
    n = len(a)
    return {
        "top1_same": sum(x[:1] == y[:1] for x, y in zip(a, b)) / n,
        "top5_same_list": sum(x == y for x, y in zip(a, b)) / n,
        "top5_same_set": sum(set(x) == set(y) for x, y in zip(a, b)) / n,
        "top5_overlap": float(np.mean([len(set(x) & set(y)) / max(len(x), 1) for x, y in zip(a, b)])),
    }


def built(encoder: str) -> Index:
    settings = Settings(corpus_dir=squad.WORK / "corpus", index_dir=squad.index_dir(encoder), encoder=encoder)
    if versions.current_version(settings.index_dir) is None:
        build_index(settings)
    return Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    settings = Settings()
    questions, starts = squad.write_corpus(squad.WORK / "corpus")
    questions = questions[: args.limit] if args.limit else questions
    texts = [q.question for q in questions]
    indexes = {"pytorch fp32": built("torch"), "onnx int8": built("auto")}
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    served = versions.current_dir(squad.index_dir("auto"))
    encoders = {"pytorch fp32": TorchEncoder(model_path),
                "onnx int8": serving_encoder(settings, model_path, served, indexes["onnx int8"].manifest.onnx)}
    vectors: dict[str, np.ndarray] = {}
    encode_ms: dict[str, float] = {}
    for name, encoder in encoders.items():
        started = time.perf_counter()
        vectors[name] = encoder.encode(texts)  # PyTorch in batches; ONNX one question at a time
        encode_ms[name] = 1000 * (time.perf_counter() - started) / len(texts)

    results: dict[str, dict[str, float]] = {}
    reference: dict[str, list[list[str]]] = {}
    for documents, asked in PATHS:
        index = indexes[documents]
        cosine = (vectors[asked] * vectors["pytorch fp32"]).sum(axis=1)
        queries = [Query(t, v, terms(t)) for t, v in zip(texts, vectors[asked])]
        for mode in ("hybrid", "dense"):
            metrics = squad.run_mode(index, queries, questions, starts, mode, FusionParams())
            served_top5 = top5(index, queries, mode)
            reference.setdefault(mode, served_top5)
            key = f"{documents} / {asked} / {mode}"
            results[key] = {**metrics, **agreement(served_top5, reference[mode]),
                            "question_cosine_min": float(cosine.min()), "encode_ms": encode_ms[asked]}
            print(key, json.dumps({k: round(v, 4) for k, v in results[key].items()}), flush=True)

    print(f"\n{len(questions)} questions, {len(indexes['onnx int8'])} passages\n")
    print("| documents / questions / mode | R@1 | ΔR@1 | MRR@10 | ΔMRR@10 | top-1 same | top-5 same list "
          "| top-5 same set | top-5 overlap |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, r in results.items():
        base = results[f"pytorch fp32 / pytorch fp32 / {key.rsplit(' / ', 1)[1]}"]
        print(f"| {key} | {r['recall@1']:.4f} | {r['recall@1'] - base['recall@1']:+.4f} | {r['mrr@10']:.4f} | "
              f"{r['mrr@10'] - base['mrr@10']:+.4f} | {r['top1_same']:.3f} | {r['top5_same_list']:.3f} | "
              f"{r['top5_same_set']:.3f} | {r['top5_overlap']:.4f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "quality.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
