"""Exact vs HNSW search on real embeddings: recall against exact search and latency by size.

Vectors: the passage vectors of the 100k index (bench/perf_corpus.py): every SQuAD dev
passage plus a seeded sample of the distractor passages to make up each size. Queries: SQuAD
dev questions encoded by the index's own ONNX encoder. Recall@k is the share of exact
search's top k that HNSW returns; ccqa asks the dense index for 50 candidates (k=5), so
recall@50 is the number that matters, recall@10 is the usual one. One thread, like a worker.

    .venv/bin/python bench/perf_faiss.py
"""

from __future__ import annotations

import argparse
import json
import time

import faiss
import numpy as np
import squad
from perf_corpus import WORK

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed import serving_encoder
from ccqa.embed.model import verified_model_path
from ccqa.index import Index, versions


def latency_ms(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[float, float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        index.search(q.reshape(1, -1), k)
        times.append(1000 * (time.perf_counter() - started))
    return float(np.median(times)), float(np.percentile(times, 95))


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,25000,50000,100000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef-construction", default="80")
    parser.add_argument("--ef-search", default="16,32,64,128")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)

    settings = Settings(index_dir=WORK / "100k" / "index")
    directory = versions.current_dir(settings.index_dir)
    index = Index.load(directory, MODEL_NAME, settings.model_sha256, verify=False)
    vectors = np.asarray(index.passage_vectors, dtype=np.float32)
    is_squad = np.array([not p.doc_id.startswith("distractors") for p in index.passages])
    questions, _ = squad.write_corpus(squad.WORK / "corpus")
    rng = np.random.default_rng(6)
    asked = [questions[i].question for i in rng.choice(len(questions), args.queries, replace=False)]
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    encoder = serving_encoder(settings, model_path, directory, index.manifest.onnx)
    queries = np.ascontiguousarray(encoder.encode(asked), dtype=np.float32)

    rows: list[dict[str, float]] = []
    for size in [int(s) for s in args.sizes.split(",") if int(s) <= len(vectors)]:
        distractors = np.flatnonzero(~is_squad)
        chosen = np.concatenate([np.flatnonzero(is_squad),
                                 rng.choice(distractors, size - int(is_squad.sum()), replace=False)])
        data = np.ascontiguousarray(vectors[np.sort(chosen)])
        exact = faiss.IndexFlatIP(data.shape[1])
        exact.add(data)
        _, truth = exact.search(queries, 50)
        p50, p95 = latency_ms(exact, queries, 50)
        rows.append({"size": size, "index": "Flat (exact)", "recall@10": 1.0, "recall@50": 1.0,
                     "ms_p50": p50, "ms_p95": p95, "build_s": 0.0})
        print(json.dumps(rows[-1]), flush=True)
        for ef_construction in [int(e) for e in args.ef_construction.split(",")]:
            hnsw = faiss.IndexHNSWFlat(data.shape[1], args.m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = ef_construction
            started = time.perf_counter()
            faiss.omp_set_num_threads(2)
            hnsw.add(data)
            faiss.omp_set_num_threads(1)
            build_s = time.perf_counter() - started
            for ef_search in [int(e) for e in args.ef_search.split(",")]:
                hnsw.hnsw.efSearch = ef_search
                _, found = hnsw.search(queries, 50)
                p50, p95 = latency_ms(hnsw, queries, 50)
                rows.append({"size": size, "index": f"HNSW{args.m} efC={ef_construction} efS={ef_search}",
                             "recall@10": recall(found[:, :10], truth[:, :10]), "recall@50": recall(found, truth),
                             "ms_p50": p50, "ms_p95": p95, "build_s": build_s})
                print(json.dumps(rows[-1]), flush=True)

    print(f"\n{len(queries)} SQuAD dev questions, k=50, 1 thread\n")
    print("| passages | index | recall@10 | recall@50 | search ms p50 | p95 | build s (2 threads) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']:,} | {r['index']} | {r['recall@10']:.4f} | {r['recall@50']:.4f} | "
              f"{r['ms_p50']:.2f} | {r['ms_p95']:.2f} | {r['build_s']:.1f} |")
    (WORK / "faiss.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
