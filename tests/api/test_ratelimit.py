"""Per-client rate limiting: a moving window counted in a store every process shares, 429 JSON
with Retry-After, loopback and proxies, a store that fails lets requests through.

The limit across real gunicorn workers and servers is tests/test_ratelimit_servers.py.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from limits.storage import storage_from_string

from ccqa.api.app import create_app
from ccqa.api.ratelimit import RateLimiter, is_loopback, storage_for
from ccqa.api.ratelimit_store import SWEEP_EVERY_S, SQLiteStorage
from ccqa.config import Settings
from ccqa.errors import CcqaError
from tests.api.helpers import FakeQA, assert_error

CLIENT = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store_uri(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'limits.sqlite'}"


def client_for(tmp_path: Path, **settings: Any) -> FlaskClient:
    """An app whose rate-limit store is a file of this test's own (``index_dir`` in tmp_path)."""
    return create_app(Settings(index_dir=tmp_path / "index", **settings), qa=FakeQA()).test_client()


def get(client: FlaskClient, addr: str = CLIENT, path: str = "/api/documents", **headers: str) -> Any:
    return client.get(path, environ_base={"REMOTE_ADDR": addr}, headers=headers)


def test_a_client_gets_the_limit_in_any_minute_then_waits_for_its_oldest_request(store_uri: str) -> None:
    clock = Clock()
    limiter = RateLimiter(3, SQLiteStorage(store_uri, clock=clock), clock=clock)
    started = clock.now
    for at in (0, 5, 10):
        clock.now = started + at
        assert limiter.wait_for(CLIENT) == 0.0
    clock.now = started + 20
    assert limiter.wait_for(CLIENT) == pytest.approx(40.0)  # the first request leaves at 60 s
    clock.now = started + 59.9
    assert limiter.wait_for(CLIENT) == pytest.approx(0.1)
    clock.now = started + 60.1
    assert limiter.wait_for(CLIENT) == 0.0  # one slot freed, and taken
    assert limiter.wait_for(CLIENT) == pytest.approx(4.9)  # the second leaves at 65 s
    assert limiter.wait_for("198.51.100.1") == 0.0  # another client has its own window


def test_refused_requests_are_not_counted(store_uri: str) -> None:
    clock = Clock()
    limiter = RateLimiter(2, SQLiteStorage(store_uri, clock=clock), clock=clock)
    for _ in range(50):
        limiter.wait_for(CLIENT)
    clock.now += 60.5
    assert [limiter.wait_for(CLIENT) == 0.0 for _ in range(3)] == [True, True, False]


def test_expired_counts_are_deleted_so_the_file_stays_small(store_uri: str, tmp_path: Path) -> None:
    clock = Clock()
    limiter = RateLimiter(60, SQLiteStorage(store_uri, clock=clock), clock=clock)
    for n in range(1000):
        limiter.wait_for(f"10.0.{n // 256}.{n % 256}")
    clock.now += max(61, SWEEP_EVERY_S + 1)  # every window has passed: keeping them would change nothing
    limiter.wait_for(CLIENT)
    with sqlite3.connect(tmp_path / "limits.sqlite") as db:
        assert db.execute("SELECT count(*) FROM hits").fetchone() == (1,)


def test_threads_never_get_more_than_the_limit(store_uri: str) -> None:
    limiter = RateLimiter(50, SQLiteStorage(store_uri))
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(25):
            ok = limiter.wait_for(CLIENT) == 0.0
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sum(allowed) == 50 and len(allowed) == 200


COUNT_IN_PROCESS = """
import sys
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter
from ccqa.api.ratelimit_store import SQLiteStorage
window = MovingWindowRateLimiter(SQLiteStorage(sys.argv[1]))
print(sum(window.hit(RateLimitItemPerMinute(40), "203.0.113.7") for _ in range(int(sys.argv[2]))))
"""


def test_processes_sharing_the_file_never_get_more_than_the_limit(store_uri: str) -> None:
    SQLiteStorage(store_uri)  # the file made once, as the server's master makes it
    processes = [subprocess.Popen([sys.executable, "-c", COUNT_IN_PROCESS, store_uri, "30"],
                                  stdout=subprocess.PIPE, text=True) for _ in range(4)]
    counts = [int(p.communicate(timeout=60)[0]) for p in processes]
    assert sum(counts) == 40 and len([c for c in counts if c]) >= 2, counts


def test_over_the_limit_is_429_json_with_retry_after(tmp_path: Path) -> None:
    client = client_for(tmp_path, rate_limit_per_minute=2)
    assert [get(client).status_code for _ in range(2)] == [200, 200]
    refused = get(client)
    assert_error(refused, 429, "rate_limited")
    assert 55 <= int(refused.headers["Retry-After"]) <= 60  # until the first of the two leaves
    assert refused.headers["Content-Security-Policy"]  # still a normal API response
    assert get(client, "198.51.100.1").status_code == 200
    assert (tmp_path / "index" / ".ratelimit.sqlite").is_file()  # the default store: shared on this host


def test_loopback_is_exempt_unless_enabled(tmp_path: Path) -> None:
    exempt = client_for(tmp_path / "a", rate_limit_per_minute=1)
    assert {get(exempt, addr).status_code for addr in ["127.0.0.1", "::1"] * 5} == {200}
    limited = client_for(tmp_path / "b", rate_limit_per_minute=1, rate_limit_loopback=True)
    assert [get(limited, "127.0.0.1").status_code for _ in range(2)] == [200, 429]


def test_the_health_check_is_never_limited_nor_counted(tmp_path: Path) -> None:
    """A load balancer probes every replica from one address: refused, it would take them all out."""
    client = client_for(tmp_path, rate_limit_per_minute=2)
    assert {get(client, path="/api/health").status_code for _ in range(20)} == {200}
    assert [get(client).status_code for _ in range(3)] == [200, 200, 429]  # none of the 20 counted
    assert get(client, path="/api/health").status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    assert "429" not in spec["paths"]["/api/health"]["get"]["responses"]
    assert "429" in spec["paths"]["/api/documents"]["get"]["responses"]


def test_limit_off_by_default_and_page_is_never_limited(tmp_path: Path) -> None:
    client = client_for(tmp_path / "a")
    assert {get(client).status_code for _ in range(50)} == {200}
    assert not (tmp_path / "a" / "index").exists()  # off: no store either
    limited = client_for(tmp_path / "b", rate_limit_per_minute=1)
    get(limited)
    assert get(limited).status_code == 429
    page = limited.get("/", environ_base={"REMOTE_ADDR": CLIENT})
    assert page.status_code == 200


def test_forwarded_for_is_ignored_without_a_trusted_proxy(tmp_path: Path) -> None:
    client = client_for(tmp_path, rate_limit_per_minute=1)
    assert get(client, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert get(client, **{"X-Forwarded-For": "192.0.2.2"}).status_code == 429


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(tmp_path: Path) -> None:
    client = client_for(tmp_path, rate_limit_per_minute=1, trusted_proxies=1)
    proxy = "127.0.0.1"  # loopback itself is exempt; the forwarded client is not
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.2"}).status_code == 200
    # a client cannot prepend addresses of its own choosing: only the last hop counts
    assert get(client, proxy, **{"X-Forwarded-For": "10.9.9.9, 192.0.2.1"}).status_code == 429


def test_memory_store_is_per_process(tmp_path: Path) -> None:
    one = client_for(tmp_path, rate_limit_per_minute=1, rate_limit_storage="memory://")
    other = client_for(tmp_path, rate_limit_per_minute=1, rate_limit_storage="memory://")
    assert [get(one).status_code, get(one).status_code, get(other).status_code] == [200, 429, 200]
    assert not (tmp_path / "index").exists()


def test_a_store_that_fails_lets_requests_through_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    closed = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    client = client_for(tmp_path, rate_limit_per_minute=1, rate_limit_storage=closed)
    caplog.set_level(logging.WARNING, logger="ccqa.api.ratelimit")
    assert {get(client).status_code for _ in range(3)} == {200}
    warnings = [r for r in caplog.records if "rate limit store unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once a request


@pytest.mark.parametrize("uri", ["nosuch://x", "sqlite://", "memcached://"])
def test_an_unusable_store_is_refused_at_start_naming_the_setting(tmp_path: Path, uri: str) -> None:
    with pytest.raises(CcqaError, match="CCQA_RATE_LIMIT_STORAGE"):
        storage_for(Settings(index_dir=tmp_path, rate_limit_storage=uri))


def test_storage_for_gives_the_store_the_setting_names(tmp_path: Path) -> None:
    assert isinstance(storage_for(Settings(index_dir=tmp_path)), SQLiteStorage)
    assert type(storage_for(Settings(rate_limit_storage="memory://"))) is type(storage_from_string("memory://"))


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("", False), (None, False), ("junk", False),
])
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_openapi_documents_429_with_retry_after(tmp_path: Path) -> None:
    spec = client_for(tmp_path).get("/api/openapi.json").get_json()
    limited = spec["paths"]["/api/ask"]["post"]["responses"]["429"]
    assert limited["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert "Retry-After" in limited["headers"]
