"""Property-based fuzzing of the API (hypothesis): whatever arrives, never a 5xx, always JSON
in the shape the OpenAPI document gives for that status.

The engine is the real ``QA`` over an index of the seed article built with the fast
``HashingEncoder``, so valid questions run real retrieval and answering; the admin endpoints
get a fast rebuild with the same encoder. Thousands of cases in all, in well under a minute.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ccqa.api.app import create_app
from ccqa.api.ask import clean_text
from ccqa.api.jobs import RebuildJobs
from ccqa.config import Settings
from ccqa.index.build import build_index
from ccqa.search.retrieve import MODES
from ccqa.service import QA
from tests.index_fixtures import HashingEncoder, seed_corpus

TOKEN = "fuzz-admin-token-0123456789abcdef"


def fuzz(cases: int) -> settings:
    """``cases`` generated inputs, no deadline (the machine is shared), nothing stored."""
    return settings(max_examples=cases, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]


# --- the app under test ------------------------------------------------------------------------

def hashing_app(root: Path, **overrides: Any) -> tuple[Flask, Settings]:
    """An app on a HashingEncoder index of the seed article, built in ``root``."""
    config = Settings(corpus_dir=seed_corpus(root / "data" / "corpus"),
                      index_dir=root / "data" / "index", cache_size=0, reload_interval_s=0.0,
                      **overrides)
    build_index(config, encoder=HashingEncoder())
    app = create_app(config, qa=QA.open(config, encoder=HashingEncoder()))
    return app, config


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    app, _ = hashing_app(tmp_path_factory.mktemp("fuzz-ask"))
    return app.test_client()


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FlaskClient, Path]]:
    root = tmp_path_factory.mktemp("fuzz-admin")
    app, config = hashing_app(root, admin_token=TOKEN, max_upload_bytes=8 * 1024)
    app.extensions["ccqa.admin"] = RebuildJobs(
        config, build=lambda s: build_index(s, encoder=HashingEncoder(), wait=True))
    yield app.test_client(), root


# --- checking responses against the OpenAPI document -------------------------------------------

@lru_cache(maxsize=4)
def spec_for(admin_on: bool) -> str:
    config = Settings(admin_token=TOKEN if admin_on else "")
    return json.dumps(create_app(config, qa=None).test_client().get("/api/openapi.json").get_json())


@lru_cache(maxsize=256)
def validator(spec_json: str, pointer: str) -> Draft202012Validator:
    spec = json.loads(spec_json)
    registry: Registry[Any] = Registry().with_resource(
        "urn:ccqa:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": "urn:ccqa:openapi#" + pointer}, registry=registry)


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def check(response: Any, template: str | None, method: str, admin_on: bool = False) -> Any:
    """Never 5xx; JSON whose shape is the documented one (the Error shape for other errors)."""
    status = response.status_code
    spec_json = spec_for(admin_on)
    documented = json.loads(spec_json)["paths"].get(template or "", {})
    responses = documented.get(method.lower(), {}).get("responses", {})
    # the spread of answers shows with --hypothesis-show-statistics
    if currently_in_test_context():
        event(f"{method} {template if documented else 'other path'}: {status}")
    assert status < 500, (status, response.data[:300])
    if method in ("HEAD", "OPTIONS") and not response.data:
        return None
    assert response.mimetype == "application/json", (status, response.data[:200])
    body = json.loads(response.data)
    if str(status) in responses:
        pointer = "/".join(["", "paths", escape(template or ""), method.lower(), "responses",
                            str(status), "content", "application~1json", "schema"])
    else:
        assert status >= 400, f"{status} is not documented for {method} {template}"
        pointer = "/components/schemas/Error"
    validator(spec_json, pointer).validate(body)
    return body


# --- strategies ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
questions = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["What was the GDP in 2021?", "How many cooperation agreements?",
                     "Who won the 1998 World Cup?", "\u0000\u001b\u202e", " \n\t "]),
    st.integers(995, 1005).map(lambda n: "G" * n),
    json_values)
ks = st.one_of(st.integers(-3, 25), st.integers(), st.just(10**30), st.floats(), st.booleans(),
               st.none(), st.text(max_size=3), json_values)
histories = st.one_of(
    st.lists(st.text(max_size=40), max_size=12),
    st.integers(0, 12).map(lambda n: ["h" * 1000] * n),
    st.lists(st.text(min_size=999, max_size=1001, alphabet="ab"), max_size=2),
    st.lists(json_values, max_size=3),
    json_values)
modes = st.one_of(st.sampled_from(MODES), st.text(max_size=8), json_values)
ask_bodies = st.fixed_dictionaries({}, optional={
    "question": questions, "k": ks, "history": histories, "mode": modes,
    "extra": json_values})
content_types = st.one_of(
    st.sampled_from(["application/json", "application/json; charset=utf-8",
                     "application/json; charset=latin-1", "application/problem+json",
                     "text/plain", "application/x-www-form-urlencoded",
                     "multipart/form-data; boundary=x", "", "application/jsonx", "*/*"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)


def post_json(client: FlaskClient, body: bytes) -> Any:
    return client.post("/api/ask", data=body, content_type="application/json")


# --- POST /api/ask ------------------------------------------------------------------------------

@fuzz(1200)
@given(body=ask_bodies, ascii_only=st.booleans())
def test_ask_with_generated_fields_is_answered_or_refused_as_documented(
        client: FlaskClient, body: dict[str, Any], ascii_only: bool) -> None:
    raw = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    response = post_json(client, raw)
    answer = check(response, "/api/ask", "post")
    request_schema = validator(spec_for(False), "/components/schemas/AskRequest")
    usable = (request_schema.is_valid(body) and len(raw) <= Settings().max_body_bytes
              and clean_text(body["question"]) != ""
              and not isinstance(body.get("k"), float))  # k's description: 2.0 is refused
    if usable:  # what the OpenAPI document allows, the server accepts
        assert response.status_code == 200, response.data[:300]
        assert answer["question"] == clean_text(body["question"])
    else:
        assert response.status_code in (400, 413)


@fuzz(500)
@given(value=json_values)
def test_ask_with_any_json_value_never_fails(client: FlaskClient, value: Any) -> None:
    check(post_json(client, json.dumps(value).encode()), "/api/ask", "post")


@fuzz(700)
@given(data=st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=60).map(lambda b: b'{"question": "' + b + b'"}'),
    st.binary(max_size=20).map(lambda b: b'{"question": "GDP?", "k": ' + b + b"}"),
    st.integers(60_000, 70_000).map(lambda n: b'{"question": "' + b"x" * n + b'"}'),
    st.just('{"question": "GDP?"}'.encode("utf-16")),
    st.just(b"\xef\xbb\xbf" + b'{"question": "GDP?"}')),
    content_type=content_types)
def test_ask_with_any_bytes_and_content_type_never_fails(
        client: FlaskClient, data: bytes, content_type: str) -> None:
    response = client.post("/api/ask", data=data, content_type=content_type)
    body = check(response, "/api/ask", "post")
    if not response.request.is_json:
        assert response.status_code == 415
    elif len(data) > Settings().max_body_bytes:
        assert response.status_code == 413
    elif not utf8(data) and json.detect_encoding(data) == "utf-8":  # not UTF-16/32 either
        assert (response.status_code, body["error"]["code"]) == (400, "invalid_json")


def utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@fuzz(500)
@given(method=st.sampled_from(METHODS),
       tail=st.one_of(st.text(max_size=30), st.text(alphabet="/.a%~", max_size=12)),
       origin=header_text, query=st.text(max_size=20))
def test_any_path_and_method_under_api_answers_json(
        client: FlaskClient, method: str, tail: str, origin: str, query: str) -> None:
    path = "/api/" + quote(tail, safe="/")
    response = client.open(path, method=method, query_string={"q": query},
                           headers={"Origin": origin})
    template = "/api/documents/{doc_id}" if path.startswith("/api/documents/") else path
    check(response, template, method)


# --- the admin endpoints ------------------------------------------------------------------------

tokens = st.one_of(st.just(TOKEN), st.just(TOKEN + "x"), st.just(TOKEN[:-1]), st.just(""),
                   header_text)
schemes = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token", ""])
credentials = st.one_of(st.just(("Bearer", TOKEN)), st.just(("bearer", TOKEN)),
                        st.just(("Bearer", TOKEN)), st.tuples(schemes, tokens))  # mostly right
file_names = st.one_of(
    st.text(max_size=30).map(lambda s: s + ".txt"),
    st.sampled_from(["../escape.txt", "..", "/etc/passwd.txt", "C:\\win.txt", "a/../../b.md",
                     "sub/dir/file.md", ".hidden.txt", "catalog.json", "x.exe", "noext",
                     "文件.txt", "CON.txt", ".txt", "a" * 300 + ".txt", "x.pdf", "x.docx",
                     "x.html", "..\\..\\x.txt"]),
    st.text(max_size=30))
contents = st.one_of(st.binary(max_size=400),
                     st.text(max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")),
                     st.just(b"The Chengdu-Chongqing circle signed 300 agreements. " * 20),
                     st.just(b"x" * (8 * 1024 + 1)))
metadata = st.dictionaries(st.sampled_from(["title", "publisher", "source", "date", "other"]),
                           st.one_of(st.text(max_size=20), st.just("t" * 501)), max_size=3)


def auth(scheme: str, token: str) -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}".strip()} if scheme or token else {}


@fuzz(500)
@given(credential=credentials, name=file_names, content=contents, fields=metadata,
       with_file=st.booleans())
def test_admin_upload_never_fails_and_never_writes_outside_the_corpus(
        admin: tuple[FlaskClient, Path], credential: tuple[str, str], name: str,
        content: bytes, fields: dict[str, str], with_file: bool) -> None:
    client, root = admin
    scheme, token = credential
    form: dict[str, Any] = dict(fields)
    if with_file:
        form["file"] = (io.BytesIO(content), name)
    try:
        response = client.post("/api/admin/documents", data=form,
                               content_type="multipart/form-data", headers=auth(scheme, token))
    except (UnicodeEncodeError, ValueError):  # the test client cannot encode this name
        assume(False)
        return
    body = check(response, "/api/admin/documents", "post", admin_on=True)
    if scheme.lower() != "bearer" or token.strip() != TOKEN:
        assert response.status_code == 401
    if response.status_code == 201:
        assert (root / "data" / "corpus" / body["path"]).is_file()
    assert sorted(p.name for p in root.iterdir()) == ["data"]
    assert sorted(p.name for p in (root / "data").iterdir()) == ["corpus", "index"]


@fuzz(300)
@given(credential=credentials,
       call=st.one_of(
           st.tuples(st.just("POST"), st.just("/api/admin/rebuild")),
           st.tuples(st.just("POST"), st.just("/api/admin/reload")),
           st.tuples(st.just("GET"), st.text(max_size=20).map(
               lambda s: "/api/admin/rebuild/" + quote(s, safe=""))),
           st.tuples(st.just("GET"), st.text(alphabet="0123456789abcdef", min_size=16,
                                             max_size=16).map(lambda s: "/api/admin/rebuild/" + s)),
           st.tuples(st.sampled_from(METHODS), st.text(max_size=20).map(
               lambda s: "/api/admin/" + quote(s, safe="/"))),
       ),
       body=st.one_of(st.none(), json_values))
def test_admin_rebuild_reload_and_jobs_never_fail(
        admin: tuple[FlaskClient, Path], credential: tuple[str, str], call: tuple[str, str],
        body: Any) -> None:
    client, _ = admin
    scheme, token = credential
    method, path = call
    response = client.open(path, method=method, headers=auth(scheme, token),
                           data=None if body is None else json.dumps(body),
                           content_type="application/json")
    if path.startswith("/api/admin/rebuild/") and path.count("/") == 4:
        template = "/api/admin/rebuild/{job_id}"
    else:
        template = path
    check(response, template, method, admin_on=True)
    if response.status_code == 202:
        assert response.headers["Location"].startswith("/api/admin/rebuild/")


def test_admin_upload_with_a_name_too_long_for_the_disk_is_400(
        admin: tuple[FlaskClient, Path]) -> None:
    client, _ = admin
    response = client.post("/api/admin/documents", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"Some text."), "a" * 300 + ".txt")},
                           headers=auth("Bearer", TOKEN))
    assert check(response, "/api/admin/documents", "post", admin_on=True)
    assert response.status_code == 400
