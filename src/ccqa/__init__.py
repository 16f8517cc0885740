"""ccqa: question answering over a small document collection, quoting its sources."""

from __future__ import annotations

__version__ = "0.1.0"
