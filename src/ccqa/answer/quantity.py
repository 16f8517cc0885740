"""Whether two figures are the same quantity: what "Earlier figures" may list beside an answer."""

from __future__ import annotations

import re

from ccqa.data import AnswerSentence
from ccqa.lang.terms import terms


def same_quantity(answer: AnswerSentence, other: AnswerSentence) -> bool:
    """Whether ``other``'s figure counts the same thing in the same unit as ``answer``'s: the
    words beside the number in each exact answer ("trillion yuan", "cooperation agreements",
    "亿元") are the same, or one's are among the other's; a bare number (a table cell) agrees
    with any. "10 aspects" is no earlier figure of "more than 300 cooperation agreements".

    >>> from ccqa.data import AnswerSpan
    >>> def said(figure: str) -> AnswerSentence:
    ...     return AnswerSentence(figure, 0, "d", 0, len(figure), AnswerSpan(0, len(figure), figure))
    >>> same_quantity(said("7.39192 trillion yuan"), said("6.6 trillion yuan"))
    True
    >>> same_quantity(said("more than 300 cooperation agreements"), said("10 aspects"))
    False
    """
    if answer.span is None or other.span is None:
        return answer.span is None and other.span is None
    mine, theirs = unit_terms(answer.span.text), unit_terms(other.span.text)
    return not mine or not theirs or mine <= theirs or theirs <= mine


def unit_terms(figure: str) -> set[str]:
    """The terms of a figure besides its number: its unit and the thing it counts."""
    return {t for t in terms(figure) if not re.fullmatch(r"[\d.,]+", t)}
