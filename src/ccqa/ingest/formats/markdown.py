"""Markdown, kept as written so that offsets index into it."""

from __future__ import annotations

import re

from ccqa.ingest.formats.common import Extracted, decode_text
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_text_size

_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def read_markdown(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """Markdown kept as written (offsets index into it); the title is the first ``# `` heading."""
    text = decode_text(data)
    check_text_size(text, limits)
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _ATX_H1.match(line)):
            return Extracted(text, match.group(1).strip())
    return Extracted(text, None)
