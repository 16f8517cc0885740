"""Bounded load test of ``ccqa serve`` (gunicorn) on loopback, then the same during a rebuild.

    .venv/bin/python bench/load.py                      # 60 s + 60 s, 32 clients
    .venv/bin/python bench/load.py --duration 10 --index /tmp/some/index --json out.json

Everything happens in a fresh temporary folder: the corpus is copied there, indexed with
``ccqa build`` (or ``--index`` is copied), and served by ``ccqa serve`` on a free port.
``--clients`` threads each hold one keep-alive connection and send a mix of answerable,
unanswerable, follow-up and invalid requests (the invalid ones must get their 4xx). Phase 1 is
load alone; in phase 2 a document is added to the corpus, ``ccqa build`` runs incrementally
and the workers reload the new version live, all under the same load, which goes on at least
``--after-reload`` seconds past the reload. Every wait is bounded (a phase: 600 s at most).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CCQA = str(Path(sys.executable).parent / "ccqa")
MAX_DURATION_S = 600
REQUEST_TIMEOUT_S = 30

NEW_DOCUMENT = """Hydrogen corridor opens between Chengdu and Chongqing

On the morning of June 8, the Chengdu-Chongqing hydrogen corridor was opened to freight.
Along the expressway, 17 hydrogen refuelling stations now serve fuel-cell lorries, and more
than 1,200 hydrogen vehicles are in operation in the two cities.

The corridor is part of the green transport plan signed by Sichuan and Chongqing last year.
"""
NEW_QUESTION = "How many hydrogen refuelling stations serve the corridor?"

YEARS = list(range(1950, 2050))
OPENINGS = ["", "Please tell me: ", "Quick question: ", "I wonder, ", "Do you know ",
            "Can you say ", "Tell me ", "Out of interest, ", "Briefly, ", "One more: "]
ANSWERABLE = [
    "What was the GDP of the Chengdu-Chongqing economic circle in {year}?",
    "What was the regional GDP growth rate in {year}?",
    "How many cooperation agreements were signed between Sichuan and Chongqing by {year}?",
    "How long does the high-speed train take between Chengdu and Chongqing in {year}?",
    "How many pairs of Fuxing EMUs run between Chengdu and Chongqing every day in {year}?",
    "When did the first Chengdu-Chongqing economic circle freight train arrive, around {year}?",
    "How many plans have Sichuan and Chongqing jointly issued by {year}?",
]
UNANSWERABLE = [
    "Who won the {year} football World Cup?",
    "What is the population of Lima in {year}?",
    "Which team won the Stanley Cup in {year}?",
    "What was the price of gold in London in {year}?",
]


@dataclass
class Call:
    """One request to send, what kind it is, and which statuses count as correct."""

    kind: str
    method: str
    path: str
    body: bytes | None
    content_type: str
    expected: tuple[int, ...]


def next_call(rng: random.Random) -> Call:
    roll = rng.random()
    year = rng.choice(YEARS)
    opening = rng.choice(OPENINGS)  # ~20,000 distinct questions: the answer cache rarely hits
    if roll < 0.50:
        q = opening + rng.choice(ANSWERABLE).format(year=year)
        return ask("answerable", {"question": q, "k": rng.choice([3, 5, 8])})
    if roll < 0.68:
        q = opening + rng.choice(UNANSWERABLE).format(year=year)
        return ask("unanswerable", {"question": q})
    if roll < 0.78:
        return ask("follow-up", {"question": f"And in {year}?",
                                 "history": [ANSWERABLE[0].format(year=year - 1)]})
    if roll < 0.80:
        return Call("health", "GET", "/api/health", None, "", (200,))
    invalid = rng.choice([
        ({"question": ""}, 400), ({"question": "GDP?", "k": 0}, 400),
        ({"question": "GDP?", "k": "5"}, 400), ({"question": "GDP?", "history": "x"}, 400),
        ({"question": "GDP?", "mode": "magic"}, 400), ({"question": "x" * 5000}, 413),
        (b'{"question": "GDP?"', 400), (b'{"question": "\xff\xfe"}', 400),
        ("text/plain", 415)])
    body, status = invalid
    if body == "text/plain":
        return Call("invalid", "POST", "/api/ask", b"GDP?", "text/plain", (415,))
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Call("invalid", "POST", "/api/ask", raw, "application/json", (status,))


def ask(kind: str, body: dict[str, Any]) -> Call:
    return Call(kind, "POST", "/api/ask", json.dumps(body).encode(), "application/json", (200,))


@dataclass
class Tally:
    """What one client saw; merged across clients at the end of a phase."""

    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    versions: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Tally) -> None:
        self.statuses += other.statuses
        self.kinds += other.kinds
        self.unexpected += other.unexpected
        self.errors += other.errors
        self.latencies_ms += other.latencies_ms
        self.versions += other.versions


class Deadline:
    """When a phase ends: after ``seconds``; when ``held``, not before ``release`` is called
    (the rebuild releases it once the reload is done), and never past the cap."""

    def __init__(self, seconds: float, held: bool = False) -> None:
        self.started = time.monotonic()
        self.minimum = self.started + seconds
        self.cap = self.started + MAX_DURATION_S
        self.at = self.cap if held else self.minimum

    def release(self, at: float) -> None:
        self.at = min(max(self.minimum, at), self.cap)

    def passed(self) -> bool:
        return time.monotonic() >= self.at


def client_loop(port: int, seed: int, deadline: Deadline, tally: Tally) -> None:
    """Send calls on one keep-alive connection until the deadline; reconnect after an error."""
    rng = random.Random(seed)
    connection: http.client.HTTPConnection | None = None
    while not deadline.passed():
        call = next_call(rng)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
        headers = {"Content-Type": call.content_type} if call.content_type else {}
        started = time.perf_counter()
        try:
            connection.request(call.method, call.path, body=call.body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.errors[type(exc).__name__] += 1
            connection.close()
            connection = None
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        tally.statuses[response.status] += 1
        tally.kinds[call.kind] += 1
        if response.status not in call.expected:
            tally.unexpected[f"{call.kind} -> {response.status}"] += 1
        if response.status == 200 and call.path == "/api/ask":
            tally.versions[json.loads(data).get("index_version", "?")] += 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None
    if connection is not None:
        connection.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


def run_load(port: int, deadline: Deadline, clients: int, seed: int) -> dict[str, Any]:
    tallies = [Tally() for _ in range(clients)]
    threads = [threading.Thread(target=client_loop, args=(port, seed + n, deadline, tallies[n]),
                                daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline.cap - time.monotonic()) + REQUEST_TIMEOUT_S + 10)
    elapsed = time.monotonic() - deadline.started
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    latencies = sorted(total.latencies_ms)
    served = sum(total.statuses.values())
    return {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": served,
        "per_second": round(served / elapsed, 1),
        "2xx": sum(n for s, n in total.statuses.items() if 200 <= s < 300),
        "4xx": sum(n for s, n in total.statuses.items() if 400 <= s < 500),
        "5xx": sum(n for s, n in total.statuses.items() if s >= 500),
        "statuses": dict(sorted(total.statuses.items())),
        "kinds": dict(total.kinds),
        "unexpected": dict(total.unexpected),
        "connection_errors": sum(total.errors.values()),
        "errors": dict(total.errors),
        "latency_ms": {name: round(percentile(latencies, q), 1)
                       for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "index_versions": dict(total.versions),
    }


# --- the server and the rebuild ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"ccqa serve exited with {server.returncode}")
        try:
            if get_json(port, "GET", "/api/health")[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"ccqa serve did not answer within {timeout} s")


def rebuild_during_load(port: int, work: Path, env: dict[str, str], delay: float,
                        seconds: float, deadline: Deadline) -> dict[str, Any]:
    """Add a document, run an incremental ``ccqa build``, and time the live reload; the load
    goes on for ``seconds`` more after the reload (within the phase's cap)."""
    result: dict[str, Any] = {}
    try:
        _rebuild(port, work, env, delay, result)
    finally:
        deadline.release(time.monotonic() + seconds)
    return result


def _rebuild(port: int, work: Path, env: dict[str, str], delay: float,
             result: dict[str, Any]) -> None:
    time.sleep(delay)
    (work / "corpus" / "hydrogen-corridor.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    started = time.monotonic()
    build = subprocess.run([CCQA, "build", "--json", "--corpus", str(work / "corpus"),
                            "--index", str(work / "index")], env=env, capture_output=True,
                           text=True, timeout=MAX_DURATION_S, check=False)
    result["build_seconds"] = round(time.monotonic() - started, 1)
    result["build_exit"] = build.returncode
    if build.returncode != 0:
        result["build_error"] = build.stderr.strip()[-500:]
        return
    report = json.loads(build.stdout)
    result.update(version=report["version"], added=report["added"],
                  passages_embedded=report["passages_embedded"])
    published = time.monotonic()
    until = published + 60
    while time.monotonic() < until:  # each worker reloads on its next request
        try:
            status, body = get_json(port, "POST", "/api/ask", {"question": NEW_QUESTION})
            if status == 200 and body["index_version"] == report["version"]:
                result.setdefault("reload_seconds", round(time.monotonic() - published, 2))
                cited = {p["citation"]["doc_id"] for p in body["passages"]}
                result["new_document_found"] = body["found"] and "hydrogen-corridor" in cited
                versions = {get_json(port, "GET", "/api/health")[1]["index_version"]
                            for _ in range(20)}  # fresh connections: any worker may answer
                if versions == {report["version"]}:
                    result["all_workers_reloaded"] = True
                    return
        except OSError as exc:
            result.setdefault("probe_errors", []).append(repr(exc))
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--index", type=Path, help="an index built from --corpus, to copy "
                        "instead of building one")
    parser.add_argument("--rebuild-after", type=float, default=2.0,
                        help="seconds into phase 2 when the document is added")
    parser.add_argument("--after-reload", type=float, default=15.0,
                        help="phase 2 goes on at least this long after the live reload")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    duration = min(args.duration, MAX_DURATION_S)

    work = Path(tempfile.mkdtemp(prefix="ccqa-load-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCQA_RATE_LIMIT_PER_MINUTE": "0"}
    results: dict[str, Any] = {"clients": args.clients, "workers": args.workers,
                               "duration_s": duration, "cpus": os.cpu_count()}
    server: subprocess.Popen[bytes] | None = None
    try:
        shutil.copytree(args.corpus, work / "corpus")
        if args.index is not None:
            shutil.copytree(args.index, work / "index", ignore=shutil.ignore_patterns(".*"))
        else:
            print("building the index ...", flush=True)
            subprocess.run([CCQA, "build", "--corpus", str(work / "corpus"), "--index",
                            str(work / "index")], env=env, check=True, timeout=MAX_DURATION_S,
                           stdout=subprocess.DEVNULL)
        port = free_port()
        log = (work / "serve.log").open("wb")
        server = subprocess.Popen([CCQA, "serve", "--index", str(work / "index"), "--corpus",
                                   str(work / "corpus"), "--port", str(port),
                                   "--workers", str(args.workers)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        results["startup_seconds"] = round(wait_ready(port, server, 120), 1)
        print(f"ccqa serve ready on port {port} in {results['startup_seconds']} s; "
              f"phase 1: {duration:.0f} s of load", flush=True)
        results["load"] = run_load(port, Deadline(duration), args.clients, args.seed)
        print(summary("load", results["load"]), flush=True)

        print(f"phase 2: {duration:.0f} s of load with a rebuild and a live reload", flush=True)
        rebuild: dict[str, Any] = {}
        deadline = Deadline(duration, held=True)
        rebuilder = threading.Thread(target=lambda: rebuild.update(rebuild_during_load(
            port, work, env, args.rebuild_after, args.after_reload, deadline)), daemon=True)
        rebuilder.start()
        results["load_with_rebuild"] = run_load(port, deadline, args.clients, args.seed + 1000)
        rebuilder.join(timeout=MAX_DURATION_S)
        results["rebuild"] = rebuild
        print(summary("load + rebuild", results["load_with_rebuild"]), flush=True)
        print("rebuild: " + json.dumps(rebuild), flush=True)

        server.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        results["shutdown"] = {"exit_code": server.wait(timeout=60),
                               "seconds": round(time.monotonic() - stopped, 1)}
        print(f"SIGTERM: exit {results['shutdown']['exit_code']} "
              f"in {results['shutdown']['seconds']} s", flush=True)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    failed = any(results[p]["5xx"] or results[p]["connection_errors"] or results[p]["unexpected"]
                 for p in ("load", "load_with_rebuild"))
    failed = failed or not results["rebuild"].get("all_workers_reloaded")
    return 1 if failed or results["shutdown"]["exit_code"] != 0 else 0


def summary(name: str, phase: dict[str, Any]) -> str:
    lat = phase["latency_ms"]
    return (f"{name}: {phase['requests']} requests in {phase['seconds']} s "
            f"({phase['per_second']}/s): 2xx {phase['2xx']}, 4xx {phase['4xx']}, "
            f"5xx {phase['5xx']}, connection errors {phase['connection_errors']}, "
            f"unexpected {sum(phase['unexpected'].values())}; latency ms p50 {lat['p50']}, "
            f"p95 {lat['p95']}, p99 {lat['p99']}, max {lat['max']}")


if __name__ == "__main__":
    sys.exit(main())
