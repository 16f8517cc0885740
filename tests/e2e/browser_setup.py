"""Where the system Chromium is and how to start it: Debian's package, never `playwright install`."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_executable(candidates: Sequence[str] = CHROMIUM_CANDIDATES) -> str:
    """The system Chromium; fails the test (never skips) when it is not installed."""
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail("Chromium is not installed, so the browser tests cannot run. Install it with "
                "`apt-get update && apt-get install -y chromium` (it must be at /usr/bin/chromium "
                "or on PATH); do not use `playwright install`.", pytrace=False)
