"""The app as a whole: unknown paths and methods, engine failures, the chat page, web/."""

from __future__ import annotations

import re
import socket
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ccqa.api.app import create_app, find_web_dir
from ccqa.config import Settings
from ccqa.data import Answer
from ccqa.errors import IndexMissing
from tests.api.helpers import (
    SETTINGS,
    FakeQA,
    ask,
    assert_error,
)


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
