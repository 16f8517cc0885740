"""Replicas the way operators run them, on loopback: Redis, N ``ccqa serve`` on one shared index
directory and Debian's haproxy in front checking ``/api/health``.

Used by tests/test_replicas.py (short) and bench/replicas.py (longer runs); the clients are
tests/traffic.py. Every process is started here, on 127.0.0.1, and stopped by whoever started
it (``cluster()`` is a context manager).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.live import free_port, poll

CHECK_INTER_MS = 200  # haproxy probes each replica this often ...
CHECK_FALL = 2  # ... and takes it out after this many failed probes in a row
CHECK_RISE = 2
SERVER_MAXCONN = 4  # requests haproxy sends one replica at once: the most a SIGKILL can fail



def request(port: int, method: str, path: str, body: Any = None, source: str = "127.0.0.1",
            timeout: float = 30.0) -> tuple[int, dict[str, str], Any]:
    """One HTTP request on a fresh connection from ``source``: status, headers, JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
    finally:
        connection.close()


class Process:
    """A child process in its own session, its output in a log file; stopped with SIGTERM."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.argv, self.log_path = argv, log
        with log.open("ab") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL to the whole group (a gunicorn master and its workers): nothing is finished."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def start_redis(workdir: Path) -> tuple[Process, str]:
    """A redis-server of its own on a free loopback port, nothing saved to disk."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: apt-get install redis-server (make test installs it)"
    port = free_port()
    process = Process([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                       "no", "--dir", str(workdir)], workdir / "redis.log")

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        poll(answers, f"redis-server on port {port}", 30)
    except AssertionError:
        process.stop()
        raise
    return process, f"redis://127.0.0.1:{port}/0"


def ccqa_argv(*args: str) -> list[str]:
    """``ccqa ARGS`` with this interpreter (the package imported as the caller imports it)."""
    return [sys.executable, "-m", "ccqa.cli", *args]


class Replica:
    """One ``ccqa serve`` (one gunicorn worker) on a fixed loopback port; restartable."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str], threads: int = 4) -> None:
        self.name, self.workdir, self.env, self.threads = name, workdir, env, threads
        self.port = free_port()
        self.process: Process | None = None

    def start(self) -> Replica:
        argv = ccqa_argv("serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                         "--threads", str(self.threads))
        self.process = Process(argv, self.workdir / f"{self.name}.log", self.env)
        return self

    def listening(self) -> bool:
        """Whether anything still accepts connections on the port: after a SIGKILL the master is
        reaped first, and its worker may accept for a few more milliseconds before it dies."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def health(self) -> dict[str, Any] | None:
        try:
            status, _, body = request(self.port, "GET", "/api/health", timeout=5)
        except OSError:
            return None
        return body if status == 200 and isinstance(body, dict) else None

    def wait_ready(self, deadline_s: float = 90.0) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            assert self.process is not None
            if not self.process.alive():
                raise AssertionError(f"replica {self.name} exited:\n{self.process.log()}")
            return self.health()

        return dict(poll(ready, f"replica {self.name} on port {self.port}", deadline_s, 0.1))


HAPROXY_CONFIG = """\
global
    maxconn 1024
    stats socket {socket} mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout queue 15s
    # A probe may wait this long for its answer (by default only ``inter``): on a busy machine a
    # slow health answer is not a dead replica. A killed one refuses the connection at once.
    timeout check 2s
    retries 3
    option redispatch 1
    option forwardfor
    http-reuse never

frontend ccqa
    bind 127.0.0.1:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /api/health
    http-check expect status 200
    http-response set-header X-Served-By %s
    default-server check inter {inter}ms fall {fall} rise {rise} maxconn {maxconn}
{servers}
"""


class Balancer:
    """Debian's haproxy in front of the replicas, with its admin socket for the servers' states."""

    def __init__(self, workdir: Path, replicas: list[Replica]) -> None:
        binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
        assert binary, "haproxy is missing: apt-get install haproxy (make test installs it)"
        self.port = free_port()
        self.socket = workdir / "haproxy.sock"
        servers = "\n".join(f"    server {r.name} 127.0.0.1:{r.port}" for r in replicas)
        config = workdir / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(socket=self.socket, port=self.port, inter=CHECK_INTER_MS,
                                                fall=CHECK_FALL, rise=CHECK_RISE, maxconn=SERVER_MAXCONN,
                                                servers=servers), encoding="utf-8")
        check = subprocess.run([binary, "-c", "-f", str(config)], check=False, capture_output=True, text=True)
        assert check.returncode == 0, f"haproxy refused its configuration:\n{check.stdout}{check.stderr}"
        self.process = Process([binary, "-db", "-f", str(config)], workdir / "haproxy.log")

    def stats(self) -> dict[str, dict[str, str]]:
        """Each server's row of ``show stat`` (status, scur: requests on it now, ...)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket))
            sock.sendall(b"show stat\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        lines = b"".join(chunks).decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {row["svname"]: row for row in rows
                if row.get("pxname") == "replicas" and row["svname"] not in ("BACKEND", "FRONTEND")}

    def states(self) -> dict[str, str]:
        try:
            return {name: row["status"].split()[0] for name, row in self.stats().items()}
        except OSError:
            return {}

    def wait_states(self, wanted: dict[str, str], deadline_s: float = 30.0) -> float:
        """Wait until the named servers have those states; the time it took."""
        started = time.monotonic()
        poll(lambda: all(self.states().get(k) == v for k, v in wanted.items()),
             f"haproxy to see {wanted} (now {self.states()})", deadline_s, 0.01)
        return time.monotonic() - started


@contextlib.contextmanager
def cluster(workdir: Path, index_dir: Path, corpus_dir: Path, replicas: int = 3,
            rate_limit_per_minute: int = 0) -> Iterator[tuple[list[Replica], Balancer, str]]:
    """Redis, ``replicas`` ``ccqa serve`` on ``index_dir`` and haproxy, all ready; stopped after."""
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        redis, redis_url = start_redis(workdir)
        stack.callback(redis.stop)
        env = {**os.environ, "CCQA_INDEX_DIR": str(index_dir), "CCQA_CORPUS_DIR": str(corpus_dir),
               "CCQA_RATE_LIMIT_STORAGE": redis_url, "CCQA_RATE_LIMIT_PER_MINUTE": str(rate_limit_per_minute),
               "CCQA_RATE_LIMIT_LOOPBACK": "1", "CCQA_TRUSTED_PROXIES": "1", "CCQA_RELOAD_INTERVAL_S": "0.5",
               "HF_HUB_OFFLINE": "1"}
        pool = [Replica(f"r{n + 1}", workdir, env) for n in range(replicas)]
        for replica in pool:
            replica.start()
            stack.callback(lambda r=replica: r.process and r.process.stop())
        for replica in pool:
            replica.wait_ready()
        balancer = Balancer(workdir, pool)
        stack.callback(balancer.process.stop)
        balancer.wait_states({r.name: "UP" for r in pool})
        yield pool, balancer, redis_url
