"""The reader beside the rules: what it reads of the rules' best candidates can change which
sentence answers, only among those it read, and never without it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from ccqa.answer.candidates import ReaderCandidate
from ccqa.answer.compose import Reading
from ccqa.answer.reader import Reading as ReaderReading
from ccqa.answer.rerank import Rereading, bonuses
from tests.index_fixtures import qa_over

DOC = """# Chengdu-Chongqing high-speed railway

The Chengdu-Chongqing high-speed railway opened in December 2015 after five years of construction.

The railway runs 308 km between Chengdu East and Chongqing Shapingba.

Trains on the railway reach 300 km per hour, and the fastest trip takes 62 minutes.
"""
QUESTION = "How long is the Chengdu-Chongqing railway?"  # the rules answer "five years"
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
    return qa_over(tmp_path, {"rail.md": DOC})


def test_without_the_reader_the_rules_choose(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask(QUESTION)
    assert answer.answer is not None and "five years" in answer.answer.text


def test_a_reader_sure_of_another_read_sentence_makes_it_the_answer(qa) -> None:  # type: ignore[no-untyped-def]
    reader = FavouringReader("308 km")
    qa.reading = Reading(reader, Rereading(weight=1.0, form="share", top=6))
    answer = qa.ask(QUESTION)
    assert answer.answer is not None and "308 km" in answer.answer.text
    assert any("308 km" in t for t in reader.read_texts)


def test_a_sentence_the_reader_did_not_read_cannot_win(qa) -> None:  # type: ignore[no-untyped-def]
    reader = FavouringReader("308 km")
    qa.reading = Reading(reader, Rereading(weight=5.0, form="share", top=1))
    answer = qa.ask(QUESTION)
    assert reader.read_texts and all("308 km" not in t for t in reader.read_texts)
    assert answer.answer is not None and "five years" in answer.answer.text


def test_a_weight_of_zero_reads_nothing(qa) -> None:  # type: ignore[no-untyped-def]
    reader = FavouringReader("308 km")
    qa.reading = Reading(reader, Rereading(weight=0.0))
    assert "five years" in qa.ask(QUESTION).answer.text
    assert reader.read_texts == []


def test_bonuses_are_never_negative_and_share_the_weight() -> None:
    share = bonuses([2.0, 0.0, -3.0], Rereading(weight=0.5, form="share"))
    assert all(b >= 0 for b in share) and sum(share) == pytest.approx(0.5)
    assert share[0] > share[1] > share[2]
    probability = bonuses([0.0], Rereading(weight=0.5, form="probability"))
    assert probability == [pytest.approx(0.25)]


def test_the_reader_marks_the_exact_answer_where_the_rules_mark_none(qa) -> None:  # type: ignore[no-untyped-def]
    assert qa.ask(KEYWORDS).answer.span is None
    qa.reading = Reading(FavouringReader("62 minutes"), Rereading(weight=0.0, marks_spans=True))
    answer = qa.ask(KEYWORDS)
    span = answer.answer.span
    assert span is not None and span.text == "62 minutes" and DOC[span.start:span.end] == "62 minutes"


def test_the_rules_exact_answer_stands_where_they_mark_one(qa) -> None:  # type: ignore[no-untyped-def]
    reader = FavouringReader("Chengdu East")
    qa.reading = Reading(reader, Rereading(weight=0.0, marks_spans=True))
    assert qa.ask("chengdu chongqing railway length").answer.span.text == "308 km"
    assert reader.read_texts == []
