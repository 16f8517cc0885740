"""Clients of mixed traffic through a balancer, each request's outcome recorded (tests/cluster.py
starts what they talk to)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.cluster import request

QUESTIONS = (
    "What was the GDP of the economic circle in 2021?",
    "What kind of train entered Chengxiang Station on May 19?",
    "Since when have Sichuan and Chongqing had a multi-level cooperation mechanism?",
    "How many major projects have commenced?",
    "What is the price of tea in Paris?",
)
FOLLOW_UP = ("and how much was invested in them?", ["How many major projects have commenced?"])


@dataclass(frozen=True)
class Outcome:
    """One client request through the balancer."""

    client: int
    kind: str  # ask, follow_up, health, documents, bad
    started: float  # time.monotonic()
    ended: float
    status: int  # 0: no HTTP answer at all (connection refused or reset)
    served_by: str
    version: str
    error: str = ""


@dataclass
class Traffic:
    """``clients`` threads of mixed traffic through the balancer until stopped, pausing
    ``think_s`` between requests and making at most ``max_requests`` (a bound on every loop).
    Each client moves to a loopback address of its own every ``per_address`` requests, so
    that however long the events take it never reaches a rate limit above that."""

    port: int
    clients: int = 16
    think_s: float = 0.1
    max_requests: int = 5000
    per_address: int = 100
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def source(self, client: int, n: int) -> str:
        """The address of ``client``'s ``n``-th request (127.1.<client>.<1-250>)."""
        return f"127.1.{client}.{1 + (n // self.per_address) % 250}"

    def start(self) -> Traffic:
        for client in range(self.clients):
            thread = threading.Thread(target=self._run, args=(client,), name=f"client-{client}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return list(self.outcomes)

    def _run(self, client: int) -> None:
        rng = random.Random(client)
        for n in range(self.max_requests):
            if self._stop.is_set():
                return
            self.record(client, self.source(client, n), *self.pick(rng))
            self._stop.wait(self.think_s * (0.5 + rng.random()))

    @staticmethod
    def pick(rng: random.Random) -> tuple[str, str, str, Any]:
        """A request of the mix: half questions, the rest follow-ups, health, documents, bad input."""
        roll = rng.random()
        if roll < 0.5:
            return "ask", "POST", "/api/ask", {"question": rng.choice(QUESTIONS)}
        if roll < 0.6:
            return "follow_up", "POST", "/api/ask", {"question": FOLLOW_UP[0], "history": FOLLOW_UP[1]}
        if roll < 0.75:
            return "health", "GET", "/api/health", None
        if roll < 0.9:
            return "documents", "GET", "/api/documents", None
        return "bad", "POST", "/api/ask", {"question": ""}

    def record(self, client: int, source: str, kind: str, method: str, path: str, body: Any) -> Outcome:
        started = time.monotonic()
        try:
            status, headers, answer = request(self.port, method, path, body, source=source)
            error = ""
        except OSError as exc:
            status, headers, answer, error = 0, {}, None, type(exc).__name__
        version = str(answer.get("index_version", "")) if isinstance(answer, dict) else ""
        outcome = Outcome(client, kind, started, time.monotonic(), status, headers.get("x-served-by", ""),
                          version, error)
        with self._lock:
            self.outcomes.append(outcome)
        return outcome
