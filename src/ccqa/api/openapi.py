"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the tests validate real responses against
exactly these schemas. Keep them in step with ``Answer.to_dict()`` and friends in ``data.py``.
"""

from __future__ import annotations

from typing import Any

from ccqa import __version__
from ccqa.api.schemas import ADMIN_SCHEMAS, STRING, ref, schemas
from ccqa.config import Settings


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(ref("Error"), description)


def _rate_limited() -> dict[str, Any]:
    """429: the client sent ``rate_limit_per_minute`` requests in the last 60 s (only when it is set)."""
    return {**_error("Too many requests from this client (code rate_limited)."), "headers": {
        "Retry-After": {"description": "Seconds to wait before the next request.",
                        "schema": {"type": "integer", "minimum": 1}}}}


def admin_paths() -> dict[str, Any]:
    """The ``/api/admin`` operations, each behind the bearer token."""
    secured: dict[str, Any] = {"security": [{"adminToken": []}]}
    refused = _error("Missing or wrong admin token (with WWW-Authenticate: Bearer).")
    return {
        "/api/admin/documents": {"post": {
            **secured, "summary": "Upload a document into the corpus (rebuild to index it)",
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": ref("Upload")}}},
            "responses": {
                "201": _json(ref("Uploaded"), "Stored in the corpus."),
                "400": _error("No file, or a file name that is empty, absolute or has '..'."),
                "401": refused,
                "409": _error("corpus/catalog.json is malformed."),
                "413": _error("Larger than max_upload_bytes."),
                "415": _error("A file type that cannot be indexed."),
                "422": _error("The document cannot be read (empty, undecodable, corrupt)."),
            },
        }},
        "/api/admin/rebuild": {"post": {
            **secured, "summary": "Start an incremental index build in the background",
            "responses": {
                "202": _json(ref("RebuildJob"), "Started; poll the job."),
                "401": refused,
                "409": _error("A build is already running."),
            },
        }},
        "/api/admin/rebuild/{job_id}": {"get": {
            **secured, "summary": "Status and report of a rebuild job",
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": STRING}],
            "responses": {
                "200": _json(ref("RebuildJob"), "The job."),
                "401": refused,
                "404": _error("No such job."),
            },
        }},
        "/api/admin/reload": {"post": {
            **secured, "summary": "Serve the newest published index version now",
            "responses": {"200": _json(ref("Reloaded"), "The version now served."),
                          "401": refused},
        }},
    }


def _components(settings: Settings) -> dict[str, Any]:
    if not settings.admin_token:
        return {"schemas": schemas(settings)}
    return {"schemas": {**schemas(settings), **ADMIN_SCHEMAS},
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}}}


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The whole OpenAPI document for this app's settings."""
    unavailable = _error("The index or model could not be opened.")
    limited = _rate_limited()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ccqa",
            "version": __version__,
            "description": "Answers questions by quoting the indexed documents, with citations.",
        },
        "paths": {
            "/api/ask": {
                "post": {
                    "summary": "Answer a question by quoting a passage",
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": ref("AskRequest")}}},
                    "responses": {
                        "200": _json(ref("AskResponse"), "The answer, or related passages."),
                        "400": _error("Invalid JSON or an invalid field."),
                        "413": _error("Body or question too long."),
                        "415": _error("The body is not JSON."),
                        "429": limited,
                        "503": unavailable,
                    },
                },
                "options": {
                    "summary": "CORS preflight",
                    "responses": {"204": {"description": "Preflight accepted."}},
                },
            },
            "/api/health": {"get": {
                "summary": "Index and model status (never rate limited: load balancers probe it)",
                "responses": {"200": _json(ref("Health"), "Ready."), "503": unavailable},
            }},
            "/api/documents": {"get": {
                "summary": "Metadata of every indexed document",
                "responses": {
                    "200": _json({"type": "array", "items": ref("DocumentMetadata")},
                                 "The documents, without their text."),
                    "429": limited,
                    "503": unavailable,
                },
            }},
            "/api/documents/{doc_id}": {"get": {
                "summary": "One document with its full text",
                "parameters": [{"name": "doc_id", "in": "path", "required": True,
                                "schema": STRING}],
                "responses": {
                    "200": _json(ref("Document"), "The document."),
                    "404": _error("No document with that id."),
                    "429": limited,
                    "503": unavailable,
                },
            }},
            "/api/openapi.json": {"get": {
                "summary": "This description",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document."),
                              "429": limited},
            }},
            **(admin_paths() if settings.admin_token else {}),
        },
        "components": _components(settings),
    }
