"""What wraps every response: security headers, CORS, the access log."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from ccqa.api.app import create_app
from ccqa.api.middleware import SECURITY_HEADERS
from ccqa.config import Settings
from tests.api.helpers import (
    FakeQA,
    access_lines,
    ask,
)


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
