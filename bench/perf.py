"""Speed of the serving path beside the peer recipe: in process, through ``ccqa serve``, and builds.

    .venv/bin/python bench/perf.py latency --corpus seed     # in-process + server, seed article
    .venv/bin/python bench/perf.py latency --corpus 100k     # the same on bench/perf_corpus.py's index
    .venv/bin/python bench/perf.py cache --corpus seed       # the answer cache's effect
    .venv/bin/python bench/perf.py build                     # build throughput, incremental build

Baseline ("peer"): ``SentenceTransformer.encode(question)`` on PyTorch, then
``faiss.IndexFlatIP.search`` over the same passage vectors, in process. ccqa: ``QA.ask``
(ONNX query encoder, hybrid search, answer sentence), in process and over HTTP through
gunicorn, with the answer cache off (CCQA_CACHE_SIZE=0) unless said otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import squad
from perf_corpus import WORK

from ccqa.config import Settings
from ccqa.embed.model import verified_model_path
from ccqa.index.build import build_index
from ccqa.service import QA

REPO = Path(__file__).resolve().parents[1]
CCQA = Path(sys.executable).parent / "ccqa"


def stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"n": len(a), "p50": float(np.median(a)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "mean": float(a.mean())}


def row(name: str, s: dict[str, float], extra: str = "") -> str:
    return f"| {name} | {s['n']} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} |{extra}"


def corpus_settings(corpus: str, **overrides: Any) -> Settings:
    if corpus == "seed":  # the repo's corpus/, indexed into bench/results/perf/seed as this ccqa builds it
        settings = Settings(corpus_dir=REPO / "corpus", index_dir=WORK / "seed" / "index", **overrides)
        build_index(settings)  # nothing to do when it is up to date; an older ccqa's index is rebuilt
        return settings
    return Settings(corpus_dir=WORK / corpus / "corpus", index_dir=WORK / corpus / "index", **overrides)


def questions_for(corpus: str, n: int) -> list[str]:
    if corpus == "seed":
        files = [REPO / "eval" / "seed_calibration.jsonl", REPO / "eval" / "seed_dev.jsonl"]
        asked = [json.loads(line)["q"] for f in files if f.is_file() for line in f.open() if line.strip()]
    else:
        asked = [q.question for q in squad.write_corpus(squad.WORK / "corpus")[0]]
    random.Random(6).shuffle(asked)
    return [asked[i % len(asked)] for i in range(n)]


def in_process(settings: Settings, questions: list[str]) -> tuple[dict[str, dict[str, float]], int]:
    """Baseline and ccqa on the same questions, in the same process, one after the other."""
    import faiss
    from sentence_transformers import SentenceTransformer

    qa = QA.open(settings)
    model = SentenceTransformer(str(verified_model_path(None, settings.model_sha256)), device="cpu")
    flat = faiss.IndexFlatIP(qa.index.passage_vectors.shape[1])
    flat.add(np.ascontiguousarray(qa.index.passage_vectors, dtype=np.float32))
    calls = {
        "baseline": lambda q: flat.search(model.encode([q], normalize_embeddings=True), 5),
        "ccqa": qa.ask,
        "ccqa encode": lambda q: qa.encoder.encode([q]),
    }
    # One path after the other: PyTorch's OpenMP threads keep spinning for a while after each
    # call, so interleaving would charge ccqa for the baseline's idle threads.
    times: dict[str, list[float]] = {}
    for name, call in calls.items():
        for question in questions[:20]:  # warm-up
            call(question)
        times[name] = []
        for question in questions:
            started = time.perf_counter()
            call(question)
            times[name].append(1000 * (time.perf_counter() - started))
    return {name: stats(ms) for name, ms in times.items()}, len(qa.index)


def _post(conn: http.client.HTTPConnection, question: str) -> float:
    body = json.dumps({"question": question})
    started = time.perf_counter()
    conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    took = 1000 * (time.perf_counter() - started)
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return took


class Server:
    """``ccqa serve`` on a free loopback port, timed from launch to its first answer."""

    def __init__(self, settings: Settings, workers: int, cache_size: int, log: Path, threads: int = 4) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCQA_INDEX_DIR": str(settings.index_dir),
               "CCQA_CACHE_SIZE": str(cache_size), "CCQA_THREADS": "1"}
        started = time.perf_counter()
        self.process = subprocess.Popen([str(CCQA), "serve", "--port", str(self.port), "--workers", str(workers),
                                         "--threads", str(threads)],
                                        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = started + 120
        while True:
            try:
                _post(self.connect(), "What is this about?")
                break
            except (OSError, RuntimeError, http.client.HTTPException):
                if time.perf_counter() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"the server did not answer; see {log}") from None
                time.sleep(0.02)
        self.startup_s = time.perf_counter() - started

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def memory(self) -> list[dict[str, Any]]:
        """Peak RSS (VmHWM), RSS and PSS in MB of the master and each worker."""
        pids = [self.process.pid] + [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                                     and _ppid(p) == self.process.pid]
        out = []
        for pid in pids:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:]}
            out.append({"role": "master" if pid == self.process.pid else "worker",
                        "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
                        "rss_mb": int(status["VmRSS"].split()[0]) / 1024, "pss_mb": kb["Pss"] / 1024,
                        "private_mb": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
                        "file_mb": kb.get("Rss", 0) / 1024 - kb.get("Anonymous", 0) / 1024})
        return out

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def sequential(server: Server, questions: list[str]) -> list[float]:
    conn = server.connect()
    return [_post(conn, q) for q in questions]


def concurrent(server: Server, questions: list[str], clients: int) -> tuple[list[float], float]:
    """``clients`` keep-alive connections asking at once; returns latencies and requests/s."""
    shares = [questions[i::clients] for i in range(clients)]
    results: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        conn = server.connect()
        barrier.wait()
        results[i] = [_post(conn, q) for q in shares[i]]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return [ms for r in results for ms in r], len(questions) / wall


def latency(args: argparse.Namespace) -> dict[str, Any]:
    settings = corpus_settings(args.corpus, cache_size=0, threads=1)
    questions = questions_for(args.corpus, args.requests)
    inproc, passages = in_process(settings, questions)
    result: dict[str, Any] = {"corpus": args.corpus, "passages": passages, "in_process": inproc}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(settings, args.workers, 0, Path(tmp) / "server.log")
        try:
            result["startup_s"] = server.startup_s
            sequential(server, questions[:20])  # warm every worker
            result["sequential"] = stats(sequential(server, questions))
            ms, rps = concurrent(server, questions, args.clients)
            result["concurrent"] = {**stats(ms), "requests_per_s": rps}
            result["memory"] = server.memory()
        finally:
            server.stop()
    base = inproc["baseline"]["p50"]
    print(f"\n{args.corpus}: {result['passages']:,} passages, {args.workers} workers, cache off\n")
    print("| path | requests | p50 ms | p95 ms | p99 ms | p50 / baseline p50 |\n|---|---|---|---|---|---|")
    for name, s in inproc.items():
        print(row(f"in process: {name}", s, f" {s['p50'] / base:.2f} |"))
    print(row("HTTP /api/ask, 1 client", result["sequential"], f" {result['sequential']['p50'] / base:.2f} |"))
    c = result["concurrent"]
    print(row(f"HTTP /api/ask, {args.clients} clients ({c['requests_per_s']:.0f} req/s)", c,
              f" {c['p50'] / base:.2f} |"))
    print(f"\nstart-up to first answer: {result['startup_s']:.2f} s")
    for m in result["memory"]:
        print(f"{m['role']}: peak RSS {m['peak_rss_mb']:.0f} MB, RSS {m['rss_mb']:.0f} MB "
              f"(file-backed {m['file_mb']:.0f} MB), PSS {m['pss_mb']:.0f} MB, private {m['private_mb']:.0f} MB")
    return result


def cache(args: argparse.Namespace) -> dict[str, Any]:
    """50 distinct questions asked 10 times each, cache on: first asks vs repeats."""
    settings = corpus_settings(args.corpus)
    distinct = questions_for(args.corpus, 50)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(settings, args.workers, 512, Path(tmp) / "server.log")
        try:
            conn = server.connect()
            first = [_post(conn, q) for q in distinct]
            repeats = [_post(conn, q) for _ in range(9) for q in distinct]
        finally:
            server.stop()
    result = {"first": stats(first), "repeat": stats(repeats)}
    print("| cache on (CCQA_CACHE_SIZE=512) | requests | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    print(row("first time asked (miss)", result["first"]))
    print(row("asked again (same keep-alive connection, so the same worker: a hit)", result["repeat"]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("latency", "cache", "build"))
    parser.add_argument("--corpus", default="seed", help="seed, or a folder of bench/results/perf (100k)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--articles", type=int, default=12, help="build: SQuAD articles in the full build")
    args = parser.parse_args()
    if args.part == "build":
        from perf_build import build_throughput

        result = build_throughput(args)
    else:
        result = latency(args) if args.part == "latency" else cache(args)
    out = WORK / f"{args.part}-{args.corpus}.json"
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
