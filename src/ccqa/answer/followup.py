"""Follow-up questions: "and how much was invested?" is read with the question before it."""

from __future__ import annotations

from collections.abc import Sequence

from ccqa.lang import detect_language, language


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the previous turn, by the rules of its own language?"""
    return language(detect_language(question)).is_follow_up(question)


def resolve_follow_up(question: str, history: Sequence[str]) -> str:
    """The question to search with: a follow-up gets the previous turn's (resolved) question
    prepended; a self-contained question is returned as it is."""
    if not history or not is_follow_up(question):
        return question
    previous = resolve_follow_up(history[-1], history[:-1])
    return f"{previous.strip()} {question.strip()}"
