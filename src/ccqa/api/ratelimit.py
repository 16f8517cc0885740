"""Per-client rate limiting of the API: at most ``rate_limit_per_minute`` requests from one
client in any 60 seconds (the ``limits`` package's moving window), the rest answered with 429
and ``Retry-After``: the seconds until the client's oldest counted request leaves the window.

The counts live where ``rate_limit_storage`` says, so that the limit is one however many
processes serve: by default a SQLite file in ``index_dir`` that every gunicorn worker of the
host shares (``ccqa.api.ratelimit_store``); ``redis://host:6379/0`` shares them between every
server pointed at that Redis; ``memory://`` keeps them in each process (N workers then allow N
times the limit). If the store fails, requests are let through and a warning is logged:
limiting protects the service, it must not take it down.

``/api/health`` is never limited (a load balancer's checks). Loopback clients are exempt unless
``rate_limit_loopback`` is on, and ``X-Forwarded-For`` is
believed only for the ``trusted_proxies`` hops a deployment declares (werkzeug's ``ProxyFix``);
otherwise anyone could pick a fresh address per request.

>>> limiter = RateLimiter(2, storage_from_string("memory://"))
>>> [limiter.wait_for("203.0.113.9") > 0 for _ in range(3)]
[False, False, True]
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, request
from limits import RateLimitItemPerMinute
from limits.errors import ConfigurationError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from ccqa.api.errors import error_response, is_api_request
from ccqa.api.ratelimit_store import SQLiteStorage
from ccqa.config import Settings
from ccqa.errors import CcqaError

log = logging.getLogger(__name__)

STORE_FILE = ".ratelimit.sqlite"  # in index_dir, beside the rebuild jobs: seen by every worker
REDIS_TIMEOUT_S = 0.5  # a Redis that does not answer by then lets the request through
WARN_EVERY_S = 60.0
# Never limited: a load balancer probes it on every replica every few seconds from one address
# (3 replicas, a check every 2 s: 90 a minute); counted, it would be refused and every replica
# taken out of the pool together. It does no search.
HEALTH_PATH = "/api/health"


class RateLimiter:
    """``per_minute`` requests per client in any minute, counted in ``storage`` (whose clock
    ``clock`` must be: the wall clock, which every process and replica shares)."""

    def __init__(self, per_minute: int, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.item = RateLimitItemPerMinute(per_minute)
        self.storage = storage
        self._window = MovingWindowRateLimiter(storage)
        self._clock = clock

    def wait_for(self, client: str) -> float:
        """Count a request of ``client``: 0.0 when allowed, else the seconds until one is."""
        if self._window.hit(self.item, client):
            return 0.0
        reset_at, _ = self._window.get_window_stats(self.item, client)
        return max(reset_at - self._clock(), 1e-3)


def storage_for(settings: Settings) -> Storage:
    """The store ``rate_limit_storage`` names (``sqlite:///path`` or any URI of ``limits``);
    "" is the SQLite file in ``index_dir``."""
    uri = settings.rate_limit_storage or f"sqlite://{Path(settings.index_dir, STORE_FILE).resolve()}"
    scheme = uri.partition("://")[0]
    options: dict[str, float | str | bool] = {}
    if scheme.startswith(("redis", "valkey")):
        options = {"socket_timeout": REDIS_TIMEOUT_S, "socket_connect_timeout": REDIS_TIMEOUT_S}
    try:
        storage = SQLiteStorage(uri) if scheme == "sqlite" else storage_from_string(uri, **options)
    except (ConfigurationError, ValueError, OSError) as exc:
        raise CcqaError(f"CCQA_RATE_LIMIT_STORAGE={uri!r} cannot be used: {exc}") from None
    if not hasattr(storage, "acquire_entry"):
        raise CcqaError(f"CCQA_RATE_LIMIT_STORAGE={uri!r}: that store has no moving window")
    assert isinstance(storage, Storage)
    return storage


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
    limiter = RateLimiter(settings.rate_limit_per_minute, storage_for(settings))
    app.extensions["ccqa.ratelimit"] = limiter
    warned = [-WARN_EVERY_S]
    failures = limiter.storage.base_exceptions

    def limit() -> Response | None:
        if not is_api_request() or request.method == "OPTIONS" or request.path == HEALTH_PATH:
            return None
        client = request.remote_addr or "unknown"
        if is_loopback(client) and not settings.rate_limit_loopback:
            return None
        try:
            wait_s = limiter.wait_for(client)
        except failures as exc:  # fail open: the store is down or locked
            if time.monotonic() - warned[0] > WARN_EVERY_S:
                warned[0] = time.monotonic()
                log.warning("rate limit store unavailable, requests are not limited: %s", exc)
            return None
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
