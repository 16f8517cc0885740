"""FAISS (what ccqa keeps by default) against the Qdrant store (CCQA_DENSE=qdrant...): recall@10
and latency per query at 20,000 and 100,000 passages, and the same top-5 on real collections.

    .venv/bin/python bench/dense_stores.py vectors [--sizes 20000 100000] [--queries 30]
    .venv/bin/python bench/dense_stores.py collections     # seed article and eval/collection

``vectors``: random unit vectors of 384 dimensions in 2,000 clusters (passages about the same
thing sit close together, as real embeddings do); each query is a stored row plus noise.
Recall@10 is measured against exact inner-product search (numpy), for each store as ccqa
builds it: FAISS flat under 20,000 rows and HNSW32 from there, Qdrant in the client's embedded
mode (the only Qdrant that runs here: no server can be installed on these machines).
``collections``: each collection built once with FAISS, then rebuilt into Qdrant (its vectors
reused), and every question's top-5 passages compared in dense and hybrid mode.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_flags

from ccqa.config import Settings
from ccqa.index.dense import DenseIndex, build_dense
from ccqa.index.qdrant import EMBEDDED


def clustered(n: int, d: int, rng: np.random.Generator, centres: int = 2000) -> np.ndarray:
    centre = rng.standard_normal((centres, d)).astype(np.float32)
    rows = centre[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def measure(store: DenseIndex, queries: np.ndarray, truth: list[set[int]]) -> dict[str, float]:
    recalls, times = [], []
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        rows, _ = store.search(query, 10)
        times.append((time.perf_counter() - started) * 1000)
        recalls.append(len(expected & set(rows.tolist())) / 10)
    return {"recall@10": round(statistics.mean(recalls), 4), "p50_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2)}


def vectors_bench(sizes: list[int], n_queries: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(7)
    results = []
    for n in sizes:
        data = clustered(n, 384, rng)
        queries = data[rng.integers(0, n, n_queries)] + 0.05 * rng.standard_normal((n_queries, 384)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        truth = [set(np.argsort(-(data @ q))[:10].tolist()) for q in queries]
        for name, store in (("faiss", ""), ("qdrant embedded", EMBEDDED)):
            started = time.perf_counter()
            dense = build_dense(data, store)
            built = time.perf_counter() - started
            results.append({"passages": n, "store": f"{name} ({dense.kind})", "build_s": round(built, 1),
                            **measure(dense, queries, truth)})
            print(json.dumps(results[-1]), flush=True)
            del dense
    return results


def collections_bench() -> list[dict[str, object]]:
    from ccqa.index.build import build_index
    from ccqa.service import QA

    results = []
    for name, corpus, questions in (("seed", REPO / "corpus", REPO / "eval" / "seed_dev.jsonl"),
                                    ("development", REPO / "eval" / "collection", REPO / "eval" / "collection.jsonl")):
        with tempfile.TemporaryDirectory(prefix="ccqa-dense-") as tmp:
            faiss = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "faiss", cache_size=0)
            build_index(faiss)
            qdrant = replace(faiss, index_dir=Path(tmp) / "qdrant", dense=EMBEDDED)
            shutil.copytree(faiss.index_dir, qdrant.index_dir, ignore=shutil.ignore_patterns(".build.lock"))
            embedded = build_index(qdrant).passages_embedded
            asked = [json.loads(line)["q"] for line in questions.read_text(encoding="utf-8").splitlines() if line]
            faiss_qa, qdrant_qa = QA.open(faiss), QA.open(qdrant)
            for mode in ("dense", "hybrid"):
                differ = []
                for question in asked:
                    a = [h.passage.passage_id for h in faiss_qa.retrieve(question, question, k=5, mode=mode).hits]
                    b = [h.passage.passage_id for h in qdrant_qa.retrieve(question, question, k=5, mode=mode).hits]
                    if a != b:
                        differ.append({"question": question, "faiss": a, "qdrant": b})
                results.append({"collection": name, "mode": mode, "questions": len(asked),
                                "passages": len(faiss_qa.index), "same_top5": len(asked) - len(differ),
                                "differ": differ, "passages_embedded_for_qdrant": embedded})
                print(json.dumps(results[-1]), flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["vectors", "collections"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = vectors_bench(args.sizes, args.queries) if args.what == "vectors" else collections_bench()
    out = {"results": results, "cpu": cpu_flags(), "command": " ".join(["bench/dense_stores.py", *sys.argv[1:]])}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.get("differ") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
