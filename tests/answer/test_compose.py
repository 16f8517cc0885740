"""Answers over a small collection of dated releases: the asked year, the latest figure with the
earlier ones, the exact answer, table cells, and what is said when a year is not covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.index_fixtures import qa_over

RELEASE_2020 = """# Economy of the circle in 2019

Published: 2020-05-22

The GDP of the economic circle reached 6.29 trillion yuan in 2019, a preliminary figure.
"""
RELEASE_2022 = """# Economy of the circle in 2021

Release date: 2022-03-28

The GDP of the economic circle reached 7.39 trillion yuan in 2021.

Table 1. GDP of the circle by part
Unit: 100 million yuan

| Year | Sichuan part | Chongqing part |
| --- | --- | --- |
| 2019 | 41,731.2 | 21,884.2 |
| 2020 | 43,375.2 | — |
| 2021 | 48,060.2 | 25,859.0 |
"""
NEWS = """Circle economy grows
CHENGDU, April 2, 2023 — The GDP of the economic circle reached 7.76 trillion yuan in 2022.
To be specific, the Sichuan part and the Chongqing part registered 5.06 trillion yuan and 2.70 trillion yuan respectively.
"""
TEA = "Sichuan tea\n\nSichuan grows green tea on misty hills. The harvest starts in March.\n"


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return qa_over(tmp_path_factory.mktemp("releases"), {
        "release-2020.md": RELEASE_2020, "release-2022.md": RELEASE_2022, "news-2023.txt": NEWS, "tea.txt": TEA})


def test_a_question_naming_a_year_is_answered_from_text_about_that_year(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What was the GDP of the economic circle in 2021?")
    assert answer.found and "7.39 trillion yuan" in answer.answer.text
    assert answer.answer.span.text == "7.39 trillion yuan" and answer.answer.year == "2021"
    assert answer.passages[answer.answer.citation].citation.doc_id == "release-2022"


def test_a_year_no_document_covers_is_not_found_and_the_covered_years_are_named(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What was the GDP of the economic circle in 2015?")
    assert not answer.found and answer.answer is None
    assert "not for 2015" in answer.message and "2021" in answer.message and "2022" in answer.message
    assert answer.passages  # the closest passages, as related reading


def test_without_a_year_the_latest_figure_comes_first_with_the_earlier_ones(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What is the GDP of the economic circle?")
    assert answer.found and answer.answer.year == "2022" and answer.answer.span.text == "7.76 trillion yuan"
    assert "2022" in answer.message
    assert [a.year for a in answer.alternatives][:2] == ["2021", "2019"]
    for earlier in answer.alternatives:  # each cites a passage that is shown
        assert earlier.sentence.text in answer.passages[earlier.sentence.citation].text


def test_a_table_cell_is_the_exact_answer_and_the_row_is_shown_as_a_table(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What was the GDP of the Sichuan part in 2020?")
    assert answer.found and answer.answer.span.text == "43,375.2"
    table = answer.answer.table
    assert table.header == ("Year", "Sichuan part", "Chongqing part") and table.cells[0] == "2020"
    assert table.caption == "Table 1. GDP of the circle by part" and table.unit == "Unit: 100 million yuan"
    document = qa.document("release-2022")
    assert document.text[answer.answer.span.start:answer.answer.span.end] == "43,375.2"  # points at the source


def test_an_empty_cell_is_no_answer(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What was the GDP of the Chongqing part in 2020?")
    assert not answer.found and answer.answer is None
    assert any("| 2020 |" in p.text or "2020 |" in p.text for p in answer.passages)  # the row, as related reading


def test_a_figure_asked_for_and_none_given_is_not_found(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("How many tonnes of green tea does Sichuan grow on its misty hills?")
    assert not answer.found
    assert answer.passages and answer.passages[0].citation.doc_id == "tea"


def test_a_continuing_sentence_is_quoted_with_the_one_it_continues(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What GDP did the Chongqing part register in 2022?")
    assert answer.found and answer.answer.span.text == "2.70 trillion yuan"
    assert answer.answer.text.startswith("The GDP of the economic circle reached 7.76") and "respectively" in answer.answer.text


def test_headings_and_titles_are_never_the_answer(qa) -> None:  # type: ignore[no-untyped-def]
    for question in ("Economy of the circle in 2021", "circle economy grows", "Sichuan tea"):
        answer = qa.ask(question)
        if answer.found:
            assert answer.answer.text not in ("Economy of the circle in 2021", "Circle economy grows", "Sichuan tea")


def test_the_api_shape_carries_the_span_year_and_alternatives(qa, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = qa.ask("What is the GDP of the economic circle?").to_dict()
    assert set(body["answer"]) >= {"span", "year", "lang", "table"} and body["alternatives"]
    assert body["answer"]["span"]["text"] == "7.76 trillion yuan"
    assert body["passages"][0]["citation"]["date"] == "2023-04-02"
