"""Replicas the way operators run them, for longer than the test: Redis, three ``ccqa serve``
on one shared index directory, Debian's haproxy in front (``/api/health`` checks), and mixed
traffic through it while a rebuild is published, one replica is SIGKILLed and restarted, and one
client goes over its rate limit (shared through Redis). The same day as tests/test_replicas.py
(tests/replica_scenario.py), with more requests between the events.

    .venv/bin/python bench/replicas.py                              # the seed corpus, 16 clients
    .venv/bin/python bench/replicas.py --phase-requests 2000 --json out.json

Everything listens on 127.0.0.1 and is stopped at the end; needs ``redis-server`` and
``haproxy`` (``make test`` installs both). Exits non-zero when a request fails other than in
flight on the killed replica.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_flags

from ccqa.config import Settings
from ccqa.index.build import build_index
from tests.cluster import SERVER_MAXCONN
from tests.replica_scenario import run_scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--phase-requests", type=int, default=600,
                        help="client requests between two events (four such phases)")
    parser.add_argument("--think", type=float, default=0.1, help="seconds a client pauses between requests")
    parser.add_argument("--limit", type=int, default=500, help="the rate limit, requests a minute")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccqa-replicas-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        shutil.copytree(args.corpus, corpus)
        build_index(Settings(corpus_dir=corpus, index_dir=root / "index"))
        report = run_scenario(root / "run", root / "index", corpus, clients=args.clients,
                              limit=args.limit, think_s=args.think, greedy_requests=args.limit + 60,
                              phase_requests=args.phase_requests)
    figures = {**report.summary(), "clients": args.clients, "cpu": cpu_flags(),
               "command": " ".join(["bench/replicas.py", *sys.argv[1:]])}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    failed_elsewhere = [o for o in report.failures() if o.started >= report.killed_at or o.ended < report.kill_started]
    return 1 if failed_elsewhere or len(report.failures()) > SERVER_MAXCONN else 0


if __name__ == "__main__":
    sys.exit(main())
