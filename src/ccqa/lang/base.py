"""What a language module gives the pipeline: one ``Language`` record of functions and data.

The splitter cuts passages into sentences; the answer stage reads the few question cues a trained
reader does not replace (whether an earlier question asked for a name, follow-up words, the names
a question holds), to widen a follow-up with the turn before. Terms for search come from
``ccqa.lang.terms``, which reads each script run with its language's rules.
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
    is_follow_up: Callable[[str], bool]  # does the question lean on the previous turn?
    names: Callable[[str], list[str]]  # the words of a question that name something
