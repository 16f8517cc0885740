"""Follow-up questions are read with the conversation before them: what they leave out comes
from the turn before, what they say replaces it; others stand alone."""

from __future__ import annotations

import pytest

from ccqa.answer.followup import is_follow_up, other_subject, resolve_follow_up


def test_a_follow_up_is_read_with_the_resolved_question_before_it() -> None:
    history = ["How many major projects have commenced?", "and how much was invested in them?"]
    assert resolve_follow_up("what about their number?", history) == (
        "How many major projects have commenced? and how much was invested in them? what about their number?")


def test_a_self_contained_question_is_kept_as_it_is() -> None:
    assert not is_follow_up("How long is the Chengdu-Chongqing railway?")
    assert resolve_follow_up("How long is the Chengdu-Chongqing railway?", ["What was the GDP?"]) == (
        "How long is the Chengdu-Chongqing railway?")
    assert resolve_follow_up("and in 2022?", []) == "and in 2022?"


@pytest.mark.parametrize(("follow_up", "earlier", "resolved"), [
    ("and Chongqing's?", "What was Chengdu's GDP in 2020?", "What was Chongqing's GDP in 2020?"),
    ("and what about Chongqing?", "What was the GDP of Chengdu in 2023?", "What was the GDP of Chongqing in 2023?"),
    ("how about Chongqing?", "What was the GDP of Chengdu in 2023?", "What was the GDP of Chongqing in 2023?"),
    ("and the Chongqing part?", "What was the Sichuan part's industrial value added in 2021?",
     "What was the Chongqing part's industrial value added in 2021?"),
    ("那重庆呢？", "2023年成都的地区生产总值是多少？", "2023年重庆的地区生产总值是多少？"),
    ("重庆呢？", "2023年成都的地区生产总值是多少？", "2023年重庆的地区生产总值是多少？"),
    ("第三產業呢？", "2022年遂寧第二產業增加值多少？", "2022年遂寧第三產業增加值多少？"),  # traditional script
])
def test_a_follow_up_naming_another_place_keeps_the_figure_and_year_and_swaps_the_place(
        follow_up: str, earlier: str, resolved: str) -> None:
    assert resolve_follow_up(follow_up, [earlier]) == resolved


def test_a_swap_follows_the_conversation_as_it_was_resolved() -> None:
    history = ["What was Chengdu's GDP in 2020?", "and Chongqing's?"]
    assert resolve_follow_up("and in 2021?", history) == "What was Chongqing's GDP in 2021?"
    history = ["What was the passenger throughput of Chongqing Jiangbei airport in 2019?", "and in 2021?"]
    assert resolve_follow_up("what about Chengdu Tianfu?", history) == (
        "What was the passenger throughput of Chengdu Tianfu airport in 2021?")


@pytest.mark.parametrize(("follow_up", "earlier", "resolved"), [
    ("and in 2022?", "What was Chengdu's permanent population at the end of 2021?",
     "What was Chengdu's permanent population at the end of 2022?"),
    ("那2024年呢？", "2023年成渝地区双城经济圈地区生产总值是多少？", "2024年成渝地区双城经济圈地区生产总值是多少？"),
    ("What about 2021?", "How many trips did the trains make in 2020?", "How many trips did the trains make in 2021?"),
])
def test_a_follow_up_naming_another_year_asks_the_same_question_of_that_year(
        follow_up: str, earlier: str, resolved: str) -> None:
    assert resolve_follow_up(follow_up, [earlier]) == resolved


def test_a_year_follow_up_that_asks_more_keeps_the_turn_before_whole() -> None:
    earlier = "How many trips did the trains make in 2020?"
    assert resolve_follow_up("and how many containers in 2021?", [earlier]) == (
        f"{earlier} and how many containers in 2021?")


@pytest.mark.parametrize("follow_up", ["and in 2022?", "那2024年呢？", "and how much was invested?", "what about the GDP?",
                                       "and the GDP of Chengdu?", "What about its population?",
                                       "what about their number?", "那占全国的比重呢？", "它的设计时速是多少？"])
def test_a_follow_up_that_names_no_other_place_is_not_a_swap(follow_up: str) -> None:
    assert other_subject(follow_up) is None


@pytest.mark.parametrize(("follow_up", "earlier"), [
    ("How fast did it grow?", "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"),
    ("and what share of the country was that?", "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"),
    ("它的设计时速是多少？", "成渝中线高铁全长多少公里？"),
])
def test_a_pronoun_or_ellipsis_is_read_with_the_turn_before(follow_up: str, earlier: str) -> None:
    assert resolve_follow_up(follow_up, [earlier]) == f"{earlier} {follow_up}"


def test_a_pronoun_stands_for_the_name_the_turn_before_asked_for_and_got() -> None:
    assert resolve_follow_up("How big is it?", ["Which city hosts the fair?"], ["Chengdu"]) == (
        "Which city hosts the fair? How big is Chengdu?")
    assert resolve_follow_up("它有多少人口？", ["哪个城市举办博览会？"], ["成都"]) == "哪个城市举办博览会？ 成都有多少人口？"


def test_an_earlier_answer_that_is_a_figure_or_a_sentence_replaces_no_pronoun() -> None:
    earlier = "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"
    assert resolve_follow_up("How fast did it grow?", [earlier], ["7.39192 trillion yuan"]) == (
        f"{earlier} How fast did it grow?")
    assert resolve_follow_up("How big is it?", ["Which city hosts the fair?"],
                             ["The fair is held in Chengdu every year since the city won the bid in 2003."]) == (
        "Which city hosts the fair? How big is it?")
