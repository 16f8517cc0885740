"""What the page and the API give an attacker: a strict CSP and friends on every response,
a page and script that never turn text into markup, and logs that keep questions private.

The browser half (a hostile document cannot run script) is tests/e2e/test_hostile_content.py.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient

from ccqa.api.app import create_app, find_web_dir
from ccqa.config import Settings
from ccqa.data import Answer
from tests.api.helpers import FakeQA


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


class Buggy(FakeQA):
    def ask(self, question: str, **kwargs: Any) -> Answer:
        raise KeyError("a bug")


@pytest.fixture
def client() -> FlaskClient:
    return create_app(Settings(max_body_bytes=1024), qa=FakeQA()).test_client()


def responses(client: FlaskClient) -> dict[str, Any]:
    """One response of every kind the app gives: page, static, API success and each error."""
    limited = create_app(Settings(rate_limit_per_minute=1, rate_limit_loopback=True,
                                  rate_limit_storage="memory://"), qa=FakeQA()).test_client()
    limited.get("/api/documents")  # the health check is never limited
    return {
        "page": client.get("/"),
        "script": client.get("/static/app.js"),
        "style": client.get("/static/style.css"),
        "page 404": client.get("/no-such-page"),
        "health": client.get("/api/health"),
        "ask 200": client.post("/api/ask", json={"question": "What was the GDP?"}),
        "ask 400": client.post("/api/ask", json={"question": ""}),
        "ask 413": client.post("/api/ask", json={"question": "x" * 2000}),
        "ask 415": client.post("/api/ask", data="GDP?", content_type="text/plain"),
        "api 404": client.get("/api/nope"),
        "api 405": client.get("/api/ask"),
        "preflight": client.options("/api/ask"),
        "api 429": limited.get("/api/documents"),
        "api 500": create_app(Settings(), qa=Buggy()).test_client().post(
            "/api/ask", json={"question": "GDP?"}),
    }


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    every = responses(client)
    assert (every["api 429"].status_code, every["api 500"].status_code) == (429, 500)
    for kind, response in every.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin",
                                              "strict-origin-when-cross-origin"), kind
        assert headers["X-Frame-Options"] == "DENY", kind
        csp = csp_directives(headers["Content-Security-Policy"])
        assert csp["frame-ancestors"] == ["'none'"], kind
        assert csp["default-src"] == ["'self'"], kind
        assert csp["script-src"] == ["'self'"], kind  # no inline, eval, nonce or other host
        assert csp["base-uri"] == ["'none'"], kind
        assert csp["form-action"] == ["'self'"], kind
        assert "'unsafe-inline'" not in csp.get("style-src", []), kind
        for values in csp.values():
            assert not {"*", "'unsafe-eval'", "'unsafe-inline'", "http:", "https:",
                        "data:"} & set(values) or values == ["'self'", "data:"], (kind, values)


class _Markup(HTMLParser):
    """Collects every tag's attributes and whether a script element has a body."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def test_page_has_no_inline_script_handlers_or_javascript_urls(client: FlaskClient) -> None:
    markup = _Markup()
    markup.feed(client.get("/").get_data(as_text=True))
    assert not markup.inline_script
    scripts = [attrs for tag, attrs in markup.tags if tag == "script"]
    assert scripts and all(a.get("src") and "//" not in str(a["src"]) for a in scripts)
    for tag, attrs in markup.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert tag not in ("style", "iframe", "object", "embed", "base")
        for value in attrs.values():
            assert not str(value or "").strip().lower().startswith(("javascript:", "vbscript:"))


def test_page_script_never_turns_text_into_markup() -> None:
    source = (find_web_dir() / "app.js").read_text(encoding="utf-8")
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.DOTALL)  # comments may name them
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setTimeout(\"", "setAttribute(\"on", ".href =", "srcdoc"):
        assert sink not in code, f"app.js uses {sink}"


# --- the access log ---------------------------------------------------------------------------

def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ccqa.access"]


@pytest.mark.parametrize("environ", [{}, {"CCQA_LOG_QUESTIONS": "0"}])
def test_access_log_has_one_structured_line_per_request_without_the_question(
        environ: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = create_app(Settings.from_env(environ), qa=FakeQA()).test_client()
    secret = "What was the GDP of my secret project?"
    client.post("/api/ask", json={"question": secret})
    client.post("/api/ask", json={"question": "Who won the 1998 World Cup?"})
    client.post("/api/ask", json={"question": secret, "k": 0})
    found, not_found, refused = access_lines(caplog)

    for line in (found, not_found, refused):
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
        assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
        assert "question" not in line
    assert (found["status"], found["found"], found["question_chars"]) == (200, True, len(secret))
    assert (not_found["status"], not_found["found"]) == (200, False)
    assert (refused["status"], refused["error"], refused["found"]) == (400, "invalid_k", None)
    assert refused["question_chars"] == len(secret)
    assert not [r for r in caplog.records if "secret" in r.getMessage()]  # nowhere at all


def test_question_text_is_logged_when_ccqa_log_questions_is_on(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ccqa.access")
    settings = Settings.from_env({"CCQA_LOG_QUESTIONS": "1"})
    assert settings.log_questions
    client = create_app(settings, qa=FakeQA()).test_client()
    client.post("/api/ask", json={"question": "  Who won the\x00 1998 World Cup? "})
    (line,) = access_lines(caplog)
    assert line["question"] == "Who won the 1998 World Cup?"  # as answered: cleaned
    assert line["found"] is False and line["status"] == 200
