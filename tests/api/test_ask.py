"""POST /api/ask: answers, validation of every field, limits, malformed bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from ccqa.api.app import create_app
from ccqa.api.ask import clean_text
from ccqa.config import Settings
from ccqa.data import Answer
from ccqa.errors import BadQuestion
from tests.api.helpers import (
    SETTINGS,
    FakeQA,
    ask,
    assert_error,
)


def test_ask_returns_the_answer_with_timing_and_index_version(client: FlaskClient) -> None:
    body = ask(client, {"question": "What was the GDP in 2021?"}).get_json()
    assert body["found"] is True
    assert "7.39192 trillion" in body["answer"]["text"]
    assert body["passages"][body["answer"]["citation"]]["citation"]["doc_id"] == "doc-1"
    assert isinstance(body["took_ms"], float) and body["index_version"] == "test-v1"



def test_unanswerable_question_is_not_found_with_related_passages(client: FlaskClient) -> None:
    body = ask(client, {"question": "Who won the 1998 World Cup?"}).get_json()
    assert body["found"] is False and body["answer"] is None
    assert body["message"] == "Not found in the documents." and body["passages"]



def test_k_history_and_mode_are_passed_to_qa(client: FlaskClient, fake_qa: FakeQA) -> None:
    ask(client, {"question": "And in 2020?", "k": 3, "mode": "bm25",
                 "history": ["What was the GDP in 2021?", "Which provinces?"]})
    assert fake_qa.calls[-1] == {"question": "And in 2020?", "k": 3, "mode": "bm25",
                                 "history": ("What was the GDP in 2021?", "Which provinces?"),
                                 "answers": ("", "")}


def test_history_may_carry_the_earlier_answers(client: FlaskClient, fake_qa: FakeQA) -> None:
    response = ask(client, {"question": "How big is it?", "history": [  # SETTINGS.max_history: 3
        {"question": "Which city hosts the fair?", "answer": "Chengdu"},
        {"question": "Which port?", "answer": None},
        {"question": "\x00", "answer": "dropped with its empty question"}]})
    assert response.status_code == 200
    assert fake_qa.calls[-1]["history"] == ("Which city hosts the fair?", "Which port?")
    assert fake_qa.calls[-1]["answers"] == ("Chengdu", "")



def test_defaults_are_top_k_no_history_and_hybrid(client: FlaskClient, fake_qa: FakeQA) -> None:
    ask(client, {"question": "GDP?", "unknown_field": {"is": "ignored"}})
    assert fake_qa.calls[-1] == {"question": "GDP?", "k": SETTINGS.top_k, "history": (),
                                 "mode": "hybrid", "answers": ()}



def test_control_characters_are_stripped_but_newlines_and_tabs_kept(
        client: FlaskClient, fake_qa: FakeQA) -> None:
    response = ask(client, {"question": "  What\x00 was\x1b the\tGDP\x7f?\nIn 2021\ud800 ",
                            "history": ["\x07earlier\x00", "\x00\x01"]})
    assert response.status_code == 200
    assert fake_qa.calls[-1]["question"] == "What was the\tGDP?\nIn 2021"
    assert fake_qa.calls[-1]["history"] == ("earlier",)
    assert clean_text("\r\n a\u200bb \x85") == "a\u200bb"



def test_every_api_request_gives_the_engine_a_chance_to_reload(
        client: FlaskClient, fake_qa: FakeQA) -> None:
    client.get("/api/health")
    ask(client, {"question": "GDP?"})
    assert fake_qa.reloads == 2



@pytest.mark.parametrize(("body", "code"), [
    ({}, "invalid_question"),
    ({"question": None}, "invalid_question"),
    ({"question": 42}, "invalid_question"),
    ({"question": ["GDP?"]}, "invalid_question"),
    ({"question": ""}, "invalid_question"),
    ({"question": "   \n\t "}, "invalid_question"),
    ({"question": "\x00\x01\x1f"}, "invalid_question"),
    ({"question": "GDP?", "k": "5"}, "invalid_k"),
    ({"question": "GDP?", "k": 2.0}, "invalid_k"),
    ({"question": "GDP?", "k": True}, "invalid_k"),
    ({"question": "GDP?", "k": 0}, "invalid_k"),
    ({"question": "GDP?", "k": -1}, "invalid_k"),
    ({"question": "GDP?", "k": SETTINGS.max_k + 1}, "invalid_k"),
    ({"question": "GDP?", "k": None}, "invalid_k"),
    ({"question": "GDP?", "history": "earlier"}, "invalid_history"),
    ({"question": "GDP?", "history": [1]}, "invalid_history"),
    ({"question": "GDP?", "history": [{"answer": "no question"}]}, "invalid_history"),
    ({"question": "GDP?", "history": [{"question": "Q?", "answer": 7}]}, "invalid_history"),
    ({"question": "GDP?", "history": [{"question": "Q?", "answer": "a" * (SETTINGS.max_history_chars + 1)}]},
     "invalid_history"),
    ({"question": "GDP?", "history": ["a"] * (SETTINGS.max_history + 1)}, "invalid_history"),
    ({"question": "GDP?", "history": ["a" * (SETTINGS.max_history_chars + 1)]},
     "invalid_history"),
    ({"question": "GDP?", "mode": "semantic"}, "invalid_mode"),
    ({"question": "GDP?", "mode": ["bm25"]}, "invalid_mode"),
    ([{"question": "GDP?"}], "invalid_body"),
    ("GDP?", "invalid_body"),
])
def test_bad_ask_body_is_400_json(client: FlaskClient, body: Any, code: str) -> None:
    assert_error(ask(client, body), 400, code)



def test_limits_at_their_maximum_are_accepted(client: FlaskClient) -> None:
    response = ask(client, {"question": "G" * SETTINGS.max_question_chars, "k": SETTINGS.max_k,
                            "history": ["h" * SETTINGS.max_history_chars] * SETTINGS.max_history})
    assert response.status_code == 200



def test_question_the_engine_refuses_is_400_with_its_code(client: FlaskClient, fake_qa: FakeQA,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Answer:
        raise BadQuestion("the question is empty", code="invalid_question")

    monkeypatch.setattr(fake_qa, "ask", refuse)
    error = assert_error(ask(client, {"question": "GDP?"}), 400, "invalid_question")
    assert error["message"] == "The question is empty."



@pytest.mark.parametrize("data", [b"{", b"", b'{"question": "GDP?",}', b"\xff\xfe\x00"])
def test_malformed_json_is_400_invalid_json(client: FlaskClient, data: bytes) -> None:
    response = client.post("/api/ask", data=data,
                           content_type="application/json")
    assert_error(response, 400, "invalid_json")



def test_deeply_nested_json_is_400_not_500() -> None:
    depth = 100_000
    client = create_app(Settings(max_body_bytes=4 * depth), qa=FakeQA()).test_client()
    response = client.post("/api/ask", data=b"[" * depth + b"]" * depth,
                           content_type="application/json")
    assert_error(response, 400, "invalid_json")



def test_body_over_the_limit_is_413_json(client: FlaskClient) -> None:
    body = json.dumps({"question": "GDP?", "pad": "x" * SETTINGS.max_body_bytes})
    response = client.post("/api/ask", data=body, content_type="application/json")
    assert_error(response, 413, "body_too_large")



def test_question_over_the_limit_is_413(client: FlaskClient) -> None:
    response = ask(client, {"question": "G" * (SETTINGS.max_question_chars + 1)})
    assert_error(response, 413, "question_too_long")



@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_non_json_body_is_415(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/api/ask", data='{"question": "GDP?"}', content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")
