"""The candidates the reader (``ccqa.answer.reader``) reads: every sentence and table row of the retrieved passages, each
as one text that starts with the words that may be quoted (the sentence, or the row read with
its headers) and ends with what it is read with (headings, a list's lead-in, the sentence
before). Every quotable character keeps its document offset, so a span the reader marks is cut
from the document itself.

Pure logic: hits and documents in, candidates out.

>>> # "Table 2 GDP (100 million yuan) — City: Chengdu · 2023: 22074.7 | Statistics › Tables"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ccqa.data import Document, Hit
from ccqa.ingest.context import PATH_SEPARATOR, heading_path, is_empty_cell, lead_in, table_view

CONTEXT_SEPARATOR = " | "
MAX_CANDIDATES = 24  # ~6 passages of ~4 sentences; the reader reads each once (~6 ms a pair)
MAX_CONTEXT_CHARS = 240


@dataclass(frozen=True)
class Piece:
    """Characters ``[start, end)`` of a candidate's text are the document's from ``doc_start``."""

    start: int
    end: int
    doc_start: int


@dataclass(frozen=True)
class ReaderCandidate:
    """One sentence (or table row) of one hit, as the reader reads it.

    ``text[:quotable]`` may hold the answer; ``pieces`` map those characters to the document;
    ``cells`` are a table row's cell pieces (empty for prose)."""

    hit_index: int
    sentence: int
    text: str
    quotable: int
    pieces: tuple[Piece, ...]
    cells: tuple[Piece, ...] = ()

    def document_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Document offsets of ``text[start:end]``, or None when it leaves the quotable part or
        crosses from one cell to another."""
        for piece in self.pieces:
            if piece.start <= start and end <= piece.end and start < end:
                return piece.doc_start + start - piece.start, piece.doc_start + end - piece.start
        return None


def candidates_for(hits: Sequence[Hit], documents: Mapping[str, Document],
                   limit: int = MAX_CANDIDATES) -> list[ReaderCandidate]:
    """The sentences and rows of ``hits`` in rank order, at most ``limit``, one per distinct text."""
    out: list[ReaderCandidate] = []
    seen: set[str] = set()
    for hit_index, hit in enumerate(hits):
        document = documents[hit.passage.doc_id]
        for candidate in of_hit(hit_index, hit, document):
            if candidate.text in seen:
                continue
            seen.add(candidate.text)
            out.append(candidate)
            if len(out) >= limit:
                return out
    return out


def of_hit(hit_index: int, hit: Hit, document: Document) -> list[ReaderCandidate]:
    """Every sentence of the hit (or its table row) as the reader reads it."""
    passage = hit.passage
    path = PATH_SEPARATOR.join(heading_path(document, passage.unit))
    row = _table_row(hit_index, hit, document, path)
    if row is not None:
        return [row]
    introduced = lead_in(document, passage.unit) or ""
    texts = passage.sentence_texts()
    out = []
    for index, (span, text) in enumerate(zip(passage.sentences, texts)):
        before = texts[index - 1] if index else ""
        context = " ".join(x for x in (path, introduced, before) if x)[-MAX_CONTEXT_CHARS:]
        full = text + (CONTEXT_SEPARATOR + context if context else "")
        out.append(ReaderCandidate(hit_index, index, full, len(text), (Piece(0, len(text), span.start),)))
    return out


def _table_row(hit_index: int, hit: Hit, document: Document, path: str) -> ReaderCandidate | None:
    """A row read as "Header: cell · Header: cell" with the caption after it; each cell a piece."""
    passage = hit.passage
    view = table_view(document, passage.unit)
    if view is None or passage.unit is None:
        return None
    unit = document.structure.units[passage.unit]
    parts: list[str] = []
    cells: list[Piece] = []
    at = 0
    for column, span in enumerate(unit.cells):
        raw = document.text[span.start:span.end]
        value = raw.strip()
        if not value or is_empty_cell(value):
            continue
        header = view.header[column] if column < len(view.header) else ""
        prefix = ("" if not parts else " · ") + (f"{header}: " if header else "")
        at += len(prefix)
        lead = len(raw) - len(raw.lstrip())
        cells.append(Piece(at, at + len(value), span.start + lead))
        parts.append(prefix + value)
        at += len(value)
    if not cells:
        return None
    quoted = "".join(parts)
    title = " ".join(x for x in (view.caption, f"({view.unit_note})" if view.unit_note else None, path) if x)
    full = quoted + (CONTEXT_SEPARATOR + title[:MAX_CONTEXT_CHARS] if title else "")
    return ReaderCandidate(hit_index, 0, full, len(quoted), tuple(cells), tuple(cells))
