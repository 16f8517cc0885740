"""The reader marks the exact answer where the rules mark none, cut from the document; where
the rules mark one, theirs stands and the reader is not asked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from ccqa.answer.candidates import ReaderCandidate
from ccqa.answer.reader import Reading as ReaderReading
from tests.index_fixtures import qa_over

DOC = """# Chengdu-Chongqing high-speed railway

The Chengdu-Chongqing high-speed railway opened in December 2015 after five years of construction.

The railway runs 308 km between Chengdu East and Chongqing Shapingba.

Trains on the railway reach 300 km per hour, and the fastest trip takes 62 minutes.
"""
KEYWORDS = "chengdu chongqing railway fastest trip"  # the rules find the sentence, mark no answer in it


class FavouringReader:
    """A fake reader: a high logit for candidates holding ``liked`` (marked as the answer), a
    low one otherwise."""

    def __init__(self, liked: str) -> None:
        self.liked, self.read_texts = liked, []

    def read(self, question: str, history: Sequence[str], candidates: Sequence[ReaderCandidate]) -> list[ReaderReading]:
        self.read_texts += [c.text for c in candidates]
        out = []
        for c in candidates:
            at = c.text.find(self.liked, 0, c.quotable)
            out.append(ReaderReading(4.0, (at, at + len(self.liked))) if at >= 0 else ReaderReading(-4.0, None))
        return out


@pytest.fixture
def qa(tmp_path: Path):  # type: ignore[no-untyped-def]
    qa = qa_over(tmp_path, {"rail.md": DOC})
    qa.reader = None  # the rules alone; each test gives its fake reader
    return qa


def test_the_reader_marks_the_exact_answer_where_the_rules_mark_none(qa) -> None:  # type: ignore[no-untyped-def]
    assert qa.ask(KEYWORDS).answer.span is None
    qa.reader = FavouringReader("62 minutes")
    answer = qa.ask(KEYWORDS)
    span = answer.answer.span
    assert span is not None and span.text == "62 minutes" and DOC[span.start:span.end] == "62 minutes"


def test_the_rules_exact_answer_stands_where_they_mark_one(qa) -> None:  # type: ignore[no-untyped-def]
    reader = FavouringReader("Chengdu East")
    qa.reader = reader
    assert qa.ask("chengdu chongqing railway length").answer.span.text == "308 km"
    assert reader.read_texts == []


def test_a_reader_that_marks_nothing_quotable_leaves_no_exact_answer(qa) -> None:  # type: ignore[no-untyped-def]
    qa.reader = FavouringReader("Shapingba station")  # in no sentence: no span
    answer = qa.ask(KEYWORDS)
    assert answer.found and answer.answer.span is None


def test_the_served_reader_marks_the_figure_a_keyword_query_asks_for(tmp_path: Path) -> None:
    qa = qa_over(tmp_path, {"rail.md": DOC})  # the trained reader, as ``ccqa serve`` loads it
    answer = qa.ask(KEYWORDS)
    span = answer.answer.span
    assert span is not None and DOC[span.start:span.end] == span.text == "62 minutes"
