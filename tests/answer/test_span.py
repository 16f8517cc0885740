"""The exact answer inside a sentence or a table row."""

from __future__ import annotations

import pytest

from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.question import read_question
from ccqa.answer.ranking import packaged_models
from ccqa.answer.span import answer_cell, candidate_span, list_item_span
from ccqa.ingest.context import TableView


def span_of(question: str, sentence: str) -> str | None:
    found = candidate_span([sentence], read_question(question), packaged_models().value)
    return sentence[found[1][0]:found[1][1]] if found else None


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
    ("Who paid the tax first?", "On June 6, Li Hongni paid her tax first.", "Li Hongni"),
    ("Which river got the law?", "The Jialing River basin got a provincial law.", "Jialing River"),
    ("Who is Li Hongni?", "On June 6, Li Hongni, an accountant of Sichuan Yanzhao LLC, paid her tax.", None),
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


@pytest.mark.parametrize(("question", "sentence", "expected"), [
    # "how many X" counts X, not another thing the sentence counts
    ("How many ports do the shipping routes cover?",
     "Beibu Gulf Port has opened 47 shipping routes, which cover 393 ports in 119 countries.", "393 ports"),
    # "which Xs": the names listed together
    ("Which expressways were finished in 2021?",
     "Expressways completed during the year included Nanchong-Tongnan and Luzhou-Yongchuan.",
     "Nanchong-Tongnan and Luzhou-Yongchuan"),
    # a name given in quotes
    ("Under what model will the science city be built?",
     "The two cities will build a western science city under a model of \"one city, multiple parks\".",
     "one city, multiple parks"),
    # "How much value added" asks for money, not the share
    ("How much value added did the secondary industry produce in 2022?",
     "Its share rose to 38.5 percent as the secondary industry added 2.989 trillion yuan.", "2.989 trillion yuan"),
    ("What is the industrialisation rate of the circle?",
     "Industrial value added of 2.2 trillion yuan made an industrialisation rate of 28.6 percent.", "28.6 percent"),
])
def test_what_the_question_asks_about_decides_among_the_values(question: str, sentence: str, expected: str) -> None:
    assert span_of(question, sentence) == expected


def test_a_year_followed_by_words_is_no_figure() -> None:
    sentence = "They made more than 5,300 trips in 2023, according to the operator."
    assert span_of("How many trips did they make in 2023?", sentence) == "more than 5,300 trips"
    assert span_of("How many trips in 2023, according to the operator?", "In 2023, according to it, trains ran.") is None


def test_a_header_the_question_names_whole_beats_one_named_in_part() -> None:
    population = TableView("Table 1. Population and urbanisation rate of Chengdu and Chongqing", "Unit: 10,000 persons",
                           ("Year", "Chengdu population", "Chongqing population", "Chengdu urbanisation rate",
                            "Chongqing urbanisation rate"), ("2020", "2,094.70", "3,208.93", "78.77", "69.46"))
    assert answer_cell(population, read_question("chongqing urbanisation rate 2020")) == 4
    value_added = TableView("Table 1. Industrial value added of the economic circle by part", None,
                            ("Year", "Sichuan part", "Chongqing part", "Economic circle"),
                            ("2020", "11,851.4", "6,783.2", "18,634.6"))
    question = read_question("industrial value added of the chengdu-chongqing economic circle in 2020")
    assert answer_cell(value_added, question) == 3


def test_a_follow_up_keeps_the_words_of_the_turn_before_but_not_its_year() -> None:
    first = "What was the passenger throughput of Chongqing Jiangbei airport in 2019?"
    question = read_question("and in 2021?", f"{first} and in 2021?")
    assert question.years == ("2021",)
    assert {"jiangbei", "passeng"} <= set(question.terms) and "2019" not in question.terms
    airports = TableView(None, None, ("Year", "Chengdu airports", "Chongqing Jiangbei"), ("2021", "40.12", "35.77"))
    assert answer_cell(airports, question) == 2


@pytest.mark.parametrize(("asked", "before", "sentence", "expected"), [
    ("and chengdu?", "What was Chongqing's GDP in 2023?",
     "Chongqing's GDP reached 3.01 trillion yuan in 2023, while Chengdu's reached 2.21 trillion yuan.",
     "2.21 trillion yuan"),
    ("成都呢？", "2023年重庆GDP多少？", "2023年，重庆实现地区生产总值30145.79亿元，成都实现地区生产总值22074.7亿元。",
     "22074.7亿元"),
])
def test_a_follow_up_gets_the_value_beside_the_words_it_typed(asked: str, before: str, sentence: str,
                                                              expected: str) -> None:
    """"and Chengdu?" after a question about Chongqing: the sentence gives both figures; the
    answer is the one in the clause naming Chengdu (the fixed order of before took the first)."""
    question = read_question(asked, resolve_follow_up(asked, [before]))
    found = candidate_span([sentence], question, packaged_models().value)
    assert found is not None and sentence[found[1][0]:found[1][1]] == expected
