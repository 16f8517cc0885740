"""What a language module gives the pipeline: one ``Language`` record of functions and data.

The splitter cuts passages into sentences, the answer stage reads the cues (what kind of answer
a question wants, which sentences lean on the one before, follow-up words, names). Terms for
search come from ``ccqa.lang.terms``, which reads each script run with its language's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language's rules for the pipeline (see ``ccqa.lang.english`` for an example)."""

    code: str  # BCP 47 primary tag: "en", "zh"
    name: str  # for people: "English", "Chinese"
    sentence_spans: Callable[[str], list[tuple[int, int]]]  # sentences of a block of text
    expected_type: Callable[[str], str | None]  # "number", "date", "name" or None for a question
    typed_values: Callable[[str, str], set[str]]  # the values of one of those types in a text
    value_spans: Callable[[str, str], list[tuple[int, int]]]  # where those values stand (exact answers)
    expected_kind: Callable[[str], str | None]  # the finer kind asked for: percent, money, distance, person ...
    value_kind: Callable[[str], str | None]  # the kind of one value, by its unit
    is_follow_up: Callable[[str], bool]  # does the question lean on the previous turn?
    points_back: Callable[[str], bool]  # does the sentence open by pointing at the one before?
    names: Callable[[str], list[str]]  # the words of a question that name something
    asks_for_person: Callable[[str], bool]  # "who is the mayor of ...?"
    asked_noun: Callable[[str], tuple[str, bool] | None] = lambda question: None  # "how many X", "which X": X, plural
