"""Test helpers shared by the server tests: an app served on loopback, polling with a deadline."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask
from werkzeug.serving import make_server


def free_port() -> int:
    """A loopback port free now, for a server process the test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(app: Flask) -> Iterator[int]:
    """Serve ``app`` on a free loopback port in a background thread; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)


def poll(condition: Callable[[], Any], what: str, deadline_s: float = 30.0, every_s: float = 0.02) -> Any:
    """Call ``condition`` every ``every_s`` until it returns something truthy; fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {deadline_s}s waiting for {what}")
