"""Per-client rate limiting of the API: a token bucket per remote address, answered with 429.

Each client may make ``rate_limit_per_minute`` requests in a burst, then one every
``60 / rate_limit_per_minute`` seconds. Loopback clients are exempt unless
``rate_limit_loopback`` is on, and ``X-Forwarded-For`` is believed only for the
``trusted_proxies`` hops a deployment declares (werkzeug's ``ProxyFix``); otherwise anyone
could pick a fresh address per request. The buckets live in each server process, so with N
gunicorn workers a client that spreads its connections gets up to N times the limit.

>>> limiter = RateLimiter(per_minute=2, clock=lambda: 0.0)
>>> [limiter.wait_for("203.0.113.9") for _ in range(3)]
[0.0, 0.0, 30.0]
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ccqa.api.errors import error_response, is_api_request
from ccqa.config import Settings

MAX_CLIENTS = 10_000  # buckets kept at most; the least recently seen client is forgotten first


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by client, thread-safe, holding at most ``max_clients`` of them.

    A bucket idle long enough to have refilled is the same as no bucket, so it is dropped;
    beyond ``max_clients`` the least recently seen client is dropped (it starts afresh).
    """

    def __init__(self, per_minute: int, *, burst: int | None = None,
                 max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.capacity = float(burst if burst is not None else per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait_for(self, client: str) -> float:
        """Take a token for ``client``: 0.0 when allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(client, None)
            if bucket is None:
                bucket = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(self.capacity,
                                    bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            self._buckets[client] = bucket  # most recently seen last
            self._evict(now)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _evict(self, now: float) -> None:
        """Drop full (idle) buckets from the old end, and any beyond ``max_clients``."""
        refill_s = self.capacity / self.rate
        while self._buckets:
            client, oldest = next(iter(self._buckets.items()))
            if len(self._buckets) <= self.max_clients and now - oldest.updated < refill_s:
                break
            del self._buckets[client]


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; False for anything unparsable."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def install_rate_limit(app: Flask, settings: Settings) -> RateLimiter | None:
    """Limit ``/api/`` requests per client as ``settings`` say; None when limiting is off."""
    if settings.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    if settings.rate_limit_per_minute <= 0:
        return None
    limiter = RateLimiter(settings.rate_limit_per_minute)
    app.extensions["ccqa.ratelimit"] = limiter

    def limit() -> Response | None:
        if not is_api_request() or request.method == "OPTIONS":
            return None
        client = request.remote_addr or "unknown"
        if is_loopback(client) and not settings.rate_limit_loopback:
            return None
        wait_s = limiter.wait_for(client)
        if wait_s <= 0:
            return None
        retry_after = max(1, math.ceil(wait_s))
        response = error_response(
            429, "rate_limited",
            f"Too many requests: the limit is {settings.rate_limit_per_minute} per minute. "
            f"Try again in {retry_after} s.")
        response.headers["Retry-After"] = str(retry_after)
        return response

    app.before_request(limit)
    return limiter
