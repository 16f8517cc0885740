"""Follow-up questions are read with the conversation before them; others stand alone."""

from __future__ import annotations

from ccqa.answer.followup import is_follow_up, resolve_follow_up


def test_a_follow_up_is_read_with_the_resolved_question_before_it() -> None:
    history = ["How many major projects have commenced?", "and how much was invested in them?"]
    assert resolve_follow_up("what about their number?", history) == (
        "How many major projects have commenced? and how much was invested in them? what about their number?")


def test_a_self_contained_question_is_kept_as_it_is() -> None:
    assert not is_follow_up("How long is the Chengdu-Chongqing railway?")
    assert resolve_follow_up("How long is the Chengdu-Chongqing railway?", ["What was the GDP?"]) == (
        "How long is the Chengdu-Chongqing railway?")
    assert resolve_follow_up("and in 2022?", []) == "and in 2022?"
