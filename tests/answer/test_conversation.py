"""Conversations over the real indexes (the seed article and the development collection), in
both languages: each follow-up is read with the turns before it and answered from the
sentence that gives what it asks."""

from __future__ import annotations

from typing import Any

import pytest

from ccqa.data import Answer


def answering_text(answer: Answer) -> str:
    """The sentence shown as the answer, else the top related passage's highlighted sentence
    (the no-answer decision is the answer stage's own; this checks what the follow-up found)."""
    if answer.answer is not None:
        return answer.answer.text
    top = answer.passages[0]
    if top.highlight is None:
        return top.text
    return top.text[top.highlight.start - top.citation.start:top.highlight.end - top.citation.start]


def converse(qa: Any, turns: list[str]) -> list[Answer]:
    """Ask each turn with the questions and answers before it, as the page does."""
    history: list[str] = []
    answers: list[str] = []
    out = []
    for question in turns:
        got = qa.ask(question, history=history, answers=answers)
        out.append(got)
        history.append(question)
        answers.append(got.answer.span.text if got.answer and got.answer.span else
                       got.answer.text if got.answer else "")
    return out


@pytest.mark.parametrize(("turns", "resolved", "figure"), [
    (["What was the GDP of the Chengdu-Chongqing economic circle in 2021?", "How fast did it grow?"],
     "What was the GDP of the Chengdu-Chongqing economic circle in 2021? How fast did it grow?", "8.5%"),
    (["What was the GDP of the Chengdu-Chongqing economic circle in 2021?",
      "and what share of the country was that?"], None, "6.5%"),
    (["2021年成渝地区双城经济圈地区生产总值是多少？", "它增长了多少？"], None, "8.5%"),
    (["2021年成渝地区双城经济圈地区生产总值是多少？", "那占全国的比重呢？"], None, "6.5%"),
])
def test_seed_follow_ups_find_the_sentence_that_answers_them(
        seed_qa: Any, turns: list[str], resolved: str | None, figure: str) -> None:
    last = converse(seed_qa, turns)[-1]
    if resolved is not None:
        assert last.resolved_question == resolved
    assert last.resolved_question.startswith(turns[0])
    assert figure in answering_text(last)


@pytest.mark.parametrize(("turns", "resolved", "figure"), [
    (["What was Chengdu's GDP in 2020?", "and Chongqing's?"], "What was Chongqing's GDP in 2020?", "25002.79"),
    (["What was the Sichuan part's industrial value added in 2021?", "and the Chongqing part?"],
     "What was the Chongqing part's industrial value added in 2021?", "7,612.2"),
    (["What was the passenger throughput of Chongqing Jiangbei airport in 2019?", "and in 2021?"],
     "What was the passenger throughput of Chongqing Jiangbei airport in 2021?", "35.77"),
    (["2023年成渝地区双城经济圈地区生产总值是多少？", "那2024年呢？"], "2024年成渝地区双城经济圈地区生产总值是多少？", "2024"),
    (["重庆东站总建筑面积多大？", "它的最高聚集人数是多少？"], "重庆东站总建筑面积多大？ 它的最高聚集人数是多少？", "15000"),
])
def test_collection_follow_ups_keep_the_figure_and_swap_what_they_name(
        collection_qa: Any, turns: list[str], resolved: str, figure: str) -> None:
    last = converse(collection_qa, turns)[-1]
    assert last.resolved_question == resolved
    assert figure in answering_text(last)


def test_a_place_swapped_after_a_year_swap_keeps_the_new_year(collection_qa: Any) -> None:
    turns = ["What was the passenger throughput of Chongqing Jiangbei airport in 2019?", "and in 2021?",
             "what about Chengdu Tianfu?"]
    last = converse(collection_qa, turns)[-1]
    assert last.resolved_question == "What was the passenger throughput of Chengdu Tianfu airport in 2021?"
    assert "2021" in answering_text(last)
