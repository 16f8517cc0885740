"""The exact answer inside a sentence or a table row."""

from __future__ import annotations

import pytest

from ccqa.answer.question import read_question
from ccqa.answer.span import answer_cell, list_item_span, sentence_span
from ccqa.ingest.context import TableView


def span_of(question: str, sentence: str) -> str | None:
    found = sentence_span(sentence, read_question(question))
    return sentence[found[0]:found[1]] if found else None


@pytest.mark.parametrize(("question", "sentence", "expected"), [
    ("How many bridges were built on the line?", "The line has 309 bridges and 38 tunnels over 308 km.",
     "309 bridges"),
    ("How long is the line?", "The line has 309 bridges and 38 tunnels over 308 km.", "308 km"),
    ("What was the GDP of the Chongqing part in 2021?",
     "The Sichuan part and the Chongqing part registered 4.80602 trillion yuan and 2.5859 trillion yuan respectively.",
     "2.5859 trillion yuan"),
    ("By how much did vehicle exports rise in 2023?",
     "It exported 368,000 vehicles in 2023, increases of 29.8 percent year on year.", "29.8 percent"),
    ("How many trips did the trains make in 2021?",
     "They made more than 4,800 trips in 2021, against 3,500 in 2019.", "more than 4,800 trips"),
    ("When did the intercity railway open?", "The intercity railway opened on 26 December 2015 after five years.",
     "26 December 2015"),
    ("Which airline flew the first departure?",
     "Chengdu Tianfu International Airport started operations when a Sichuan Airlines flight took off.",
     "Sichuan Airlines"),
    ("How much is a ticket?", "The railway has 12 stations.", None),
])
def test_the_value_asked_for_is_picked_out_of_the_sentence(question: str, sentence: str, expected: str | None) -> None:
    assert span_of(question, sentence) == expected


def test_a_value_the_question_already_says_is_not_its_answer() -> None:
    assert span_of("What was the GDP in 2021?", "In 2021 the GDP was 7.39 trillion yuan.") == "7.39 trillion yuan"


ROW = TableView(caption="Table 1. GDP by year", unit_note="Unit: 100 million yuan",
                header=("Year", "Sichuan part", "Chongqing part", "Growth (%)"),
                cells=("2020", "43,375.2", "—", "4.0"))


def test_the_answering_cell_is_under_the_column_the_question_names() -> None:
    assert answer_cell(ROW, read_question("What was the GDP of the Sichuan part in 2020?")) == 1


def test_an_empty_cell_under_the_asked_column_is_no_answer() -> None:
    assert answer_cell(ROW, read_question("What was the GDP of the Chongqing part in 2020?")) is None


def test_a_column_named_in_other_words_is_found() -> None:
    lines = TableView(None, None, ("Line", "Length", "Design speed", "Opened"),
                      ("Xi'an–Chengdu railway", "658 km", "250 km/h", "6 December 2017"))
    assert answer_cell(lines, read_question("How long is the Xi'an–Chengdu railway?")) == 1
    assert answer_cell(lines, read_question("When did the Xi'an–Chengdu railway open?")) == 3


def test_a_short_list_item_is_its_own_answer() -> None:
    item = "- Chongqing–Nantong–Tokyo"
    found = list_item_span(item)
    assert found is not None and item[found[0]:found[1]] == "Chongqing–Nantong–Tokyo"
