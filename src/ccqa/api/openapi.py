"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the tests validate real responses against
exactly these schemas. Keep them in step with ``Answer.to_dict()`` and friends in ``data.py``.
"""

from __future__ import annotations

from typing import Any

from ccqa import __version__
from ccqa.config import Settings
from ccqa.data.documents import BODY_KINDS, CONTEXT_KINDS
from ccqa.ingest.formats import FORMATS
from ccqa.lang import LANGUAGES
from ccqa.search.retrieve import MODES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], *, closed: bool = True) -> dict[str, Any]:
    """An object whose listed properties are all required; closed: no others allowed."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": not closed,
    }


_STRING = {"type": "string"}
_OFFSET = {"type": "integer", "minimum": 0}

_DOCUMENT_METADATA = {
    "doc_id": _STRING,
    "path": _STRING,
    "title": _STRING,
    "source": _nullable(_STRING),
    "publisher": _nullable(_STRING),
    "date": _nullable({"type": "string", "description": "The catalog's date, else the one the text states (ISO)."}),
    "format": {"type": "string", "enum": [f.name for f in FORMATS]},
    "lang": {"type": "string", "enum": sorted(LANGUAGES),
             "description": "The document's language, detected from its text."},
    "content_hash": _STRING,
    "chars": _OFFSET,
    "pages": {"type": "array", "items": _ref("Page")},
}


def schemas(settings: Settings) -> dict[str, Any]:
    """The component schemas, with the request limits taken from ``settings``."""
    return {
        "Span": _object({"start": _OFFSET, "end": _OFFSET}),
        "Page": _object({"number": {"type": "integer", "minimum": 1}, "start": _OFFSET,
                         "end": _OFFSET}),
        "Citation": _object({
            "doc_id": _STRING,
            "title": _STRING,
            "source": _nullable(_STRING),
            "publisher": _nullable(_STRING),
            "passage_id": _STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "page": _nullable({"type": "integer"}),
        }),
        "Passage": _object({
            "text": _STRING,
            "score": {"type": "number"},
            "citation": _ref("Citation"),
            "highlight": _nullable(_ref("Span")),
        }),
        "AnswerSentence": _object({
            "text": _STRING,
            "citation": {"type": "integer", "minimum": 0,
                         "description": "Index into the answer's passages."},
            "doc_id": _STRING,
            "start": _OFFSET,
            "end": _OFFSET,
        }),
        "Answer": _object({
            "question": _STRING,
            "resolved_question": _STRING,
            "found": {"type": "boolean"},
            "message": _STRING,
            "answer": _nullable(_ref("AnswerSentence")),
            "confidence": {"type": "number"},
            "mode": _STRING,
            "passages": {"type": "array", "items": _ref("Passage")},
        }, closed=False),
        "AskResponse": {"allOf": [_ref("Answer"), {
            "type": "object",
            "required": ["took_ms", "index_version"],
            "properties": {"took_ms": {"type": "number", "minimum": 0},
                           "index_version": _STRING},
        }]},
        "AskRequest": {
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": {"type": "string", "minLength": 1,
                             "maxLength": settings.max_question_chars},
                "k": {"type": "integer", "minimum": 1, "maximum": settings.max_k,
                      "default": settings.top_k},
                "history": {"type": "array", "maxItems": settings.max_history,
                            "items": {"type": "string", "maxLength": settings.max_history_chars},
                            "description": "Earlier questions of the conversation, most recent last."},
                "mode": {"type": "string", "enum": list(MODES), "default": "hybrid"},
            },
        },
        "Health": _object({
            "status": _STRING,
            "index_version": _STRING,
            "passages": _OFFSET,
            "documents": _OFFSET,
            "model": _STRING,
            "encoder": _STRING,
        }, closed=False),
        "DocumentMetadata": _object(_DOCUMENT_METADATA),
        "Unit": _object({
            "kind": {"type": "string", "enum": [*CONTEXT_KINDS, *BODY_KINDS]},
            "start": _OFFSET, "end": _OFFSET,
            "level": {"type": "integer", "minimum": 0, "description": "A heading's depth, a list item's nesting."},
            "parent": _nullable({"type": "integer", "description": "The heading above (index into units)."}),
            "lead_in": _nullable({"type": "integer", "description": "A list item's lead-in paragraph."}),
            "table": _nullable({"type": "integer", "description": "The table of a caption, header or row."}),
            "cells": {"type": "array", "items": _ref("Span")},
        }),
        "Table": _object({"caption": _nullable(_ref("Span")), "unit_note": _nullable(_ref("Span")),
                          "header": {"type": "array", "items": _ref("Span")}}),
        "Structure": _object({"units": {"type": "array", "items": _ref("Unit")},
                              "tables": {"type": "array", "items": _ref("Table")},
                              "date": _nullable(_STRING)}),
        "Document": _object({**_DOCUMENT_METADATA, "catalog_date": _nullable(_STRING), "text": _STRING,
                             "structure": _ref("Structure")}),
        "Error": _object({"error": _object({"code": _STRING, "message": _STRING})}),
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _rate_limited() -> dict[str, Any]:
    """429: the client's token bucket is empty (only when ``rate_limit_per_minute`` is set)."""
    return {**_error("Too many requests from this client (code rate_limited)."), "headers": {
        "Retry-After": {"description": "Seconds to wait before the next request.",
                        "schema": {"type": "integer", "minimum": 1}}}}


# --- admin (only when settings.admin_token is set; see admin.py) ------------------------------

_BUILD_REPORT = _object({
    "version": _nullable(_STRING),
    "published": {"type": "boolean"},
    **{k: {"type": "array", "items": _STRING} for k in ("added", "changed", "removed", "unchanged")},
    "skipped": {"type": "array", "items": _object({"path": _STRING, "reason": _STRING})},
    **{k: _OFFSET for k in ("documents", "passages", "passages_embedded", "sentences_embedded")},
    "seconds": {"type": "number", "minimum": 0},
})

ADMIN_SCHEMAS: dict[str, Any] = {
    "Upload": {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream",
                     "description": "The document: " + ", ".join(
                         f"{'/'.join(f.suffixes)} ({f.label})" for f in FORMATS) + "."},
            **{k: {"type": "string", "maxLength": 500,
                   "description": "Written to corpus/catalog.json for this file."}
               for k in ("title", "publisher", "source", "date")},
        },
    },
    "Uploaded": _object({
        "path": _STRING, "doc_id": _STRING, "title": _STRING, "format": _STRING, "chars": _OFFSET,
        "pages": _OFFSET, "replaced": {"type": "boolean"},
        "metadata": _nullable({"type": "object", "additionalProperties": _STRING}),
    }),
    "BuildReport": _BUILD_REPORT,
    "RebuildJob": _object({
        "job": _STRING,
        "status": {"enum": ["running", "succeeded", "failed"]},
        "started_at": _STRING,
        "finished_at": _nullable(_STRING),
        "report": _nullable(_ref("BuildReport")),
        "error": _nullable(_STRING),
    }),
    "Reloaded": _object({"reloaded": {"type": "boolean"}, "index_version": _STRING,
                         "published_version": _nullable(_STRING)}),
}


def admin_paths() -> dict[str, Any]:
    """The ``/api/admin`` operations, each behind the bearer token."""
    secured: dict[str, Any] = {"security": [{"adminToken": []}]}
    refused = _error("Missing or wrong admin token (with WWW-Authenticate: Bearer).")
    return {
        "/api/admin/documents": {"post": {
            **secured, "summary": "Upload a document into the corpus (rebuild to index it)",
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": _ref("Upload")}}},
            "responses": {
                "201": _json(_ref("Uploaded"), "Stored in the corpus."),
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
                "202": _json(_ref("RebuildJob"), "Started; poll the job."),
                "401": refused,
                "409": _error("A build is already running."),
            },
        }},
        "/api/admin/rebuild/{job_id}": {"get": {
            **secured, "summary": "Status and report of a rebuild job",
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": _STRING}],
            "responses": {
                "200": _json(_ref("RebuildJob"), "The job."),
                "401": refused,
                "404": _error("No such job."),
            },
        }},
        "/api/admin/reload": {"post": {
            **secured, "summary": "Serve the newest published index version now",
            "responses": {"200": _json(_ref("Reloaded"), "The version now served."),
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
                        "application/json": {"schema": _ref("AskRequest")}}},
                    "responses": {
                        "200": _json(_ref("AskResponse"), "The answer, or related passages."),
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
                "summary": "Index and model status",
                "responses": {"200": _json(_ref("Health"), "Ready."), "429": limited,
                              "503": unavailable},
            }},
            "/api/documents": {"get": {
                "summary": "Metadata of every indexed document",
                "responses": {
                    "200": _json({"type": "array", "items": _ref("DocumentMetadata")},
                                 "The documents, without their text."),
                    "429": limited,
                    "503": unavailable,
                },
            }},
            "/api/documents/{doc_id}": {"get": {
                "summary": "One document with its full text",
                "parameters": [{"name": "doc_id", "in": "path", "required": True,
                                "schema": _STRING}],
                "responses": {
                    "200": _json(_ref("Document"), "The document."),
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
