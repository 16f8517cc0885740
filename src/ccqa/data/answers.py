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
