"""On the seed article: a figure carries the year of its own words, "Earlier figures" lists only
the same quantity, and a refusal for a missing year names only years the documents give it for."""

from __future__ import annotations

from typing import Any

import pytest

from ccqa.answer.question import read_question, topic_of

GDP_2021 = "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"


@pytest.mark.parametrize("question", [GDP_2021, "2021年成渝地区双城经济圈地区生产总值是多少？"])
def test_the_2021_gdp_is_a_figure_for_2021_not_for_the_documents_year(seed_qa: Any, question: str) -> None:
    answer = seed_qa.ask(question)
    assert answer.found and answer.answer.span.text == "7.39192 trillion yuan"
    assert answer.answer.year == "2021" and answer.answer.year_reported is False
    assert answer.to_dict()["answer"]["year_reported"] is False


def test_a_duration_dated_by_an_event_is_labelled_with_the_report_date_as_such(seed_qa: Any) -> None:
    answer = seed_qa.ask("How long did it take from the approval of the Chengdu-Nanchong-Dazhou-Wanzhou "
                         "railway to the start of its construction?")
    assert answer.found and answer.answer.span.text == "40 days"
    assert (answer.answer.year, answer.answer.year_reported) == ("2022", True)


@pytest.mark.parametrize(("question", "message"), [
    ("What was the GDP of the Chengdu-Chongqing economic circle in 2015?",
     "The documents give GDP of the Chengdu-Chongqing economic circle for 2021, not for 2015."),
    ("2015年成渝地区双城经济圈地区生产总值是多少？", "文档中有成渝地区双城经济圈地区生产总值2021年的数据，没有2015年的。"),
    ("经济圈 GDP 2015", "文档中有经济圈 GDP 2021年的数据，没有2015年的。"),  # typed as into a search box
])
def test_a_missing_year_lists_only_the_years_the_documents_give_that_figure_for(
        seed_qa: Any, question: str, message: str) -> None:
    answer = seed_qa.ask(question)
    assert not answer.found and answer.message == message


def test_earlier_figures_list_only_the_same_quantity(seed_qa: Any) -> None:
    answer = seed_qa.ask("How many cooperation agreements have been signed?")
    assert answer.found and answer.answer.span.text == "more than 300 cooperation agreements"
    assert [a.sentence.span.text for a in answer.alternatives if a.sentence.span] == []


def test_earlier_figures_are_of_years_their_own_words_give_before_the_answers(collection_qa: Any) -> None:
    answer = collection_qa.ask("How many China-Europe freight train trips did Chengdu and Chongqing make?")
    assert answer.found and answer.answer.year == "2023" and not answer.answer.year_reported
    earlier = [(a.year, a.sentence.span.text if a.sentence.span else None) for a in answer.alternatives]
    assert earlier and all(year < "2023" for year, _ in earlier)
    assert ("2021", "more than 4,800 trips") in earlier
    assert all("18,000" not in (figure or "") for _, figure in earlier)  # a total since 2011, not 2011's
    assert all(not a.sentence.year_reported and a.year == a.sentence.year for a in answer.alternatives)


@pytest.mark.parametrize(("question", "topic"), [
    ("成都 GDP 2023", "成都 GDP"),                          # a bare year typed into a search box
    ("2015年成渝地区双城经济圈地区生产总值是多少？", "成渝地区双城经济圈地区生产总值"),
    ("年销量超过2000万辆的是哪家企业？", "年销量超过2000万辆"),  # a quantity, not a year
])
def test_the_topic_a_missing_year_message_names_drops_years_but_keeps_quantities(question: str, topic: str) -> None:
    assert topic_of(read_question(question, question)) == topic
