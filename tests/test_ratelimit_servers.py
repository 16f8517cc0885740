"""The per-client rate limit holds across real processes: ``ccqa serve`` with 2 and 4
gunicorn workers sharing the default store (a SQLite file in the index folder), and two servers
sharing one Redis (Debian's ``redis-server``, started and stopped here).

The servers go through the real serve path (gunicorn, the app preloaded, workers forked) but
answer from the fake QA service of the API tests, so that no model is loaded; its health
answer and its document list name the worker that gave them: the test waits until every worker
has answered, and checks that the requests were spread. One client (loopback, limited with
``CCQA_RATE_LIMIT_LOOPBACK``) asks for the document list 150 times on fresh connections, six at
a time, well within a minute: exactly the limit of them may pass, whatever answers them.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import start_redis
from tests.live import free_port, poll

REPO = Path(__file__).resolve().parents[1]
LIMIT = 60
REQUESTS = 150
START_S = 60
DOCUMENTS = "/api/documents"  # limited (the health check is not): each worker titles its one document

SERVE_FAKE = """
import dataclasses, os, sys
from ccqa import service
from tests.api.helpers import FakeQA

class WorkerQA(FakeQA):
    def warm_up(self):
        pass

    def reload_if_changed(self):
        return False

    def health(self):
        return {**super().health(), "worker": os.getpid()}

    def documents(self):
        return [dataclasses.replace(self.doc, title=f"worker {os.getpid()}")]

service.QA.open = classmethod(lambda cls, settings, **kwargs: WorkerQA())
from ccqa.cli import main
sys.exit(main(sys.argv[1:]))
"""


def get(port: int, path: str = "/api/health", source: str = "127.0.0.1") -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


class FakeServer:
    """``ccqa serve`` over the fake QA service on a free loopback port."""

    def __init__(self, workdir: Path, workers: int, **env: str) -> None:
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"serve-{self.port}.log"
        self.workers = workers
        self._probes, self._seen = 0, set[int]()
        environment = {**os.environ, "CCQA_RATE_LIMIT_PER_MINUTE": str(LIMIT),
                       "CCQA_RATE_LIMIT_LOOPBACK": "1", "CCQA_INDEX_DIR": str(workdir / "index"), **env}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVE_FAKE, "serve", "--port", str(self.port), "--workers",
                 str(workers), "--threads", "2"],
                cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> FakeServer:
        try:
            poll(self._listening, f"ccqa serve's {self.workers} workers on port {self.port}", START_S)
        except BaseException:
            self.stop()
            raise
        return self

    def _listening(self) -> bool:
        """Every worker answers: health checks, eight at a time, each batch from a loopback
        address of its own (127.0.0.2 and up, so that the test's client, 127.0.0.1, has used
        none of its limit), until each worker has answered one."""
        if self.process.poll() is not None:
            raise AssertionError(f"ccqa serve exited with {self.process.returncode}:\n"
                                 f"{self.log.read_text(errors='replace')}")
        self._probes += 1
        source = f"127.0.{self._probes // 250}.{2 + self._probes % 250}"
        try:
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda _: get(self.port, source=source), range(8)))
        except OSError:
            return False
        self._seen |= {body["worker"] for status, _, body in answers if status == 200}
        return len(self._seen) >= self.workers

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def hammer(ports: list[int]) -> tuple[Counter[int], set[tuple[int, int]], list[int]]:
    """``REQUESTS`` document lists spread over ``ports``, six at a time: the statuses, the
    (port, worker) pairs that let one through, and every Retry-After given. (Health checks
    are never limited: a load balancer makes them.)"""
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda n: (ports[n % len(ports)], *get(ports[n % len(ports)], DOCUMENTS)),
                                range(REQUESTS)))
    statuses = Counter(status for _, status, _, _ in answers)
    workers = {(port, body[0]["title"]) for port, status, _, body in answers if status == 200}
    waits = [int(headers["Retry-After"]) for _, status, headers, _ in answers if status == 429]
    return statuses, workers, waits


@pytest.mark.parametrize("workers", [2, 4])  # one process: tests/api/test_ratelimit.py
def test_the_limit_holds_whatever_the_number_of_workers(tmp_path: Path, workers: int) -> None:
    server = FakeServer(tmp_path, workers).wait_ready()
    try:
        statuses, served_by, waits = hammer([server.port])
    finally:
        server.stop()
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, statuses
    assert len(served_by) >= min(workers, 2), served_by  # the requests did reach several workers
    assert waits and all(1 <= w <= 60 for w in waits)


def test_counting_in_each_process_lets_n_workers_allow_n_times_the_limit(tmp_path: Path) -> None:
    """What the tests above would see without a shared store (the old behaviour)."""
    server = FakeServer(tmp_path, 2, CCQA_RATE_LIMIT_STORAGE="memory://").wait_ready()
    try:
        statuses, served_by, _ = hammer([server.port])
    finally:
        server.stop()
    assert len(served_by) == 2 and statuses[200] > LIMIT, statuses


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of its own on a free loopback port, nothing saved, stopped at the end."""
    process, url = start_redis(tmp_path)
    try:
        yield url
    finally:
        process.stop()


def test_two_servers_sharing_one_redis_share_one_limit(tmp_path: Path, redis_url: str) -> None:
    servers = [FakeServer(tmp_path / name, 2, CCQA_RATE_LIMIT_STORAGE=redis_url) for name in ("a", "b")]
    try:
        for server in servers:  # started together, waited for in turn
            server.wait_ready()
        statuses, served_by, waits = hammer([s.port for s in servers])
    finally:
        for server in servers:
            server.stop()
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, statuses
    assert {port for port, _ in served_by} == {s.port for s in servers}
    assert waits and all(1 <= w <= 60 for w in waits)
