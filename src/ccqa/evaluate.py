"""Metrics over a question file (format: eval/README.md): retrieval, sentence, no-answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccqa.data import Answer
from ccqa.errors import CcqaError


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    answers: tuple[str, ...]
    unanswerable: bool
    history: tuple[str, ...] = ()


def read_questions(path: Path) -> list[EvalQuestion]:
    """Parse a JSONL question file, naming the line of any malformed entry."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CcqaError(f"cannot read {path}: {exc.strerror}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(EvalQuestion(
                q=str(row["q"]),
                answers=tuple(str(a) for a in row.get("answers", [])),
                unanswerable=bool(row.get("unanswerable", False)),
                history=tuple(str(h) for h in row.get("history", [])),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise CcqaError(f"{path}:{number}: not a question line ({exc})") from None
    return questions


@dataclass
class EvalReport:
    """Counts and rates; ``to_dict`` has the keys the issue tracker and CI read."""

    n: int = 0
    answerable: int = 0
    unanswerable: int = 0
    hits: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 5: 0})
    reciprocal_rank_sum: float = 0.0
    sentence_right: int = 0
    said_not_found_unanswerable: int = 0
    said_not_found_answerable: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def _rate(self, count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        a = self.answerable
        return {
            "n": self.n,
            "answerable": a,
            "unanswerable": self.unanswerable,
            "hit@1": self._rate(self.hits[1], a),
            "hit@3": self._rate(self.hits[3], a),
            "hit@5": self._rate(self.hits[5], a),
            "mrr@10": round(self.reciprocal_rank_sum / a, 4) if a else 0.0,
            "sentence_acc": self._rate(self.sentence_right, a),
            "no_answer_recall": self._rate(self.said_not_found_unanswerable, self.unanswerable),
            "false_no_answer_rate": self._rate(self.said_not_found_answerable, a),
            "counts": {
                "hit@1": self.hits[1], "hit@3": self.hits[3], "hit@5": self.hits[5],
                "sentence_right": self.sentence_right,
                "unanswerable_not_found": self.said_not_found_unanswerable,
                "answerable_not_found": self.said_not_found_answerable,
            },
        }


def _contains_any(text: str, answers: tuple[str, ...]) -> bool:
    return any(a in text for a in answers)


def score(question: EvalQuestion, answer: Answer, report: EvalReport) -> None:
    """Add one question's outcome to ``report``."""
    report.n += 1
    if question.unanswerable:
        report.unanswerable += 1
        if not answer.found:
            report.said_not_found_unanswerable += 1
        else:
            report.failures.append({"q": question.q, "why": "answered an unanswerable question",
                                    "answer": answer.answer.text if answer.answer else None})
        return
    report.answerable += 1
    rank = next((i + 1 for i, p in enumerate(answer.passages[:10]) if _contains_any(p.text, question.answers)), None)
    for k in report.hits:
        if rank is not None and rank <= k:
            report.hits[k] += 1
    if rank is not None:
        report.reciprocal_rank_sum += 1 / rank
    # The highlighted answer sentence: the answer's, or when not found the top passage's best one.
    sentence = answer.answer.text if answer.answer else _top_highlight(answer)
    if sentence is not None and _contains_any(sentence, question.answers):
        report.sentence_right += 1
    if not answer.found:
        report.said_not_found_answerable += 1
    if rank != 1 or not answer.found or sentence is None or not _contains_any(sentence, question.answers):
        report.failures.append({"q": question.q, "rank": rank, "found": answer.found, "sentence": sentence,
                                "answers": list(question.answers)})


def _top_highlight(answer: Answer) -> str | None:
    if not answer.passages or answer.passages[0].highlight is None:
        return None
    top = answer.passages[0]
    h = top.highlight
    assert h is not None
    return top.text[h.start - top.citation.start : h.end - top.citation.start]


def evaluate(questions: list[EvalQuestion], ask: Callable[[EvalQuestion], Answer]) -> EvalReport:
    report = EvalReport()
    for question in questions:
        score(question, ask(question), report)
    return report
