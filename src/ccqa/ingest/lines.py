"""Lines of a document's text as the structure reader sees them: stripped, with offsets, and
what a line's shape says (does it end a sentence, is it short, how wide the text is wrapped)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ccqa.data import Span

FINAL = tuple(".!?。！？…；;\"'”’」』")  # a line ending so ends a sentence (or a quotation)
_NOT_FINAL = (" Ltd.", " Inc.", " Co.", " Corp.", " Bhd.", " LLC.")
MAX_HEADING_CHARS = 90  # a longer line without final punctuation is prose cut short, not a heading
MAX_CJK_HEADING_CHARS = 40
_CJK = re.compile(r"[\u3400-\u9fff]")
_ALIGNED_SPLIT = re.compile(r"\S+(?: \S+)*")  # cells: runs of words set apart by two or more spaces


@dataclass
class Line:
    start: int
    end: int
    text: str  # stripped
    indent: int


def read_lines(text: str) -> list[Line | None]:
    """Each line stripped, with its offsets; None for a blank line."""
    out: list[Line | None] = []
    position = 0
    for raw in text.split("\n"):
        body = raw.rstrip("\r")
        stripped = body.strip()
        if stripped:
            start = position + (len(body) - len(body.lstrip()))
            out.append(Line(start, start + len(stripped), stripped, len(body) - len(body.lstrip())))
        else:
            out.append(None)
        position += len(raw) + 1
    return out


def ends_sentence(text: str) -> bool:
    """Does the line end a sentence? Not when it ends with a company suffix ("Co., Ltd.")."""
    return text.endswith(FINAL) and not text.endswith(_NOT_FINAL)


def is_short(text: str) -> bool:
    return len(text) <= (MAX_CJK_HEADING_CHARS if _CJK.search(text) else MAX_HEADING_CHARS)


def wrap_width(lines: Sequence[Line | None]) -> int | None:
    """The width a hard-wrapped text is wrapped at, or None when lines are paragraphs."""
    lengths = sorted(len(line.text) for line in lines
                     if line is not None and "|" not in line.text and len(aligned_cells(line)) < 3)
    if len(lengths) < 6:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    near = sum(1 for n in lengths if 0.75 * width <= n <= width)
    return width if 40 <= width <= 110 and near >= 0.25 * len(lengths) else None




def aligned_cells(line: Line) -> tuple[Span, ...]:
    """Cells of a line whose columns are set apart by two or more spaces (or a tab)."""
    if "  " not in line.text and "\t" not in line.text:
        return ()
    return tuple(Span(line.start + m.start(), line.start + m.end()) for m in _ALIGNED_SPLIT.finditer(line.text))
