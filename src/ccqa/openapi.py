"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json``.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the tests validate real responses against
exactly these schemas. Keep them in step with ``Answer.to_dict()`` and friends in ``data.py``.
"""

from __future__ import annotations

from typing import Any

from ccqa import __version__
from ccqa.config import Settings

MODES = ("hybrid", "dense", "bm25")


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
    "date": _nullable(_STRING),
    "format": _STRING,
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
        "Document": _object({**_DOCUMENT_METADATA, "text": _STRING}),
        "Error": _object({"error": _object({"code": _STRING, "message": _STRING})}),
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The whole OpenAPI document for this app's settings."""
    unavailable = _error("The index or model could not be opened.")
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
                "responses": {"200": _json(_ref("Health"), "Ready."), "503": unavailable},
            }},
            "/api/documents": {"get": {
                "summary": "Metadata of every indexed document",
                "responses": {
                    "200": _json({"type": "array", "items": _ref("DocumentMetadata")},
                                 "The documents, without their text."),
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
                    "503": unavailable,
                },
            }},
            "/api/openapi.json": {"get": {
                "summary": "This description",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }},
        },
        "components": {"schemas": schemas(settings)},
    }
