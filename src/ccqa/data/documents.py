"""What ingest makes and the index keeps: documents, their pages, and the passages cut from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


def sha256_hex(data: bytes | str) -> str:
    """Hex sha256 of bytes or of a string's UTF-8 encoding."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` in a document's text."""

    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Span:
        return cls(int(d["start"]), int(d["end"]))


@dataclass(frozen=True)
class Page:
    """Where one page of a paged source (PDF) lies in the document's text."""

    number: int
    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"number": self.number, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Page:
        return cls(int(d["number"]), int(d["start"]), int(d["end"]))


# What a unit of a document is; only the body kinds become sentences that can answer.
CONTEXT_KINDS = ("title", "dateline", "heading", "caption", "table_header")
BODY_KINDS = ("paragraph", "list_item", "table_row", "line")


@dataclass(frozen=True)
class Unit:
    """One structural piece of a document's text, as its author laid it out.

    ``parent`` is the heading the unit sits under (an index into ``Structure.units``);
    ``lead_in`` the paragraph that introduces a list item; ``table`` the table a caption,
    header or row belongs to, with ``cells`` the row's cells (empty cells have empty spans).
    """

    kind: str  # one of CONTEXT_KINDS or BODY_KINDS
    start: int
    end: int
    level: int = 0  # a heading's depth (1: top) or a list item's nesting
    parent: int | None = None
    lead_in: int | None = None
    table: int | None = None
    cells: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "level": self.level,
                "parent": self.parent, "lead_in": self.lead_in, "table": self.table,
                "cells": [c.to_dict() for c in self.cells]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Unit:
        return cls(d["kind"], int(d["start"]), int(d["end"]), int(d.get("level", 0)), d.get("parent"),
                   d.get("lead_in"), d.get("table"), tuple(Span.from_dict(c) for c in d.get("cells", ())))


@dataclass(frozen=True)
class Table:
    """A table's caption ("Table 2. Freight by year"), unit line ("Unit: 10,000 tonnes"), header cells."""

    caption: Span | None
    unit_note: Span | None
    header: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.caption.to_dict() if self.caption else None,
                "unit_note": self.unit_note.to_dict() if self.unit_note else None,
                "header": [c.to_dict() for c in self.header]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Table:
        return cls(Span.from_dict(d["caption"]) if d.get("caption") else None,
                   Span.from_dict(d["unit_note"]) if d.get("unit_note") else None,
                   tuple(Span.from_dict(c) for c in d["header"]))


@dataclass(frozen=True)
class Structure:
    """A document as its author structured it, read once at ingest (``ccqa.ingest.structure``):
    its units in text order, its tables, and the date it states in its first lines (ISO)."""

    units: tuple[Unit, ...] = ()
    tables: tuple[Table, ...] = ()
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"units": [u.to_dict() for u in self.units], "tables": [t.to_dict() for t in self.tables],
                "date": self.date}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Structure:
        return cls(tuple(Unit.from_dict(u) for u in d.get("units", ())),
                   tuple(Table.from_dict(x) for x in d.get("tables", ())), d.get("date"))


@dataclass(frozen=True)
class Document:
    """One source document as text, with its metadata.

    >>> doc = Document(doc_id="a", path="a.txt", title="A", text="Hello.")
    >>> doc.content_hash == sha256_hex("Hello.")
    True
    """

    doc_id: str
    path: str
    title: str
    text: str
    source: str | None = None
    publisher: str | None = None
    date: str | None = None  # the catalog's; ``stated_date`` and metadata give the text's first
    format: str = "txt"
    pages: tuple[Page, ...] = ()
    lang: str = "en"  # detected from the text at ingest (ccqa.lang.detect_language)
    structure: Structure = Structure()

    @property
    def stated_date(self) -> str | None:
        """The date the document gives in its first lines, else its catalog date."""
        return self.structure.date or self.date

    @property
    def shown_date(self) -> str | None:
        """The date shown for the document: the catalog's when a maintainer gave one, else its own."""
        return self.date or self.structure.date

    @property
    def content_hash(self) -> str:
        return sha256_hex(self.text)

    def page_at(self, offset: int) -> int | None:
        """The page number holding ``offset``, or None for unpaged documents."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None

    def metadata_dict(self) -> dict[str, Any]:
        """Everything but the text: what a document list shows."""
        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "source": self.source,
            "publisher": self.publisher,
            "date": self.shown_date,
            "format": self.format,
            "lang": self.lang,
            "content_hash": self.content_hash,
            "chars": len(self.text),
            "pages": [p.to_dict() for p in self.pages],
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything: the metadata, the catalog's own date, the text and its structure."""
        return {**self.metadata_dict(), "catalog_date": self.date, "text": self.text,
                "structure": self.structure.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(
            doc_id=d["doc_id"],
            path=d["path"],
            title=d["title"],
            text=d["text"],
            source=d.get("source"),
            publisher=d.get("publisher"),
            date=d["catalog_date"] if "catalog_date" in d else d.get("date"),
            format=d.get("format", "txt"),
            pages=tuple(Page.from_dict(p) for p in d.get("pages", ())),
            lang=d.get("lang", "en"),
            structure=Structure.from_dict(d["structure"]) if d.get("structure") else Structure(),
        )


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences from one block (paragraph, list, table row, footer) of a document.

    ``text == document.text[start:end]`` always holds; ``sentences`` are absolute spans
    inside ``[start, end)``; ``block`` numbers the block so overlapping windows of one
    paragraph can be told apart from different paragraphs.
    """

    passage_id: str
    doc_id: str
    start: int
    end: int
    text: str
    block: int
    sentences: tuple[Span, ...]
    page: int | None = None
    lang: str = "en"
    unit: int | None = None  # the first unit of its block in the document's structure

    @property
    def text_hash(self) -> str:
        return sha256_hex(self.text)

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start - self.start : s.end - self.start] for s in self.sentences]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "block": self.block,
            "sentences": [[s.start, s.end] for s in self.sentences],
            "page": self.page,
            "lang": self.lang,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        return cls(
            passage_id=d["passage_id"],
            doc_id=d["doc_id"],
            start=int(d["start"]),
            end=int(d["end"]),
            text=d["text"],
            block=int(d["block"]),
            sentences=tuple(Span(int(a), int(b)) for a, b in d["sentences"]),
            page=d.get("page"),
            lang=d.get("lang", "en"),
            unit=d.get("unit"),
        )
