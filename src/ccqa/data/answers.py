"""What search and the answer stage give: hits, citations, quoted passages, the ``Answer``.

The JSON of the CLI, the HTTP API and the page is exactly ``Answer.to_dict()``, so all three
share one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ccqa.data.documents import Passage, Span


@dataclass(frozen=True)
class Hit:
    """A passage found for a query, with its fused score and the per-retriever scores.

    ``row`` is the passage's row in the index it came from (where its sentence vectors are)."""

    passage: Passage
    score: float
    dense_score: float
    lexical_score: float
    row: int


@dataclass(frozen=True)
class Citation:
    """Where a quoted passage comes from, precisely enough to open the document at it:
    the document, the passage's offsets, its page and the headings it sits under."""

    doc_id: str
    title: str
    source: str | None
    passage_id: str
    start: int
    end: int
    page: int | None = None
    publisher: str | None = None
    section: str | None = None  # "Statistics brief › 3. Port throughput"
    date: str | None = None  # the document's date (ISO)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "publisher": self.publisher,
            "passage_id": self.passage_id,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "section": self.section,
            "date": self.date,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        return cls(
            doc_id=d["doc_id"],
            title=d["title"],
            source=d.get("source"),
            passage_id=d["passage_id"],
            start=int(d["start"]),
            end=int(d["end"]),
            page=d.get("page"),
            publisher=d.get("publisher"),
            section=d.get("section"),
            date=d.get("date"),
        )


@dataclass(frozen=True)
class TableRow:
    """A table row as shown: the table's caption and unit line, its header and this row's cells."""

    caption: str | None
    unit: str | None
    header: tuple[str, ...]
    cells: tuple[str, ...]
    answer_cell: int | None = None  # the cell that is the exact answer, if one is

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.caption, "unit": self.unit, "header": list(self.header),
                "cells": list(self.cells), "answer_cell": self.answer_cell}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableRow:
        return cls(d.get("caption"), d.get("unit"), tuple(d.get("header", ())), tuple(d.get("cells", ())),
                   d.get("answer_cell"))


@dataclass(frozen=True)
class CitedPassage:
    """A passage as shown to the user: quoted text, score, citation, best sentence, the table
    row it is (if it is one), its language, and where else the same text was published."""

    text: str
    score: float
    citation: Citation
    highlight: Span | None
    table: TableRow | None = None
    lang: str = "en"
    also_in: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": round(self.score, 6),
            "citation": self.citation.to_dict(),
            "highlight": self.highlight.to_dict() if self.highlight else None,
            "table": self.table.to_dict() if self.table else None,
            "lang": self.lang,
            "also_in": [c.to_dict() for c in self.also_in],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CitedPassage:
        return cls(
            text=d["text"],
            score=float(d["score"]),
            citation=Citation.from_dict(d["citation"]),
            highlight=Span.from_dict(d["highlight"]) if d.get("highlight") else None,
            table=TableRow.from_dict(d["table"]) if d.get("table") else None,
            lang=d.get("lang", "en"),
            also_in=tuple(Citation.from_dict(c) for c in d.get("also_in", ())),
        )


@dataclass(frozen=True)
class AnswerSpan:
    """The exact answer inside the quoted sentence (a figure, a date, a name), with document offsets."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnswerSpan:
        return cls(int(d["start"]), int(d["end"]), d["text"])


@dataclass(frozen=True)
class AnswerSentence:
    """The sentence that answers: quoted text, which passage cites it, document offsets, the
    exact answer inside it, the year it is about, its language, and its table row if it is one."""

    text: str
    citation: int
    doc_id: str
    start: int
    end: int
    span: AnswerSpan | None = None
    year: str | None = None
    lang: str = "en"
    table: TableRow | None = None
    year_reported: bool = False  # ``year`` is only the document's date: shown as "reported in 2022"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citation": self.citation,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "span": self.span.to_dict() if self.span else None,
            "year": self.year,
            "lang": self.lang,
            "table": self.table.to_dict() if self.table else None,
            "year_reported": self.year_reported,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnswerSentence:
        return cls(d["text"], int(d["citation"]), d["doc_id"], int(d["start"]), int(d["end"]),
                   AnswerSpan.from_dict(d["span"]) if d.get("span") else None, d.get("year"), d.get("lang", "en"),
                   TableRow.from_dict(d["table"]) if d.get("table") else None, bool(d.get("year_reported", False)))


@dataclass(frozen=True)
class Alternative:
    """An earlier figure for the same question: its year and its quoted sentence (and span)."""

    year: str
    sentence: AnswerSentence

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, **self.sentence.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alternative:
        return cls(d["year"], AnswerSentence.from_dict(d))


@dataclass(frozen=True)
class Answer:
    """What ccqa says to a question; ``to_dict()`` is the JSON of the CLI and the API.

    When ``found`` is false, ``answer`` is None and ``passages`` are the closest
    passages, shown as related reading rather than as an answer. ``alternatives`` are the
    figures other documents give for other years (most recent first).
    """

    question: str
    resolved_question: str
    found: bool
    message: str
    answer: AnswerSentence | None
    passages: tuple[CitedPassage, ...]
    mode: str
    confidence: float = 0.0
    alternatives: tuple[Alternative, ...] = ()
    lang: str = "en"  # the question's language
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "found": self.found,
            "message": self.message,
            "answer": self.answer.to_dict() if self.answer else None,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "confidence": round(self.confidence, 4),
            "mode": self.mode,
            "lang": self.lang,
            "passages": [p.to_dict() for p in self.passages],
            **self.extra,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        known = {"question", "resolved_question", "found", "message", "answer", "confidence",
                 "mode", "passages", "alternatives", "lang"}
        return cls(
            question=d["question"],
            resolved_question=d.get("resolved_question", d["question"]),
            found=bool(d["found"]),
            message=d.get("message", ""),
            answer=AnswerSentence.from_dict(d["answer"]) if d.get("answer") else None,
            passages=tuple(CitedPassage.from_dict(p) for p in d["passages"]),
            mode=d.get("mode", "hybrid"),
            confidence=float(d.get("confidence", 0.0)),
            alternatives=tuple(Alternative.from_dict(a) for a in d.get("alternatives", ())),
            lang=d.get("lang", "en"),
            extra={k: v for k, v in d.items() if k not in known},
        )
