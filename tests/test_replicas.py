"""Three ``ccqa serve`` replicas on one index directory behind Debian's haproxy, with Redis for
the rate limit, under 16 clients: a rebuild reaches every replica, a replica killed with SIGKILL
fails only the requests it had in flight and comes back, one client's limit holds across all of
them, and nothing else fails. Everything listens on loopback and is stopped here.

The replicas answer from a copy of the real seed index (the session's), so each one loads the
ONNX encoder and answers for real; bench/replicas.py runs the same day longer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ccqa.config import Settings
from tests.cluster import SERVER_MAXCONN
from tests.replica_scenario import ScenarioReport, run_scenario

LIMIT = 120


def copy_index(settings: Settings, root: Path) -> tuple[Path, Path]:
    """A private copy of the session's seed index and corpus: the scenario rebuilds it."""
    index_dir, corpus_dir = root / "index", root / "corpus"
    shutil.copytree(settings.corpus_dir, corpus_dir)
    shutil.copytree(settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".build.lock", ".ratelimit*"))
    return index_dir, corpus_dir


def test_replicas_behind_haproxy_survive_a_rebuild_a_sigkill_and_share_the_limit(
        seed_settings: Settings, tmp_path: Path) -> None:
    index_dir, corpus_dir = copy_index(seed_settings, tmp_path)
    report = run_scenario(tmp_path / "run", index_dir, corpus_dir, clients=16, limit=LIMIT)
    figures = report.summary()
    print("replica scenario:", figures)  # shown with -s or -rA: the run's figures

    assert_the_rebuild_reached_every_replica(report)
    assert_only_requests_in_flight_on_the_killed_replica_failed(report)
    assert_the_killed_replica_was_routed_around_and_came_back(report)
    assert_the_limit_held_across_the_replicas(report)
    assert figures["through_traffic"] >= 200, figures  # the load really ran through every phase


def assert_the_rebuild_reached_every_replica(report: ScenarioReport) -> None:
    assert report.new_version != report.old_version
    assert report.versions_after_rebuild == {"r1": report.new_version, "r2": report.new_version,
                                             "r3": report.new_version}
    assert {q["served_by"] for q in report.new_question} == {"r1", "r2", "r3"}
    for asked in report.new_question:
        assert asked["status"] == 200 and asked["version"] == report.new_version, asked
        assert asked["found"] and "2031" in asked["answer"], asked
    later = [o for o in report.outcomes if o.started > report.all_new_at and o.version]
    assert later and {o.version for o in later} == {report.new_version}


def assert_only_requests_in_flight_on_the_killed_replica_failed(report: ScenarioReport) -> None:
    failures = report.failures()
    assert len(failures) <= SERVER_MAXCONN, failures
    for failure in failures:  # sent before the kill, not answered before it: in flight on the victim
        assert failure.started < report.killed_at and failure.ended >= report.kill_started, failure
        assert failure.status in (0, 502, 503, 504), failure
    statuses = {o.status for o in report.outcomes} - {o.status for o in failures}
    assert statuses <= {200, 400}, statuses  # the mix: answers, and the deliberate bad questions


def assert_the_killed_replica_was_routed_around_and_came_back(report: ScenarioReport) -> None:
    assert report.down_after_s < 5.0, report.summary()  # probes every 0.2 s, down after 2 failures
    routed_to_victim = [o for o in report.outcomes if o.served_by == report.victim
                        and report.down_at <= o.started and o.ended < report.up_at]
    assert routed_to_victim == []
    assert report.served_again_at > report.up_at


def assert_the_limit_held_across_the_replicas(report: ScenarioReport) -> None:
    statuses = [status for status, _ in report.greedy]
    assert statuses.count(200) == LIMIT and statuses.count(429) == len(statuses) - LIMIT, statuses
    # the one count spans replicas: its 200s came from more than one (r2 may be down while it asks)
    assert len({replica for status, replica in report.greedy if status == 200}) >= 2
    assert not [o for o in report.outcomes if o.status == 429]  # the others stayed under theirs
