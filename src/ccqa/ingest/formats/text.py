"""Plain text files, exactly as decoded."""

from __future__ import annotations

from ccqa.ingest.formats.common import Extracted, decode_text, first_line_title
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_text_size


def read_text(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """Plain text, exactly as decoded; the title is a short first line."""
    text = decode_text(data)
    check_text_size(text, limits)
    return Extracted(text, first_line_title(text))
