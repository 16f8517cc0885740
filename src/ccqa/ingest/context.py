"""What a passage is read with: the headings above it, a list item's lead-in, a table row's
caption, unit and column headers. Used to embed and index passages and to score sentences;
never quoted as an answer. Pure functions of a document and a passage.

>>> # a row of "Table 2. Freight by year" reads "Table 2. Freight by year — Year: 2019 · Chengdu: 1,580"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ccqa.data import Document, Passage
from ccqa.data.documents import Unit

PATH_SEPARATOR = " › "
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+|\s+#+\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•·●▪◦]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s*|（\d{1,2}）|\d{1,2}、|[a-z][.)]\s+)")
_EMPTY_CELL = re.compile(r"^[\s—–\-/.…]*$|^(?:n/?a|none|null|x)$", re.IGNORECASE)


@dataclass(frozen=True)
class TableView:
    """A table row as a reader sees it: caption, unit line, the header cells and the row's cells."""

    caption: str | None
    unit_note: str | None
    header: tuple[str, ...]
    cells: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"caption": self.caption, "unit": self.unit_note, "header": list(self.header),
                "cells": list(self.cells)}


def unit_text(document: Document, unit: Unit) -> str:
    """A unit's text without Markdown heading marks or a list item's bullet."""
    text = document.text[unit.start:unit.end]
    if unit.kind in ("heading", "title"):
        text = _MARKDOWN_HEADING.sub("", text)
    elif unit.kind == "list_item":
        text = _LIST_MARKER.sub("", text)
    return " ".join(text.split())


def heading_path(document: Document, unit_index: int | None) -> list[str]:
    """The headings a unit sits under, outermost first (the document's title lines not included:
    the title is shown beside every citation anyway)."""
    units = document.structure.units
    path: list[str] = []
    index = units[unit_index].parent if unit_index is not None and unit_index < len(units) else None
    while index is not None:
        unit = units[index]
        if unit.kind == "heading":
            path.append(unit_text(document, unit))
        index = unit.parent
    return path[::-1]


def is_empty_cell(text: str) -> bool:
    """"—", "-", "n/a", "" and the like: no value, never an answer."""
    return bool(_EMPTY_CELL.match(text))


def table_view(document: Document, unit_index: int | None) -> TableView | None:
    """The table a row belongs to, as a reader sees that row; None for a unit that is no table row."""
    units, tables = document.structure.units, document.structure.tables
    if unit_index is None or unit_index >= len(units):
        return None
    unit = units[unit_index]
    if unit.kind != "table_row" or unit.table is None or unit.table >= len(tables):
        return None
    table = tables[unit.table]
    text = document.text

    def clean(start: int, end: int) -> str:
        return " ".join(text[start:end].split())

    return TableView(
        caption=_MARKDOWN_HEADING.sub("", clean(table.caption.start, table.caption.end)) if table.caption else None,
        unit_note=clean(table.unit_note.start, table.unit_note.end) if table.unit_note else None,
        header=tuple(clean(c.start, c.end) for c in table.header),
        cells=tuple(clean(c.start, c.end) for c in unit.cells),
    )


def row_reading(view: TableView) -> str:
    """A table row read with its table: "Table 2. Freight (Unit: 10,000 tonnes) — Year: 2019 · Chengdu: 1,580"."""
    pairs = [f"{h}: {c}" if h else c for h, c in zip(_padded(view.header, len(view.cells)), view.cells) if c]
    title = " ".join(x for x in (view.caption, f"({view.unit_note})" if view.unit_note else None) if x)
    return (f"{title} — " if title else "") + " · ".join(pairs)


def _padded(header: tuple[str, ...], n: int) -> tuple[str, ...]:
    return tuple(header[:n]) + ("",) * max(0, n - len(header))


def lead_in(document: Document, unit_index: int | None) -> str | None:
    """The paragraph introducing a list item ("Key figures:"), or None."""
    units = document.structure.units
    if unit_index is None or unit_index >= len(units) or units[unit_index].lead_in is None:
        return None
    return unit_text(document, units[units[unit_index].lead_in])  # type: ignore[index]


def sentence_contexts(document: Document, passage: Passage) -> list[str]:
    """What each sentence of ``passage`` is read with when scored: a table row its table, a
    list item its lead-in, a paragraph's sentence nothing more."""
    view = table_view(document, passage.unit)
    if view is not None:
        return [row_reading(view)] * len(passage.sentences)
    introduced = lead_in(document, passage.unit)
    return [introduced or ""] * len(passage.sentences)


def sentence_search_texts(document: Document, passage: Passage) -> list[str]:
    """Each sentence as it is embedded: a table row as its reading, a list item after its lead-in."""
    view = table_view(document, passage.unit)
    if view is not None:
        return [row_reading(view)] * len(passage.sentences)
    introduced = lead_in(document, passage.unit)
    texts = passage.sentence_texts()
    return [f"{introduced} {t}" for t in texts] if introduced else texts


def passage_search_text(document: Document, passage: Passage) -> str:
    """The passage as it is embedded and indexed: its heading path, then its own text read as above."""
    path = heading_path(document, passage.unit)
    view = table_view(document, passage.unit)
    if view is not None:
        body = row_reading(view)
    else:
        introduced = lead_in(document, passage.unit)
        body = f"{introduced} {passage.text}" if introduced else passage.text
    return PATH_SEPARATOR.join(path) + "\n" + body if path else body
