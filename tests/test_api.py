"""The JSON API and page serving, against a small fake QA service built from real dataclasses."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ccqa.api.app import create_app, find_web_dir
from ccqa.api.ask import clean_text
from ccqa.api.middleware import SECURITY_HEADERS
from ccqa.config import Settings
from ccqa.data import Answer, AnswerSentence, Citation, CitedPassage, Document, Page, Span
from ccqa.errors import BadQuestion, IndexMissing

GDP_SENTENCE = ("The Chengdu-Chongqing economic circle achieved a regional GDP of "
                "7.39192 trillion yuan in 2021.")
DOC_TEXT = "Open Governance\n\nConstruction accelerates.\n\n" + GDP_SENTENCE + " Growth was 8.5%."


def make_document() -> Document:
    return Document(doc_id="doc-1", path="circle.txt", title="Circle Accelerates", text=DOC_TEXT,
                    publisher="Sichuan Government", date="2022-06",
                    pages=(Page(1, 0, len(DOC_TEXT)),))


class FakeQA:
    """Answers GDP questions from one document, says not found otherwise, records calls."""

    index_version = "test-v1"
    model_name = "fake-model"

    def __init__(self) -> None:
        self.doc = make_document()
        self.calls: list[dict[str, Any]] = []
        self.reloads = 0

    def ask(self, question: str, *, k: int = 5, history: Sequence[str] = (),
            mode: str = "hybrid") -> Answer:
        self.calls.append({"question": question, "k": k, "history": history, "mode": mode})
        if mode not in ("hybrid", "dense", "bm25"):
            raise BadQuestion(f"unknown mode {mode!r}")
        start = DOC_TEXT.index(GDP_SENTENCE)
        passage_end = len(DOC_TEXT)
        citation = Citation(doc_id="doc-1", title=self.doc.title, source=None,
                            passage_id="p-1", start=start, end=passage_end, page=1,
                            publisher=self.doc.publisher)
        passage = CitedPassage(text=DOC_TEXT[start:passage_end], score=0.83, citation=citation,
                               highlight=Span(start, start + len(GDP_SENTENCE)))
        found = "gdp" in question.lower()
        sentence = AnswerSentence(GDP_SENTENCE, 0, "doc-1", start, start + len(GDP_SENTENCE))
        return Answer(question=question, resolved_question=question, found=found,
                      message="" if found else "Not found in the documents.",
                      answer=sentence if found else None, passages=(passage,), mode=mode,
                      confidence=0.9 if found else 0.1)

    def documents(self) -> list[Document]:
        return [self.doc]

    def document(self, doc_id: str) -> Document | None:
        return self.doc if doc_id == self.doc.doc_id else None

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "index_version": self.index_version, "passages": 3,
                "documents": 1, "model": self.model_name, "encoder": "fake"}

    def maybe_reload(self) -> bool:
        self.reloads += 1
        return False


SETTINGS = Settings(max_k=8, max_body_bytes=2048, max_question_chars=200, max_history=3,
                    max_history_chars=100)


@pytest.fixture
def fake_qa() -> FakeQA:
    return FakeQA()


@pytest.fixture
def app(fake_qa: FakeQA) -> Flask:
    return create_app(SETTINGS, qa=fake_qa)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def ask(client: FlaskClient, body: Any, **kwargs: Any) -> Any:
    return client.post("/api/ask", json=body, **kwargs)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# --- success ---------------------------------------------------------------------------------

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
                                 "history": ("What was the GDP in 2021?", "Which provinces?")}


def test_defaults_are_top_k_no_history_and_hybrid(client: FlaskClient, fake_qa: FakeQA) -> None:
    ask(client, {"question": "GDP?", "unknown_field": {"is": "ignored"}})
    assert fake_qa.calls[-1] == {"question": "GDP?", "k": SETTINGS.top_k, "history": (),
                                 "mode": "hybrid"}


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


def test_health(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_document_list_shows_metadata_without_text(client: FlaskClient) -> None:
    listed = client.get("/api/documents").get_json()
    assert listed == [make_document().metadata_dict()]
    assert "text" not in listed[0]


def test_document_by_id_has_its_full_text(client: FlaskClient) -> None:
    assert client.get("/api/documents/doc-1").get_json() == make_document().to_dict()


def test_unknown_document_is_404_json(client: FlaskClient) -> None:
    assert_error(client.get("/api/documents/nope"), 404, "unknown_document")


# --- bad input -------------------------------------------------------------------------------

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


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/nope"), ("POST", "/api/nope"), ("GET", "/api"), ("GET", "/api/"),
    ("GET", "/api/documents/"), ("DELETE", "/api/questions/1"),
])
def test_unknown_api_path_is_404_json(client: FlaskClient, method: str, path: str) -> None:
    assert_error(client.open(path, method=method), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/ask"), ("PUT", "/api/ask"), ("POST", "/api/health"),
    ("DELETE", "/api/documents"), ("POST", "/api/documents/doc-1"),
])
def test_wrong_method_is_405_json_with_allow(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"]


def test_engine_that_cannot_open_is_503_json() -> None:
    class Broken(FakeQA):
        def health(self) -> dict[str, Any]:
            raise IndexMissing("No index in index/: run `ccqa build` first.")

    response = create_app(SETTINGS, qa=Broken()).test_client().get("/api/health")
    assert "ccqa build" in assert_error(response, 503, "unavailable")["message"]


def test_engine_bug_is_500_json_not_html() -> None:
    class Buggy(FakeQA):
        def ask(self, question: str, **kwargs: Any) -> Answer:
            raise KeyError("oops")

    response = ask(create_app(SETTINGS, qa=Buggy()).test_client(), {"question": "GDP?"})
    assert_error(response, 500, "internal_error")


def test_real_qa_is_opened_lazily_once(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Settings] = []

    class QA:
        @staticmethod
        def open(settings: Settings) -> FakeQA:
            opened.append(settings)
            return FakeQA()

    monkeypatch.setitem(sys.modules, "ccqa.service", types.SimpleNamespace(QA=QA))
    client = create_app(SETTINGS).test_client()
    client.get("/api/openapi.json")
    assert opened == []
    client.get("/api/health")
    client.get("/api/documents")
    assert opened == [SETTINGS]


# --- OpenAPI ---------------------------------------------------------------------------------

def response_validator(spec: dict[str, Any], path: str, method: str, status: int
                       ) -> Draft202012Validator:
    """A validator for the JSON schema the spec declares for this operation and status."""
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), method,
                        "responses", str(status), "content", "application~1json", "schema"])
    registry: Registry[Any] = Registry().with_resource(
        "urn:ccqa:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": "urn:ccqa:openapi" + pointer}, registry=registry)


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/openapi.json").get_json()
    return spec


def test_openapi_schemas_are_valid_json_schema(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert {"Answer", "Passage", "Citation", "Error", "Health", "Document"} <= set(
        spec["components"]["schemas"])


def test_openapi_describes_every_api_route(app: Flask, spec: dict[str, Any]) -> None:
    routes = {rule.rule.replace("<path:doc_id>", "{doc_id}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])


@pytest.mark.parametrize(("method", "path", "body", "status", "spec_path"), [
    ("post", "/api/ask", {"question": "What was the GDP?"}, 200, "/api/ask"),
    ("post", "/api/ask", {"question": "Who won?", "history": ["GDP?"]}, 200, "/api/ask"),
    ("post", "/api/ask", {"question": ""}, 400, "/api/ask"),
    ("post", "/api/ask", {"question": "x" * 500}, 413, "/api/ask"),
    ("get", "/api/health", None, 200, "/api/health"),
    ("get", "/api/documents", None, 200, "/api/documents"),
    ("get", "/api/documents/doc-1", None, 200, "/api/documents/{doc_id}"),
    ("get", "/api/documents/nope", None, 404, "/api/documents/{doc_id}"),
    ("get", "/api/openapi.json", None, 200, "/api/openapi.json"),
])
def test_real_responses_match_the_openapi_schemas(
        client: FlaskClient, spec: dict[str, Any], method: str, path: str, body: Any,
        status: int, spec_path: str) -> None:
    response = client.open(path, method=method.upper(), json=body)
    assert response.status_code == status
    response_validator(spec, spec_path, method, status).validate(response.get_json())


def test_other_errors_match_the_error_schema(client: FlaskClient, spec: dict[str, Any]) -> None:
    validator = response_validator(spec, "/api/ask", "post", 415)
    for response in (client.post("/api/ask", data="x", content_type="text/plain"),
                     client.post("/api/ask", data="{", content_type="application/json"),
                     client.get("/api/nope"), client.get("/api/ask")):
        validator.validate(response.get_json())


def test_answer_schema_rejects_a_wrong_shape(spec: dict[str, Any]) -> None:
    validator = response_validator(spec, "/api/ask", "post", 200)
    assert not validator.is_valid({"question": "q", "found": "yes", "passages": []})


# --- headers, CORS, logging, page ------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/static/app.js"), ("GET", "/api/health"), ("GET", "/api/nope"),
    ("POST", "/api/ask"), ("GET", "/no-such-page"),
])
def test_security_headers_on_every_response(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_no_cors_headers_when_cors_is_off(client: FlaskClient) -> None:
    response = ask(client, {"question": "GDP?"}, headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_echoes_only_allowed_origins(fake_qa: FakeQA) -> None:
    settings = Settings(cors_origins="https://a.example, https://b.example")
    client = create_app(settings, qa=fake_qa).test_client()
    allowed = ask(client, {"question": "GDP?"}, headers={"Origin": "https://b.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Origin" in allowed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = ask(client, {"question": "GDP?"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers

    preflight = client.options("/api/ask", headers={
        "Origin": "https://a.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ccqa.access"]


def test_one_access_log_line_per_api_request(client: FlaskClient,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ccqa.access")
    ask(client, {"question": "What was the GDP?"})
    ask(client, {"question": "", "k": 0})
    client.get("/")
    first, second = access_lines(caplog)
    assert first["method"] == "POST" and first["path"] == "/api/ask" and first["status"] == 200
    assert first["found"] is True and first["question_chars"] == len("What was the GDP?")
    assert isinstance(first["latency_ms"], float) and first["time"]
    assert "question" not in first
    assert second["status"] == 400 and second["error"] == "invalid_question"


def test_question_text_is_logged_only_when_enabled(fake_qa: FakeQA,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ccqa.access")
    client = create_app(Settings(log_questions=True), qa=fake_qa).test_client()
    ask(client, {"question": "What was the GDP?"})
    assert access_lines(caplog)[0]["question"] == "What was the GDP?"


def test_index_html_and_static_files_are_served(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'<textarea' in page.data and b"static/app.js" in page.data
    assert client.get("/static/app.js").mimetype in ("text/javascript", "application/javascript")
    assert client.get("/static/style.css").mimetype == "text/css"


def test_page_has_no_inline_script_or_style(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "<style" not in html and not re.search(r"<[^>]*\s(style|on[a-z]+)\s*=", html)
    assert all(re.match(r'\s[^>]*src="', tag) for tag in html.split("<script")[1:])


def test_web_dir_is_found_in_the_repo_and_when_installed(tmp_path: Path) -> None:
    assert (find_web_dir() / "index.html").is_file()
    fake_module = tmp_path / "site-packages" / "ccqa" / "app.py"
    assert find_web_dir(fake_module, tmp_path / "prefix") == (
        tmp_path / "prefix" / "share" / "ccqa" / "web")


def test_explicit_web_dir_is_served(tmp_path: Path, fake_qa: FakeQA) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>elsewhere</title>")
    client = create_app(SETTINGS, qa=fake_qa, web_dir=tmp_path).test_client()
    assert b"elsewhere" in client.get("/").data


def test_outbound_network_connections_fail_loudly() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="must not reach"):
        sock.connect(("192.0.2.1", 80))
