"""The dataclasses that flow through the pipeline: Document -> Passage -> Hit -> Answer.

Every type is frozen and has ``to_dict()``/``from_dict()``; the JSON of the CLI, the HTTP
API and the page is exactly ``Answer.to_dict()``, so all three share one shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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
    date: str | None = None
    format: str = "txt"
    pages: tuple[Page, ...] = ()
    lang: str = "en"  # detected from the text at ingest (ccqa.lang.detect_language)

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
            "date": self.date,
            "format": self.format,
            "lang": self.lang,
            "content_hash": self.content_hash,
            "chars": len(self.text),
            "pages": [p.to_dict() for p in self.pages],
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.metadata_dict(), "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(
            doc_id=d["doc_id"],
            path=d["path"],
            title=d["title"],
            text=d["text"],
            source=d.get("source"),
            publisher=d.get("publisher"),
            date=d.get("date"),
            format=d.get("format", "txt"),
            pages=tuple(Page.from_dict(p) for p in d.get("pages", ())),
            lang=d.get("lang", "en"),
        )


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences from one block (paragraph, headline, footer) of a document.

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
        )


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
    """Where a quoted passage comes from, precisely enough to open the document at it."""

    doc_id: str
    title: str
    source: str | None
    passage_id: str
    start: int
    end: int
    page: int | None = None
    publisher: str | None = None

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
        )


@dataclass(frozen=True)
class CitedPassage:
    """A passage as shown to the user: quoted text, score, citation, best sentence."""

    text: str
    score: float
    citation: Citation
    highlight: Span | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": round(self.score, 6),
            "citation": self.citation.to_dict(),
            "highlight": self.highlight.to_dict() if self.highlight else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CitedPassage:
        return cls(
            text=d["text"],
            score=float(d["score"]),
            citation=Citation.from_dict(d["citation"]),
            highlight=Span.from_dict(d["highlight"]) if d.get("highlight") else None,
        )


@dataclass(frozen=True)
class AnswerSentence:
    """The sentence that answers: quoted text, which passage cites it, document offsets."""

    text: str
    citation: int
    doc_id: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citation": self.citation,
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnswerSentence:
        return cls(d["text"], int(d["citation"]), d["doc_id"], int(d["start"]), int(d["end"]))


@dataclass(frozen=True)
class Answer:
    """What ccqa says to a question; ``to_dict()`` is the JSON of the CLI and the API.

    When ``found`` is false, ``answer`` is None and ``passages`` are the closest
    passages, shown as related reading rather than as an answer.
    """

    question: str
    resolved_question: str
    found: bool
    message: str
    answer: AnswerSentence | None
    passages: tuple[CitedPassage, ...]
    mode: str
    confidence: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "found": self.found,
            "message": self.message,
            "answer": self.answer.to_dict() if self.answer else None,
            "confidence": round(self.confidence, 4),
            "mode": self.mode,
            "passages": [p.to_dict() for p in self.passages],
            **self.extra,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        known = {"question", "resolved_question", "found", "message", "answer", "confidence",
                 "mode", "passages"}
        return cls(
            question=d["question"],
            resolved_question=d.get("resolved_question", d["question"]),
            found=bool(d["found"]),
            message=d.get("message", ""),
            answer=AnswerSentence.from_dict(d["answer"]) if d.get("answer") else None,
            passages=tuple(CitedPassage.from_dict(p) for p in d["passages"]),
            mode=d.get("mode", "hybrid"),
            confidence=float(d.get("confidence", 0.0)),
            extra={k: v for k, v in d.items() if k not in known},
        )
