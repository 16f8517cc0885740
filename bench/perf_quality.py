"""Quality of the fast encoders: SQuAD dev retrieval with ONNX fp32 / int8 queries vs PyTorch fp32.

All 10,570 questions are encoded by each encoder (ONNX one question at a time, exactly as the
server does; PyTorch in batches, as bench/squad.py does) and searched in the same SQuAD index.
Recall@1 and MRR@10 come from bench/squad.py's ``run_mode``; top-5 agreement compares the
passages served for ``k=5`` with those of the PyTorch path.

    .venv/bin/python bench/perf_quality.py            # needs bench/squad.py's index (builds it if missing)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ccqa import store
from ccqa.build import build_index
from ccqa.config import MODEL_NAME, Settings
from ccqa.embedding import Encoder, TorchEncoder, verified_model_path
from ccqa.index import Index
from ccqa.lexical import terms
from ccqa.onnx_encoder import OnnxEncoder, export_onnx
from ccqa.retrieve import FusionParams, Query, search

sys.path.insert(0, str(Path(__file__).resolve().parent))
import squad

OUT = Path(__file__).resolve().parent / "results" / "perf"


def encode_one_by_one(encoder: Encoder, texts: list[str]) -> np.ndarray:
    return np.vstack([encoder.encode([t]) for t in texts])


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    settings = Settings(corpus_dir=squad.WORK / "corpus", index_dir=squad.WORK / "index")
    questions, starts = squad.write_corpus(settings.corpus_dir)
    questions = questions[: args.limit] if args.limit else questions
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    torch_encoder = TorchEncoder(model_path)
    if store.current_version(settings.index_dir) is None:
        build_index(settings, encoder=torch_encoder)
    index = Index.load(store.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256)
    texts = [q.question for q in questions]

    vectors: dict[str, np.ndarray] = {}
    encode_ms: dict[str, float] = {}
    started = time.perf_counter()
    vectors["pytorch fp32"] = torch_encoder.encode(texts, batch_size=128)
    encode_ms["pytorch fp32"] = 1000 * (time.perf_counter() - started) / len(texts)
    with tempfile.TemporaryDirectory() as tmp:
        for name, quantize in (("onnx fp32", False), ("onnx int8", True)):
            path = Path(tmp) / f"{name.replace(' ', '-')}.onnx"
            export_onnx(model_path, path, quantize=quantize)
            encoder = OnnxEncoder(path, model_path, threads=1).load()
            started = time.perf_counter()
            vectors[name] = encode_one_by_one(encoder, texts)
            encode_ms[name] = 1000 * (time.perf_counter() - started) / len(texts)

    results: dict[str, dict[str, float]] = {}
    reference: dict[str, list[list[str]]] = {}
    for name, matrix in vectors.items():
        cosine = (matrix * vectors["pytorch fp32"]).sum(axis=1)
        queries = [Query(t, v, terms(t)) for t, v in zip(texts, matrix)]
        for mode in ("hybrid", "dense"):
            metrics = squad.run_mode(index, queries, questions, starts, mode, FusionParams())
            served = top5(index, queries, mode)
            reference.setdefault(mode, served)
            results[f"{name} / {mode}"] = {**metrics, **agreement(served, reference[mode]),
                                           "cosine_min": float(cosine.min()), "cosine_mean": float(cosine.mean()),
                                           "encode_ms": encode_ms[name]}
            print(name, mode, json.dumps({k: round(v, 4) for k, v in results[f"{name} / {mode}"].items()}),
                  flush=True)

    print(f"\n{len(questions)} questions, {len(index)} passages\n")
    print("| query encoder / mode | R@1 | ΔR@1 | MRR@10 | ΔMRR@10 | top-1 same | top-5 same list | top-5 same set "
          "| top-5 overlap | cosine min / mean | encode ms/q |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, r in results.items():
        base = results[f"pytorch fp32 / {key.split(' / ')[1]}"]
        print(f"| {key} | {r['recall@1']:.4f} | {r['recall@1'] - base['recall@1']:+.4f} | {r['mrr@10']:.4f} | "
              f"{r['mrr@10'] - base['mrr@10']:+.4f} | {r['top1_same']:.3f} | {r['top5_same_list']:.3f} | "
              f"{r['top5_same_set']:.3f} | {r['top5_overlap']:.4f} | {r['cosine_min']:.4f} / "
              f"{r['cosine_mean']:.5f} | {r['encode_ms']:.2f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "quality.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
