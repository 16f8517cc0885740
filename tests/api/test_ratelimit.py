"""Per-client rate limiting: token buckets, 429 JSON with Retry-After, loopback and proxies."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask.testing import FlaskClient

from ccqa.api.app import create_app
from ccqa.api.ratelimit import RateLimiter, is_loopback
from ccqa.config import Settings
from tests.api.helpers import FakeQA, assert_error

CLIENT = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_for(settings: Settings) -> FlaskClient:
    return create_app(settings, qa=FakeQA()).test_client()


def get(client: FlaskClient, addr: str = CLIENT, **headers: str) -> Any:
    return client.get("/api/health", environ_base={"REMOTE_ADDR": addr}, headers=headers)


def test_burst_is_allowed_then_refused_until_tokens_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.wait_for(CLIENT) for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(20.0)]
    clock.now += 19.9
    assert limiter.wait_for(CLIENT) > 0
    clock.now += 0.2
    assert limiter.wait_for(CLIENT) == 0.0
    assert limiter.wait_for("198.51.100.1") == 0.0  # another client has its own bucket


def test_idle_clients_are_forgotten_and_memory_is_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, max_clients=100, clock=clock)
    for n in range(1000):
        limiter.wait_for(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 100
    clock.now += 61  # every bucket has refilled: keeping them would change nothing
    limiter.wait_for(CLIENT)
    assert len(limiter) == 1


def test_concurrent_requests_never_get_more_than_the_burst() -> None:
    limiter = RateLimiter(per_minute=50, clock=lambda: 0.0)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            ok = limiter.wait_for(CLIENT) == 0.0
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sum(allowed) == 50 and len(allowed) == 400


def test_over_the_limit_is_429_json_with_retry_after() -> None:
    client = client_for(Settings(rate_limit_per_minute=2))
    assert [get(client).status_code for _ in range(2)] == [200, 200]
    refused = get(client)
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert refused.headers["Content-Security-Policy"]  # still a normal API response
    assert get(client, "198.51.100.1").status_code == 200


def test_loopback_is_exempt_unless_enabled() -> None:
    exempt = client_for(Settings(rate_limit_per_minute=1))
    assert {get(exempt, addr).status_code for addr in ["127.0.0.1", "::1"] * 5} == {200}
    limited = client_for(Settings(rate_limit_per_minute=1, rate_limit_loopback=True))
    assert [get(limited, "127.0.0.1").status_code for _ in range(2)] == [200, 429]


def test_limit_off_by_default_and_page_is_never_limited() -> None:
    client = client_for(Settings())
    assert {get(client).status_code for _ in range(50)} == {200}
    limited = client_for(Settings(rate_limit_per_minute=1))
    get(limited)
    assert get(limited).status_code == 429
    page = limited.get("/", environ_base={"REMOTE_ADDR": CLIENT})
    assert page.status_code == 200


def test_forwarded_for_is_ignored_without_a_trusted_proxy() -> None:
    client = client_for(Settings(rate_limit_per_minute=1))
    assert get(client, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert get(client, **{"X-Forwarded-For": "192.0.2.2"}).status_code == 429


def test_forwarded_for_names_the_client_behind_a_trusted_proxy() -> None:
    client = client_for(Settings(rate_limit_per_minute=1, trusted_proxies=1))
    proxy = "127.0.0.1"  # loopback itself is exempt; the forwarded client is not
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert get(client, proxy, **{"X-Forwarded-For": "192.0.2.2"}).status_code == 200
    # a client cannot prepend addresses of its own choosing: only the last hop counts
    assert get(client, proxy, **{"X-Forwarded-For": "10.9.9.9, 192.0.2.1"}).status_code == 429


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("", False), (None, False), ("junk", False),
])
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_openapi_documents_429_with_retry_after() -> None:
    spec = client_for(Settings()).get("/api/openapi.json").get_json()
    limited = spec["paths"]["/api/ask"]["post"]["responses"]["429"]
    assert limited["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert "Retry-After" in limited["headers"]
