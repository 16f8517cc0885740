"""A ``limits`` storage in one SQLite file, so that every server process on a host shares one
count per client without a service to run: the default store of ``ccqa.api.ratelimit``.

It implements the moving window (``limits.strategies.MovingWindowRateLimiter``): one row per
counted request, a client's rows older than the window deleted as it is counted, everyone's
expired rows swept now and then. The file is a cache of the last minute, not data: it is
written without fsync (``synchronous=OFF``), in WAL mode so that readers never wait on the
writer, and each count is one ``BEGIN IMMEDIATE`` transaction, serialised across processes by
SQLite's lock. It must be on a local disk (SQLite's locks do not hold over NFS).

>>> store = SQLiteStorage("sqlite:///tmp/ccqa-doctest-limits.sqlite")  # doctest: +SKIP
>>> MovingWindowRateLimiter(store).hit(RateLimitItemPerMinute(60), "203.0.113.9")  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from limits.storage import MovingWindowSupport, Storage

SWEEP_EVERY_S = 60.0  # how often one process deletes every client's expired rows
BUSY_TIMEOUT_MS = 2000  # how long a count waits for another process's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_by_expiry ON hits (expires);
"""


class SQLiteStorage(Storage, MovingWindowSupport):
    """Moving-window counts in the SQLite file of ``sqlite:///absolute/path``; a connection per
    thread and process (never one carried across a fork). Not in ``limits``' registry of URI
    schemes: ``ccqa.api.ratelimit.storage_for`` makes it."""

    def __init__(self, uri: str, wrap_exceptions: bool = False, clock: Callable[[], float] = time.time,
                 **options: float | str | bool) -> None:
        path = urllib.parse.unquote(urllib.parse.urlparse(uri).path)
        if not path:
            raise ValueError(f"{uri!r} names no file; use sqlite:///absolute/path")
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        self._swept = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        setup = self._connect()  # closed at once: the process that makes the store may fork
        try:
            setup.executescript(_SCHEMA)
        finally:
            setup.close()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        return connection

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (in a forked worker: its own)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection, local.pid = self._connect(), os.getpid()
        connection: sqlite3.Connection = local.connection
        return connection

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count ``amount`` requests for ``key`` if the window of ``expiry`` seconds has room."""
        if amount > limit:
            return False
        now = self._clock()
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM hits WHERE key = ? AND at < ?", (key, now - expiry))
            (count,) = db.execute("SELECT count(*) FROM hits WHERE key = ?", (key,)).fetchone()
            allowed = count + amount <= limit
            if allowed:
                db.executemany("INSERT INTO hits VALUES (?, ?, ?)", [(key, now, now + expiry)] * amount)
            if now - self._swept > SWEEP_EVERY_S:
                db.execute("DELETE FROM hits WHERE expires < ?", (now,))
                self._swept = now
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return allowed

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(the oldest counted request in the window, how many there are); (now, 0) if none."""
        now = self._clock()
        oldest, count = self._connection().execute(
            "SELECT min(at), count(*) FROM hits WHERE key = ? AND at >= ?", (key, now - expiry)).fetchone()
        return (float(oldest), int(count)) if count else (now, 0)

    def check(self) -> bool:
        self._connection().execute("SELECT 1").fetchone()
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM hits WHERE key = ?", (key,))

    # The fixed and sliding windows count differently; ccqa uses the moving window only.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("SQLiteStorage keeps moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("SQLiteStorage keeps moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("SQLiteStorage keeps moving windows only")
