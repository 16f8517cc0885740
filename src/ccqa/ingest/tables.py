"""Tables in a document's text: Markdown pipe tables and aligned-column tables, cell by cell with
exact offsets, each with the caption ("Table 2. ...", "表1 ...") and unit line above it."""

from __future__ import annotations

import re
from dataclasses import replace

from ccqa.data import Span
from ccqa.data.documents import Table, Unit
from ccqa.ingest.lines import Line, aligned_cells, ends_sentence

_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)+\|?\s*$")
CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.|表|附表)\s*[0-9一二三四五六七八九十]+", re.IGNORECASE)
UNIT_NOTE = re.compile(r"^(?:Unit|Units|单位|單位|计量单位)\s*[:：]", re.IGNORECASE)
MAX_CAPTION_CHARS = 160


def is_caption(text: str) -> bool:
    """"Table 2. Freight by year" or "Unit: 10,000 tonnes" (not a sentence that mentions a table)."""
    if len(text) > MAX_CAPTION_CHARS:
        return False
    return bool(CAPTION.match(text)) and not ends_sentence(text) or bool(UNIT_NOTE.match(text))


def table_at(lines: list[Line | None], i: int) -> tuple[int, list[Unit]] | None:
    """A Markdown pipe table or an aligned-column table starting at line ``i``: how many lines
    it takes and its header and row units (cells with exact offsets). ``table`` numbers are
    filled in by ``structure_of``'s caller through ``_number_tables``."""
    line = lines[i]
    assert line is not None
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if "|" in line.text and nxt is not None and _PIPE_RULE.match(nxt.text):
        units = [Unit("table_header", line.start, line.end, cells=_pipe_cells(line))]
        j = i + 2
        while j < len(lines) and (row := lines[j]) is not None and "|" in row.text and _PIPE_ROW.match(row.text):
            units.append(Unit("table_row", row.start, row.end, cells=_pipe_cells(row)))
            j += 1
        return j - i, units
    columns = aligned_cells(line)
    if len(columns) < 2:
        return None
    rows = []
    j = i + 1
    while j < len(lines) and (row := lines[j]) is not None:
        cells = aligned_cells(row)
        if len(cells) != len(columns) or not re.search(r"[\d—–-]", row.text):
            break
        rows.append(Unit("table_row", row.start, row.end, cells=cells))
        j += 1
    if len(rows) < 1:
        return None
    return j - i, [Unit("table_header", line.start, line.end, cells=columns), *rows]


def _pipe_cells(line: Line) -> tuple[Span, ...]:
    cells, text = [], line.text
    inner_start = 1 if text.startswith("|") else 0
    inner_end = len(text) - 1 if text.endswith("|") and len(text) > 1 else len(text)
    position = inner_start
    for piece in text[inner_start:inner_end].split("|"):
        left = len(piece) - len(piece.lstrip())
        cells.append(Span(line.start + position + left, line.start + position + len(piece.rstrip())))
        position += len(piece) + 1
    return tuple(c if c.end > c.start else Span(c.start, c.start) for c in cells)


def number_tables(text: str, units: list[Unit]) -> tuple[list[Unit], list[Table]]:
    """Give each table's header and rows its table number, with the caption and unit line
    written just above it (or just below, as some releases do)."""
    tables: list[Table] = []
    out: list[Unit] = []
    for index, unit in enumerate(units):
        if unit.kind == "table_header":
            above = out[-3:]
            captions = [u for u in above if u.kind == "caption"]
            note = next((u for u in captions if UNIT_NOTE.match(text[u.start:u.end])), None)
            caption = next((u for u in reversed(captions) if u is not note), None) or next(
                (u for u in reversed(above) if u.kind == "heading" and CAPTION.match(text[u.start:u.end].lstrip("# "))),
                None)
            if note is None and index + 1 < len(units):
                after = [u for u in units[index + 1:index + 12] if u.kind != "table_row"][:1]
                note = next((u for u in after if u.kind == "caption" and UNIT_NOTE.match(text[u.start:u.end])), None)
            tables.append(Table(Span(caption.start, caption.end) if caption else None,
                                Span(note.start, note.end) if note else None, unit.cells))
        if unit.kind in ("table_header", "table_row"):
            unit = replace(unit, table=len(tables) - 1)
        out.append(unit)
    return out, tables
