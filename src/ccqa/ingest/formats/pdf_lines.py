"""A PDF page's characters as the lines a reader sees, in reading order: characters grouped into
lines by their baseline, a line cut where a wide gap opens (a column gutter, a table's columns),
two-column pages read column by column, and running headers, footers and page numbers found.

Geometry comes from pdfplumber's characters (pdfminer): each has its box, font size and name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\U00020000-\U0003134f]")
GAP_EMS = 1.6  # a horizontal gap this many ems wide cuts a line in two (gutter, aligned columns)
SPACE_EMS = 0.18  # a gap this wide between two letters is a space the PDF did not draw
EDGE_ZONE = 0.1  # running headers and footers sit within this share of the page's height
_PAGE_NUMBER = re.compile(r"^(?:(?:page|p\.)\s*\d+(?:\s*(?:/|of)\s*\d+)?|[-–—]?\s*\d{1,4}\s*[-–—]?|\d+\s*/\s*\d+|"
                          r"第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?|\d+\s*of\s*\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One printed line (or one piece of it, where a wide gap cut it) of one page."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    first_word: float = 0.0  # width of its first word: would it have fitted on the line above?
    pieces: int = 1  # how many pieces the printed line was cut into (aligned columns: 2 or more)
    column: tuple[float, float] = (0.0, 0.0)  # left and right edge of the column it stands in


def page_lines(chars: Sequence[dict[str, Any]], page: int,
               skip: Sequence[tuple[float, float, float, float]] = ()) -> list[Line]:
    """The page's lines, top to bottom; characters inside a ``skip`` box (a table) left out."""
    kept = [c for c in chars if c.get("upright", True) and c["text"].strip() != "" or c["text"] == " "]
    kept = [c for c in kept if not any(x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
                                       for x0, top, x1, bottom in skip)]
    rows: list[list[dict[str, Any]]] = []
    for char in sorted(kept, key=lambda c: (round(c["bottom"]), c["x0"])):
        if rows and abs(rows[-1][0]["bottom"] - char["bottom"]) <= 0.4 * max(char["size"], 1.0):
            rows[-1].append(char)
        else:
            rows.append([char])
    return [line for row in rows for line in _pieces(sorted(row, key=lambda c: c["x0"]), page)]


def _pieces(row: list[dict[str, Any]], page: int) -> list[Line]:
    """The row cut where a wide gap opens: empty space, or a run of drawn spaces (monospace)."""
    groups: list[list[dict[str, Any]]] = [[]]
    visible: dict[str, Any] | None = None  # the last character that is not a space
    for char in row:
        if char["text"] != " ":
            if visible is not None and char["x0"] - visible["x1"] > GAP_EMS * max(char["size"], 1.0):
                groups.append([])
            visible = char
        groups[-1].append(char)
    lines = [line for group in groups if (line := _line_of(group, page)) is not None]
    return [Line(**{**line.__dict__, "pieces": len(lines)}) for line in lines]


def _line_of(chars: list[dict[str, Any]], page: int) -> Line | None:
    text, previous = "", None
    for char in chars:
        if previous is not None and char["text"] != " " and previous["text"] != " ":
            gap = char["x0"] - previous["x1"]
            if gap > SPACE_EMS * char["size"] and not (CJK.match(char["text"]) or CJK.match(previous["text"])):
                text += " "
        text += char["text"]
        previous = char
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    sizes = Counter(round(c["size"], 1) for c in chars if c["text"].strip())
    fonts = Counter(str(c.get("fontname", "")) for c in chars if c["text"].strip())
    font = fonts.most_common(1)[0][0] if fonts else ""
    return Line(text, chars[0]["x0"], chars[-1]["x1"], min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                sizes.most_common(1)[0][0] if sizes else 0.0, bool(re.search(r"bold|heavy|black|semibold", font, re.IGNORECASE)),
                page, _first_word_width(chars))


def _first_word_width(chars: list[dict[str, Any]]) -> float:
    """How wide the line's first word is (a CJK line's first character)."""
    end = chars[0]["x1"]
    for char in chars:
        if char["text"] == " " or char is not chars[0] and char["x0"] - end > SPACE_EMS * char["size"]:
            break
        end = char["x1"]
        if CJK.match(char["text"]):
            break
    return end - chars[0]["x0"]


def in_reading_order(lines: list[Line], width: float) -> list[Line]:
    """Two columns read left then right (full-width lines cut the page into bands); one column
    top to bottom. Each line learns its column's edges and how many pieces its row has there."""
    ordered = _ordered(lines, width)
    return [Line(**{**line.__dict__, "pieces": sum(1 for other in ordered if other.column == line.column
                                                    and abs(other.top - line.top) < 0.5 * line.size)})
            for line in ordered]


def _ordered(lines: list[Line], width: float) -> list[Line]:
    gutter = _gutter(lines, width)
    if gutter is None:
        edges = _edges(lines)
        return [Line(**{**line.__dict__, "column": edges}) for line in sorted(lines, key=lambda x: (x.top, x.x0))]
    left = [x for x in lines if x.x1 <= gutter]
    right = [x for x in lines if x.x0 >= gutter]
    left_edges, right_edges = _edges(left), _edges(right)
    full = sorted((x for x in lines if x.x0 < gutter < x.x1), key=lambda x: x.top)
    ordered: list[Line] = []
    band_top = float("-inf")
    for stop in [*full, None]:
        band_bottom = stop.top if stop is not None else float("inf")
        for side, edges in ((left, left_edges), (right, right_edges)):
            band = sorted((x for x in side if band_top <= x.top < band_bottom), key=lambda x: (x.top, x.x0))
            ordered += [Line(**{**x.__dict__, "column": edges}) for x in band]
        if stop is not None:
            ordered.append(Line(**{**stop.__dict__, "column": _edges(lines)}))
            band_top = stop.top
    return ordered


def _edges(lines: Sequence[Line]) -> tuple[float, float]:
    """A column's left and right edge, from its lines in the font size most of its text is in
    (a wide table in small print may stand out of the column)."""
    sizes = Counter[float]()
    for line in lines:
        sizes[line.size] += len(line.text)
    if not sizes:
        return 0.0, 0.0
    body = [x for x in lines if x.size == sizes.most_common(1)[0][0]]
    return min(x.x0 for x in body), max(x.x1 for x in body)


def _gutter(lines: list[Line], width: float) -> float | None:
    """The x of a column gutter in the middle of the page: crossed by few lines, with many whole
    lines on each side of it; None on a one-column page."""
    if len(lines) < 8:
        return None
    best: tuple[int, float] | None = None
    for step in range(30, 71):
        x = width * step / 100
        crossing = sum(1 for line in lines if line.x0 < x < line.x1)
        if best is None or crossing < best[0]:
            best = (crossing, x)
    if best is None or best[0] > 0.15 * len(lines):
        return None
    x = best[1]
    left = sorted(line.x1 - line.x0 for line in lines if line.x1 <= x)
    right = sorted(line.x1 - line.x0 for line in lines if line.x0 >= x)
    if len(left) < 4 or len(right) < 4 or min(len(left), len(right)) < 0.2 * len(lines):
        return None
    prose = left[len(left) // 2] >= 0.25 * width and right[len(right) // 2] >= 0.25 * width
    return x if prose else None  # columns of prose, not the columns of a table


def running_lines(pages: Sequence[Sequence[Line]], heights: Sequence[float], body_size: float) -> set[tuple[int, int]]:
    """(page index, line index) of the running headers, footers and page numbers: lines near the
    top or bottom edge that repeat on other pages (digits aside), page numbers there, and
    small print there (a browser's date, title, address and "1/3")."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    edge: list[list[int]] = []
    for lines, height in zip(pages, heights, strict=True):
        edge.append([i for i, line in enumerate(lines)
                     if line.top < EDGE_ZONE * height or line.bottom > (1 - EDGE_ZONE) * height])
    counts = Counter(k for lines, indices in zip(pages, edge, strict=True) for k in {key(lines[i]) for i in indices})
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) // 2)}
    found = set()
    for p, (lines, indices) in enumerate(zip(pages, edge, strict=True)):
        if len(indices) == len(lines):  # a page of edge lines only: its text, not a frame around it
            continue
        for i in indices:
            line = lines[i]
            if key(line) in repeated or _PAGE_NUMBER.match(line.text) or line.size < 0.85 * body_size:
                found.add((p, i))
    return found
