"""The operators' day, on loopback: replicas under load through haproxy see a rebuild published,
lose one replica to SIGKILL, get it back, and hold one client to its rate limit across all of them.

``run_scenario`` drives it and returns what happened (``ScenarioReport``); tests/test_replicas.py
asserts on it, bench/replicas.py prints it for longer runs.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cluster import ccqa_argv, cluster, request
from tests.live import poll
from tests.traffic import Outcome, Traffic

NEW_QUESTION_WITHIN_S = 20.0  # a replica busy with its share of 16 clients on 2 cores may take a few seconds to be given it
NEW_DOCUMENT = ("monorail.txt", "The Zephyr monorail between Jiangbei and Yubei opened in 2031 with twelve stations.")
NEW_QUESTION = "When did the Zephyr monorail open?"
GREEDY_SOURCE = "127.0.2.1"  # the client that asks for more than its limit


@dataclass
class ScenarioReport:
    """What the clients saw and when (times are seconds of ``time.monotonic()``)."""

    outcomes: list[Outcome]
    old_version: str
    new_version: str
    build_s: float = 0.0
    published_at: float = 0.0
    versions_after_rebuild: dict[str, str] = field(default_factory=dict)  # replica -> version it answered with
    all_new_at: float = 0.0  # every replica answered with the new version
    new_question: list[dict[str, Any]] = field(default_factory=list)  # asked through the balancer after it
    victim: str = ""
    sessions_before_kill: int = 0  # haproxy's count of requests on the victim just before the kill
    kill_started: float = 0.0
    killed_at: float = 0.0  # its port refuses connections
    down_after_s: float = 0.0  # SIGKILL -> haproxy marks it DOWN
    down_at: float = 0.0
    restart_ready_s: float = 0.0  # restart -> its own /api/health answers
    up_after_s: float = 0.0  # its /api/health answers -> haproxy marks it UP again
    up_at: float = 0.0
    served_again_at: float = 0.0  # first request the balancer gave it again
    greedy: list[tuple[int, str]] = field(default_factory=list)  # (status, replica) of each greedy request
    limit: int = 0

    def failures(self) -> list[Outcome]:
        """Requests with no answer or a 5xx answer."""
        return [o for o in self.outcomes if o.status == 0 or o.status >= 500]

    def summary(self) -> dict[str, Any]:
        """The figures of the run, for people and bench/README.md."""
        statuses = Counter(o.status for o in self.outcomes)
        causes = Counter(o.error or f"HTTP {o.status}" for o in self.failures())
        last_failure = max((o.ended for o in self.failures()), default=self.killed_at)
        answered = sorted(o.ended - o.started for o in self.outcomes if o.status == 200 and o.kind == "ask")
        return {
            "seconds": round(max((o.ended for o in self.outcomes), default=0.0)
                             - min((o.started for o in self.outcomes), default=0.0), 1),
            "ask_p50_ms": round(1000 * answered[len(answered) // 2], 1) if answered else None,
            "ask_p95_ms": round(1000 * answered[int(len(answered) * 0.95)], 1) if answered else None,
            "requests": len(self.outcomes) + len(self.greedy),
            "through_traffic": len(self.outcomes),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "failures": len(self.failures()),
            "failures_by_cause": dict(causes),
            "victim_sessions_just_before_kill": self.sessions_before_kill,
            "rebuild_s": round(self.build_s, 2),
            "published_to_every_replica_s": round(self.all_new_at - self.published_at, 2),
            "versions_after_rebuild": self.versions_after_rebuild,
            "switch_over_s": round(self.down_after_s, 3),
            "last_failure_after_kill_s": round(max(0.0, last_failure - self.killed_at), 3),
            "restart_ready_s": round(self.restart_ready_s, 2),
            "back_in_pool_s": round(self.up_after_s, 3),
            "greedy_statuses": dict(Counter(s for s, _ in self.greedy)),
            "greedy_served_by": sorted({r for s, r in self.greedy if s == 200}),
            "limit_per_minute": self.limit,
        }


def rebuild(report: ScenarioReport, index_dir: Path, corpus_dir: Path, replicas: list[Any]) -> None:
    """Add a document and run ``ccqa build`` beside the running replicas; wait until each one
    answers with the version it published."""
    name, text = NEW_DOCUMENT
    (corpus_dir / name).write_text(text, encoding="utf-8")
    started = time.monotonic()
    built = subprocess.run(ccqa_argv("build", "--corpus", str(corpus_dir), "--index", str(index_dir), "--json"),
                           check=False, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    report.published_at = time.monotonic()
    report.build_s = report.published_at - started
    report.new_version = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()

    def every_replica_new() -> bool:
        for replica in replicas:
            health = replica.health() or {}
            report.versions_after_rebuild[replica.name] = str(health.get("index_version", ""))
        return all(v == report.new_version for v in report.versions_after_rebuild.values())

    poll(every_replica_new, f"every replica to serve {report.new_version}", 30, 0.05)
    report.all_new_at = time.monotonic()


def run_scenario(workdir: Path, index_dir: Path, corpus_dir: Path, clients: int = 16, limit: int = 120,
                 think_s: float = 0.15, greedy_requests: int = 160, phase_requests: int = 60) -> ScenarioReport:
    """The whole day, with ``clients`` clients: ``clients - 1`` of mixed traffic all along
    (each address of theirs making fewer requests than ``limit``), ``phase_requests`` of theirs
    between the events, and one greedy client at the end."""
    old_version = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    with cluster(workdir, index_dir, corpus_dir, replicas=3, rate_limit_per_minute=limit) as (pool, balancer, _):
        report = ScenarioReport([], old_version, old_version, limit=limit)
        traffic = Traffic(balancer.port, clients - 1, think_s, per_address=limit - 20).start()
        try:
            _let_run(traffic, phase_requests)
            rebuild(report, index_dir, corpus_dir, pool)
            deadline = time.monotonic() + NEW_QUESTION_WITHIN_S
            while time.monotonic() < deadline:  # through the balancer until each replica has answered it
                status, headers, body = request(balancer.port, "POST", "/api/ask", {"question": NEW_QUESTION})
                report.new_question.append({"status": status, "served_by": headers.get("x-served-by", ""),
                                            "version": (body or {}).get("index_version"),
                                            "found": (body or {}).get("found"),
                                            "answer": ((body or {}).get("answer") or {}).get("text", "")})
                if {q["served_by"] for q in report.new_question} >= {r.name for r in pool}:
                    break
            _let_run(traffic, phase_requests)

            victim = pool[1]
            report.victim = victim.name
            report.sessions_before_kill = int(balancer.stats()[victim.name].get("scur") or 0)
            report.kill_started = time.monotonic()
            assert victim.process is not None
            victim.process.kill()
            poll(lambda: not victim.listening(), f"{victim.name}'s port to close", 10, 0.002)
            report.killed_at = time.monotonic()  # nothing of it accepts connections any more
            balancer.wait_states({victim.name: "DOWN"}, 30)
            report.down_at = time.monotonic()
            report.down_after_s = report.down_at - report.kill_started
            _let_run(traffic, phase_requests)

            restarted = time.monotonic()
            victim.start().wait_ready()
            report.restart_ready_s = time.monotonic() - restarted
            report.up_after_s = balancer.wait_states({victim.name: "UP"}, 30)
            report.up_at = time.monotonic()
            report.served_again_at = poll(
                lambda: next((o.started for o in list(traffic.outcomes)
                              if o.served_by == victim.name and o.started > report.up_at), None),
                f"{victim.name} to serve again", 30, 0.05)

            for _ in range(greedy_requests):  # one after another, well within a minute
                status, headers, _ = request(balancer.port, "GET", "/api/documents", source=GREEDY_SOURCE)
                report.greedy.append((status, headers.get("x-served-by", "")))
        finally:
            report.outcomes = traffic.stop()
    return report


def _let_run(traffic: Traffic, requests: int, deadline_s: float = 60.0) -> None:
    """Let the clients make ``requests`` more requests (the load goes on between the events)."""
    target = len(traffic.outcomes) + requests
    poll(lambda: len(traffic.outcomes) >= target, f"{requests} more client requests", deadline_s, 0.02)
