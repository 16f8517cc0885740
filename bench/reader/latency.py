"""What the reader costs a user: ``/api/ask`` over HTTP through ``ccqa serve`` (2 workers, answer
cache off) on the development collection, with the reader marking spans (``CCQA_READER=true``)
and without it (``false``, the baseline, measured in the same run), one client then 4 at once,
and each worker's memory.

    .venv/bin/python bench/reader/latency.py --json bench/results/reader/latency.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from perf import Server, concurrent, sequential, stats

from ccqa.config import Settings
from ccqa.index.build import build_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked per client count")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings = Settings(corpus_dir=ROOT / "eval" / "collection",
                        index_dir=ROOT / "bench" / "results" / "reader" / "indexes" / "eval-collection")
    build_index(settings)  # nothing to do when it is up to date
    asked = [json.loads(line)["q"] for line in (ROOT / "eval" / "collection.jsonl").open() if line.strip()]
    questions = asked * args.rounds
    cpu = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    flags = [f for f in ("avx2", "avx512f", "avx512_vnni", "amx_bf16") if f" {f}" in cpu]
    result: dict[str, Any] = {"cpu_flags": flags, "cores": os.cpu_count(), "questions": len(questions)}
    for reader in ("false", "true"):
        os.environ["CCQA_READER"] = reader
        server = Server(settings, 2, 0, ROOT / "bench" / "results" / "reader" / f"latency-server-{reader}.log",
                        threads=2)
        try:
            sequential(server, asked[:20])  # warm both workers
            one = stats(sequential(server, questions))
            ms, rps = concurrent(server, questions, args.clients)
            result[f"reader={reader}"] = {"startup_s": server.startup_s, "one_client": one,
                                          "clients": {**stats(ms), "requests_per_s": rps},
                                          "memory": server.memory()}
        finally:
            server.stop()
    base = result["reader=false"]["one_client"]["p50"]
    print(f"development collection, {len(questions)} requests per row, 2 workers, cache off; "
          f"{os.cpu_count()} cores, CPU flags {' '.join(flags)}\n")
    print("| reader | clients | p50 ms | p95 ms | req/s | p50 / baseline p50 | worker RSS MB |\n|---|---|---|---|---|---|---|")
    for reader in ("false", "true"):
        r = result[f"reader={reader}"]
        rss = "/".join(f"{m['rss_mb']:.0f}" for m in r["memory"] if m["role"] == "worker")
        for label, s in (("1", r["one_client"]), (str(args.clients), r["clients"])):
            rps = f"{s['requests_per_s']:.1f}" if "requests_per_s" in s else ""
            print(f"| {reader} | {label} | {s['p50']:.1f} | {s['p95']:.1f} | {rps} | {s['p50'] / base:.2f} | {rss} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
