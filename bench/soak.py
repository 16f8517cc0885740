"""Soak test of ``ccqa serve`` on loopback: mixed and hostile requests from 16 clients for 10
minutes, with a rebuild and a live reload in the middle, reported minute by minute.

    .venv/bin/python bench/soak.py --json bench/results/soak.json     # 600 s, 16 clients
    .venv/bin/python bench/soak.py --duration 120                     # a shorter look

Everything happens in a fresh temporary folder: ``corpus/`` is copied and indexed with
``ccqa build``, then served by ``ccqa serve`` (2 workers) with the admin endpoints on and the
rate limit at 6,000 requests a minute per client (loopback limited too, in the default store).
Each client sends from a loopback address of its own (127.0.0.10 and up), so the limit counts
each apart. 15 clients send bench/load.py's mix (answerable, unanswerable, follow-up, health,
invalid) with hostile calls among them: nested JSON, control characters and markup in
questions, oversized bodies, traversal paths, wrong methods, admin calls without the token, and
admin uploads of hostile documents (a docx inflating to 10 GB, thousands of parts, HTML nested
200,000 deep, a PDF stream inflating to 2 GB, NUL bytes, a name with ``../``), each with the
status it must get. The 16th floods ``/api/health`` on 8 connections at once, past its limit.
Halfway through, a document and a hostile file are added to the corpus, the admin rebuild runs
(over HTTP, as an operator would start it: a ``ccqa build`` child of the worker that took the
request), and the workers reload the new version live.

Every 5 s the resident size (VmRSS) of the master, each worker and any document reader (a
worker's child) is read from /proc. Reported per minute: requests, status counts, latency
p50/p95/p99, and each process's resident size at the minute's end. Every request loop is
bounded by the deadline (at most 900 s) and each request by a 30 s timeout.

What it accepts (and why): from the end of minute 2, when the answer cache (512 per worker)
and the allocator's arenas are full, a worker may grow by at most 64 MB in all (a live reload
maps a new index version while requests finish on the old one), and by at most 1 MB a minute
over the last 4 minutes (at about 40 requests a second per worker, a leak of 500 bytes a
request would pass that). The master must not grow by more than 8 MB: it serves nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from load import CCQA, NEW_DOCUMENT, Call, free_port, next_call, percentile, wait_ready

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from machine import cpu_flags

from tests import hostile_files  # the hostile documents the tests make

MAX_DURATION_S = 900
REQUEST_TIMEOUT_S = 30
SAMPLE_EVERY_S = 5
TOKEN = "soak-admin-token-0123456789abcdef"
RATE_LIMIT = 6000  # per client and minute: the mix's clients (about 1,500 a minute each here) stay under it, the flood does not
FLOOD_CONNECTIONS = 8
ACCEPT_WORKER_GROWTH_MB, ACCEPT_WORKER_SLOPE_MB, ACCEPT_MASTER_GROWTH_MB = 64, 1.0, 8


def hostile_uploads() -> list[tuple[str, bytes, int]]:
    """(file name, content, the status it must get) of each hostile upload."""
    return [("bomb.docx", hostile_files.docx_bomb(10 * hostile_files.GiB), 422),
            ("parts.docx", hostile_files.docx_of_many_members(5000), 422),
            ("nested.html", hostile_files.nested_html(200_000), 422),
            ("stream.pdf", hostile_files.pdf_stream_bomb(2 * hostile_files.GiB), 422),
            ("nul.txt", hostile_files.text_with_nul_bytes(), 422),
            ("../escape.txt", b"Chengdu and Chongqing.", 400)]


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "soak-boundary-5b2e"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def hostile_call(rng: random.Random, uploads: list[tuple[str, bytes, int]]) -> tuple[Call, dict[str, str]]:
    """One hostile request and the extra headers it goes with."""
    roll = rng.random()
    if roll < 0.04:  # about 1 in 500 of all requests: an upload, each one heavy
        name, data, status = rng.choice(uploads)
        body, content_type = multipart(name, data)
        return Call("upload", "POST", "/api/admin/documents", body, content_type, (status,)), {
            "Authorization": f"Bearer {TOKEN}"}
    choices = [
        Call("nested json", "POST", "/api/ask", b"[" * 40_000 + b"]" * 40_000, "application/json", (400, 413)),
        Call("markup question", "POST", "/api/ask", json.dumps(
            {"question": "<script>alert(1)</script>\x00\x1b[31m What was the GDP in 2021? \u202e"}).encode(),
             "application/json", (200, 400)),
        Call("huge body", "POST", "/api/ask", b'{"question": "' + b"x" * 80_000 + b'"}', "application/json",
             (413,)),
        Call("traversal", "GET", "/api/documents/..%2F..%2Fetc%2Fpasswd", None, "", (404,)),
        Call("unknown path", "GET", "/api/../../etc/passwd", None, "", (404,)),
        Call("wrong method", "DELETE", "/api/ask", None, "", (405,)),
        Call("admin without token", "POST", "/api/admin/rebuild", None, "", (401,)),
    ]
    return rng.choice(choices), {}


class Log:
    """Every request's (seconds since start, kind, status, latency ms), shared by the clients."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.rows: list[tuple[float, str, int, float]] = []
        self.unexpected: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.versions: Counter[str] = Counter()
        self.lock = threading.Lock()


def client_loop(port: int, number: int, deadline: float, log: Log, uploads: list[tuple[str, bytes, int]],
                flood: bool) -> None:
    rng = random.Random(1000 + number)
    source = (f"127.0.0.{10 + number}", 0)
    connection: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        headers: dict[str, str] = {}
        if flood:
            call = Call("flood", "GET", "/api/health", None, "", (200, 429))
        elif rng.random() < 0.08:
            call, headers = hostile_call(rng, uploads)
        else:
            call = next_call(rng)
        if call.content_type:
            headers["Content-Type"] = call.content_type
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S,
                                                    source_address=source)
        started = time.monotonic()
        try:
            connection.request(call.method, call.path, body=call.body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            with log.lock:
                log.errors[f"{call.kind}: {type(exc).__name__}"] += 1
            connection.close()
            connection = None
            continue
        took = (time.monotonic() - started) * 1000
        expected = response.status in call.expected  # a 429 for anyone but the flood is a failure
        with log.lock:
            log.rows.append((started - log.started, call.kind, response.status, took))
            if not expected:
                log.unexpected[f"{call.kind} -> {response.status}"] += 1
            if response.status == 200 and call.path == "/api/ask":
                log.versions[json.loads(data).get("index_version", "?")] += 1
        if response.getheader("Connection", "").lower() == "close" or response.status >= 400:
            connection.close()  # the server may close after an error; start afresh
            connection = None
    if connection is not None:
        connection.close()


# --- processes and their memory --------------------------------------------------------------------

def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sample_memory(master: int, log: Log, deadline: float, samples: list[dict[str, Any]]) -> None:
    """Every ``SAMPLE_EVERY_S``: the RSS of the master, its workers and their children."""
    while time.monotonic() < deadline:
        at = time.monotonic() - log.started
        row: dict[str, Any] = {"t": at, "master": rss_mb(master), "workers": {}, "readers": []}
        for worker in children(master):
            row["workers"][worker] = rss_mb(worker)
            row["readers"] += [r for r in (rss_mb(c) for c in children(worker)) if r is not None]
        samples.append(row)
        time.sleep(SAMPLE_EVERY_S)


# --- the rebuild in the middle ------------------------------------------------------------------------

def admin(port: int, method: str, path: str) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S,
                                            source_address=("127.0.0.9", 0))
    try:
        connection.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def rebuild_and_reload(port: int, work: Path, at: float, log: Log, result: dict[str, Any]) -> None:
    """At ``at`` s: a new document and a hostile file into the corpus, the admin rebuild, then
    until every worker answers from the new version."""
    time.sleep(max(0.0, log.started + at - time.monotonic()))
    (work / "corpus" / "hydrogen-corridor.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    (work / "corpus" / "pages.pdf").write_bytes(hostile_files.pdf_of_empty_pages(10_000))
    result["started_at_s"] = round(time.monotonic() - log.started, 1)
    status, job = admin(port, "POST", "/api/admin/rebuild")
    if status != 202:
        result["error"] = f"rebuild refused: {status} {job}"
        return
    until = time.monotonic() + 300
    while job["status"] == "running" and time.monotonic() < until:
        time.sleep(1)
        job = admin(port, "GET", f"/api/admin/rebuild/{job['job']}")[1]
    report = job.get("report") or {}
    result.update(status=job["status"], seconds=round(time.monotonic() - log.started - result["started_at_s"], 1),
                  version=report.get("version"), added=report.get("added"), skipped=report.get("skipped"),
                  error=job.get("error"))
    published = time.monotonic()
    while report.get("version") and time.monotonic() < published + 60:
        versions = {admin(port, "GET", "/api/health")[1]["index_version"] for _ in range(20)}
        if versions == {report["version"]}:
            result["all_workers_reloaded_after_s"] = round(time.monotonic() - published, 1)
            return
        time.sleep(0.5)


# --- the report ----------------------------------------------------------------------------------------

def per_minute(log: Log, samples: list[dict[str, Any]], minutes: int) -> list[dict[str, Any]]:
    rows = []
    for minute in range(minutes):
        inside = [r for r in log.rows if minute * 60 <= r[0] < (minute + 1) * 60]
        latencies = sorted(r[3] for r in inside)
        asks = sorted(r[3] for r in inside if r[1] in ("answerable", "unanswerable", "follow-up") and r[2] == 200)
        memory = [s for s in samples if s["t"] < (minute + 1) * 60]
        last = memory[-1] if memory else {"master": None, "workers": {}, "readers": []}
        readers = [r for s in samples if minute * 60 <= s["t"] < (minute + 1) * 60 for r in s["readers"]]
        rows.append({
            "minute": minute + 1, "requests": len(inside),
            "statuses": dict(sorted(Counter(r[2] for r in inside).items())),
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "ask_p50": percentile(asks, 50), "ask_p95": percentile(asks, 95), "ask_p99": percentile(asks, 99),
            "master_mb": last["master"], "workers_mb": dict(last["workers"]),
            "reader_max_mb": max(readers) if readers else None,
        })
    return rows


def verdict(rows: list[dict[str, Any]]) -> list[str]:
    """Growth from the end of minute 2 against what the docstring accepts."""
    if len(rows) < 6:
        return ["too short to judge growth (6 minutes at least)"]
    findings = []
    base, end = rows[1], rows[-1]
    for pid in sorted(set(base["workers_mb"]) & set(end["workers_mb"])):
        growth = end["workers_mb"][pid] - base["workers_mb"][pid]
        tail = [r["workers_mb"].get(pid) for r in rows[-4:]]
        slope = (tail[-1] - tail[0]) / 3 if None not in tail else float("nan")
        ok = growth <= ACCEPT_WORKER_GROWTH_MB and slope <= ACCEPT_WORKER_SLOPE_MB
        findings.append(f"worker {pid}: {growth:+.1f} MB since minute 2, {slope:+.2f} MB/min over the last "
                        f"4 minutes: {'accepted' if ok else 'NOT accepted'}")
    if set(base["workers_mb"]) != set(end["workers_mb"]):
        findings.append(f"workers changed: {sorted(base['workers_mb'])} -> {sorted(end['workers_mb'])}")
    growth = (end["master_mb"] or 0) - (base["master_mb"] or 0)
    findings.append(f"master: {growth:+.1f} MB since minute 2: "
                    f"{'accepted' if growth <= ACCEPT_MASTER_GROWTH_MB else 'NOT accepted'}")
    return findings


def markdown(rows: list[dict[str, Any]]) -> str:
    pids = sorted({pid for r in rows for pid in r["workers_mb"]})
    head = ("| minute | requests | statuses | p50 / p95 / p99 ms (all) | p50 / p95 / p99 ms (ask 200) | master MB | "
            + " | ".join(f"worker {i + 1} MB" for i in range(len(pids))) + " | reader max MB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def mb(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    for r in rows:
        statuses = ", ".join(f"{s}: {n:,}" for s, n in r["statuses"].items())
        lines.append(f"| {r['minute']} | {r['requests']:,} | {statuses} | {r['p50']:.0f} / {r['p95']:.0f} / "
                     f"{r['p99']:.0f} | {r['ask_p50']:.0f} / {r['ask_p95']:.0f} / {r['ask_p99']:.0f} | "
                     f"{mb(r['master_mb'])} | " + " | ".join(mb(r["workers_mb"].get(p)) for p in pids)
                     + f" | {mb(r['reader_max_mb'])} |")
    return "\n".join(lines)



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load (at most 900)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    duration = min(args.duration, MAX_DURATION_S)
    print(f"cpu: {os.cpu_count()} cores; {cpu_flags()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ccqa-soak-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCQA_ADMIN_TOKEN": TOKEN, "CCQA_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
           "CCQA_RATE_LIMIT_LOOPBACK": "1", "CCQA_MAX_UPLOAD_BYTES": str(32 * 1024 * 1024)}
    server: subprocess.Popen[bytes] | None = None
    results: dict[str, Any] = {"duration_s": duration, "clients": args.clients, "workers": args.workers,
                               "cpus": os.cpu_count(), "cpu_flags": cpu_flags()}
    try:
        shutil.copytree(REPO / "corpus", work / "corpus")
        subprocess.run([CCQA, "build", "--corpus", str(work / "corpus"), "--index", str(work / "index")], env=env,
                       check=True, timeout=MAX_DURATION_S, stdout=subprocess.DEVNULL)
        uploads = hostile_uploads()
        port = free_port()
        server = subprocess.Popen([CCQA, "serve", "--index", str(work / "index"), "--corpus", str(work / "corpus"),
                                   "--port", str(port), "--workers", str(args.workers)],
                                  env=env, stdout=(work / "serve.log").open("wb"), stderr=subprocess.STDOUT)
        results["startup_s"] = round(wait_ready(port, server, 120), 1)
        print(f"serving on port {port} after {results['startup_s']} s; {duration:.0f} s of load", flush=True)
        log, samples, rebuild = Log(), [], {}
        deadline = log.started + duration
        threads = [threading.Thread(target=client_loop, args=(port, n, deadline, log, uploads, False), daemon=True)
                   for n in range(args.clients - 1)]
        threads += [threading.Thread(target=client_loop, args=(port, args.clients - 1, deadline, log, uploads, True),
                                     daemon=True) for _ in range(FLOOD_CONNECTIONS)]
        threads.append(threading.Thread(target=sample_memory, args=(server.pid, log, deadline, samples), daemon=True))
        threads.append(threading.Thread(target=rebuild_and_reload, args=(port, work, duration / 2, log, rebuild),
                                        daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT_S + 60)
        rows = per_minute(log, samples, int(duration // 60))
        results.update(requests=len(log.rows), statuses=dict(sorted(Counter(r[2] for r in log.rows).items())),
                       kinds=dict(Counter(r[1] for r in log.rows)), unexpected=dict(log.unexpected),
                       errors=dict(log.errors), index_versions=dict(log.versions), rebuild=rebuild, minutes=rows,
                       verdict=verdict(rows), uploads=_upload_latencies(log))
        server.send_signal(signal.SIGTERM)
        results["shutdown_exit"] = server.wait(timeout=60)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(markdown(results["minutes"]))
    for key in ("requests", "statuses", "unexpected", "errors", "index_versions", "rebuild", "uploads", "shutdown_exit"):
        print(f"{key}: {json.dumps(results[key])}")
    print("\n".join(results["verdict"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    failed = bool(results["unexpected"] or results["errors"] or results["shutdown_exit"]
                  or not results["rebuild"].get("all_workers_reloaded_after_s")
                  or any("NOT" in line for line in results["verdict"]))
    return 1 if failed else 0


def _upload_latencies(log: Log) -> dict[str, Any]:
    took = sorted(r[3] for r in log.rows if r[1] == "upload")
    by_status: defaultdict[int, int] = defaultdict(int)
    for r in log.rows:
        if r[1] == "upload":
            by_status[r[2]] += 1
    return {"count": len(took), "statuses": dict(by_status), "p50_ms": percentile(took, 50),
            "max_ms": took[-1] if took else None}


if __name__ == "__main__":
    sys.exit(main())
