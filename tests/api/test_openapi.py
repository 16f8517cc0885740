"""The OpenAPI description: valid, complete, and true of real responses."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from tests.api.helpers import (
    response_validator,
)


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
