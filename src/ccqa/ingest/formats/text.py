"""Plain text files, exactly as decoded."""

from __future__ import annotations

from ccqa.ingest.formats.common import Extracted, decode_text, first_line_title


def read_text(data: bytes) -> Extracted:
    """Plain text, exactly as decoded; the title is a short first line."""
    text = decode_text(data)
    return Extracted(text, first_line_title(text))
