"""Metrics over a question file (format: eval/README.md): retrieval, sentence, no-answer, by group.

A question's optional ``set`` (en, zh, cross) and ``kind`` (prose, table, list) tags group the
figures: the report has the overall figures and the same figures for each set and kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccqa.data import Answer
from ccqa.errors import CcqaError
from ccqa.lang.chinese import simplified

EXACT_LENGTH_RATIO = 3  # exact@1: the answer span holds the gold text and is at most 3x its length


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    answers: tuple[str, ...]
    unanswerable: bool
    history: tuple[str, ...] = ()
    set: str | None = None  # en | zh | cross
    kind: str | None = None  # prose | table | list


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
                set=str(row["set"]) if row.get("set") else None,
                kind=None if row.get("unanswerable") else (str(row["kind"]) if row.get("kind") else None),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise CcqaError(f"{path}:{number}: not a question line ({exc})") from None
    return questions


@dataclass
class Tally:
    """Counts for one group of questions, and their rates."""

    n: int = 0
    answerable: int = 0
    unanswerable: int = 0
    hits: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 5: 0})
    reciprocal_rank_sum: float = 0.0
    sentence_right: int = 0
    exact_right: int = 0
    said_not_found_unanswerable: int = 0
    said_not_found_answerable: int = 0

    def to_dict(self) -> dict[str, Any]:
        a = self.answerable
        return {
            "n": self.n,
            "answerable": a,
            "unanswerable": self.unanswerable,
            "hit@1": _rate(self.hits[1], a),
            "hit@3": _rate(self.hits[3], a),
            "hit@5": _rate(self.hits[5], a),
            "mrr@10": round(self.reciprocal_rank_sum / a, 4) if a else 0.0,
            "sentence_acc": _rate(self.sentence_right, a),
            "exact@1": _rate(self.exact_right, a),
            "no_answer_recall": _rate(self.said_not_found_unanswerable, self.unanswerable),
            "false_no_answer_rate": _rate(self.said_not_found_answerable, a),
            "counts": {
                "hit@1": self.hits[1], "hit@3": self.hits[3], "hit@5": self.hits[5],
                "sentence_right": self.sentence_right,
                "exact_right": self.exact_right,
                "unanswerable_not_found": self.said_not_found_unanswerable,
                "answerable_not_found": self.said_not_found_answerable,
            },
        }


def _rate(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


@dataclass
class EvalReport:
    """The overall tally, a tally per set and per kind, and what went wrong."""

    overall: Tally = field(default_factory=Tally)
    by_set: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def tallies_for(self, question: EvalQuestion) -> list[Tally]:
        tallies = [self.overall]
        if question.set:
            tallies.append(self.by_set.setdefault(question.set, Tally()))
        if question.kind:
            tallies.append(self.by_kind.setdefault(question.kind, Tally()))
        return tallies

    def to_dict(self) -> dict[str, Any]:
        """The overall figures at the top level (as before groups existed), then the groups."""
        out = self.overall.to_dict()
        if self.by_set:
            out["by_set"] = {name: t.to_dict() for name, t in sorted(self.by_set.items())}
        if self.by_kind:
            out["by_kind"] = {name: t.to_dict() for name, t in sorted(self.by_kind.items())}
        return out


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _contains_any(text: str, answers: tuple[str, ...]) -> bool:
    """Some answer is in the text, a figure written either way ("23,176.9" is "23176.90"),
    Chinese in either script ("约122万平方米" is in "約122萬平方米")."""
    text = simplified(text)
    return any((answer := simplified(a)) in text or _same_figure(answer, text) for a in answers)


def _same_figure(answer: str, text: str) -> bool:
    """A gold answer that is one bare figure matches the same figure written another way."""
    if not _NUMBER.fullmatch(answer.strip()):
        return False
    wanted = _figure(answer.strip())
    return any(_figure(found) == wanted for found in _NUMBER.findall(text))


def _figure(number: str) -> str:
    plain = number.replace(",", "")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def score(question: EvalQuestion, answer: Answer, report: EvalReport) -> None:
    """Add one question's outcome to ``report``."""
    tallies = report.tallies_for(question)
    for tally in tallies:
        tally.n += 1
    if question.unanswerable:
        for tally in tallies:
            tally.unanswerable += 1
            tally.said_not_found_unanswerable += not answer.found
        if answer.found:
            report.failures.append({"q": question.q, "set": question.set, "why": "answered an unanswerable question",
                                    "answer": answer.answer.text if answer.answer else None})
        return
    rank = next((i + 1 for i, p in enumerate(answer.passages[:10]) if _contains_any(p.text, question.answers)), None)
    # The highlighted answer sentence: the answer's, or when not found the top passage's best one.
    sentence = answer.answer.text if answer.answer else _top_highlight(answer)
    sentence_right = sentence is not None and _contains_any(sentence, question.answers)
    span = answer.answer.span.text if answer.answer and answer.answer.span else None
    exact_right = span is not None and any(_contains_any(span, (a,)) and len(span) <= EXACT_LENGTH_RATIO * len(a)
                                           for a in question.answers)
    for tally in tallies:
        tally.answerable += 1
        for k in tally.hits:
            tally.hits[k] += rank is not None and rank <= k
        tally.reciprocal_rank_sum += 1 / rank if rank is not None else 0.0
        tally.sentence_right += sentence_right
        tally.exact_right += exact_right
        tally.said_not_found_answerable += not answer.found
    if rank != 1 or not answer.found or not sentence_right or not exact_right:
        report.failures.append({"q": question.q, "set": question.set, "kind": question.kind, "rank": rank,
                                "found": answer.found, "sentence": sentence, "span": span,
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
