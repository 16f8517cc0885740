"""The JSON Schemas (OpenAPI 3.1 = JSON Schema 2020-12) of every API body, kept in step with
``to_dict()`` in ``ccqa.data``; the tests validate real responses against them."""

from __future__ import annotations

from typing import Any

from ccqa.config import Settings
from ccqa.data.documents import BODY_KINDS, CONTEXT_KINDS
from ccqa.ingest.formats import FORMATS
from ccqa.lang import LANGUAGES
from ccqa.search.retrieve import MODES


def ref(name: str) -> dict[str, str]:
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


STRING = {"type": "string"}
_LANG = {"type": "string", "description": "Language code: en, zh."}
_OFFSET = {"type": "integer", "minimum": 0}

_DOCUMENT_METADATA = {
    "doc_id": STRING,
    "path": STRING,
    "title": STRING,
    "source": _nullable(STRING),
    "publisher": _nullable(STRING),
    "date": _nullable({"type": "string", "description": "The catalog's date, else the one the text states (ISO)."}),
    "format": {"type": "string", "enum": [f.name for f in FORMATS]},
    "lang": {"type": "string", "enum": sorted(LANGUAGES),
             "description": "The document's language, detected from its text."},
    "content_hash": STRING,
    "chars": _OFFSET,
    "pages": {"type": "array", "items": ref("Page")},
}


def schemas(settings: Settings) -> dict[str, Any]:
    """The component schemas, with the request limits taken from ``settings``."""
    return {
        "Span": _object({"start": _OFFSET, "end": _OFFSET}),
        "Page": _object({"number": {"type": "integer", "minimum": 1}, "start": _OFFSET,
                         "end": _OFFSET}),
        "Citation": _object({
            "doc_id": STRING,
            "title": STRING,
            "source": _nullable(STRING),
            "publisher": _nullable(STRING),
            "passage_id": STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "page": _nullable({"type": "integer"}),
            "section": _nullable({"type": "string", "description": "The headings above the passage, "
                                  "outermost first, joined by ' › '."}),
            "date": _nullable({"type": "string", "description": "The document's date (ISO)."}),
        }),
        "TableRow": _object({
            "caption": _nullable(STRING),
            "unit": _nullable({"type": "string", "description": "The table's unit line, e.g. 'Unit: 100 million yuan'."}),
            "header": {"type": "array", "items": STRING},
            "cells": {"type": "array", "items": STRING},
            "answer_cell": _nullable({"type": "integer", "minimum": 0,
                                      "description": "Index of the cell that is the exact answer."}),
        }),
        "Passage": _object({
            "text": STRING,
            "score": {"type": "number"},
            "citation": ref("Citation"),
            "highlight": _nullable(ref("Span")),
            "table": _nullable(ref("TableRow")),
            "lang": _LANG,
            "also_in": {"type": "array", "items": ref("Citation"),
                        "description": "Other documents that publish the same text (reposts)."},
        }),
        "AnswerSpan": _object({"start": _OFFSET, "end": _OFFSET, "text": STRING}),
        "AnswerSentence": _object({
            "text": STRING,
            "citation": {"type": "integer", "minimum": 0,
                         "description": "Index into the answer's passages."},
            "doc_id": STRING,
            "start": _OFFSET,
            "end": _OFFSET,
            "span": _nullable({**ref("AnswerSpan"), "description": "The exact answer (a figure, date, name) "
                               "inside the sentence, with document offsets."}),
            "year": _nullable({"type": "string", "description": "The year the quoted figure is about: the "
                               "year its own words give (\"in 2021\", \"2021年\", its table column), else "
                               "\"last year\" counted from the document's date, else the document's date "
                               "(then year_reported is true)."}),
            "lang": _LANG,
            "table": _nullable(ref("TableRow")),
            "year_reported": {"type": "boolean", "description": "true when year is only the date of the "
                              "document the figure is quoted from (the page says \"reported in 2022\")."},
        }),
        "Alternative": {"allOf": [ref("AnswerSentence"), {
            "type": "object", "required": ["year"], "properties": {"year": STRING}}],
            "description": "The same figure for an earlier year, from another passage."},
        "Answer": _object({
            "question": STRING,
            "resolved_question": STRING,
            "found": {"type": "boolean"},
            "message": STRING,
            "answer": _nullable(ref("AnswerSentence")),
            "alternatives": {"type": "array", "items": ref("Alternative"),
                             "description": "Earlier figures, most recent first."},
            "confidence": {"type": "number"},
            "mode": STRING,
            "lang": {**_LANG, "description": "The question's language."},
            "passages": {"type": "array", "items": ref("Passage")},
        }, closed=False),
        "AskResponse": {"allOf": [ref("Answer"), {
            "type": "object",
            "required": ["took_ms", "index_version"],
            "properties": {"took_ms": {"type": "number", "minimum": 0},
                           "index_version": STRING},
        }]},
        "AskRequest": {
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": {"type": "string", "minLength": 1,
                             "maxLength": settings.max_question_chars},
                "k": {"type": "integer", "minimum": 1, "maximum": settings.max_k,
                      "default": settings.top_k,
                      "description": "written as a JSON integer: 2.0 is refused (400 invalid_k), "
                                     "although JSON Schema counts it an integer"},
                "history": {"type": "array", "maxItems": settings.max_history,
                            "items": {"oneOf": [
                                {"type": "string", "maxLength": settings.max_history_chars},
                                {"type": "object", "required": ["question"], "properties": {
                                    "question": {"type": "string", "maxLength": settings.max_history_chars},
                                    "answer": {"type": ["string", "null"], "maxLength": settings.max_history_chars,
                                               "description": "The text the earlier answer quoted "
                                                              "(its exact answer or sentence)."}}},
                            ]},
                            "description": "Earlier turns of the conversation, most recent last: each an "
                                           "earlier question, or the question with the answer it got. A "
                                           "follow-up (\"and Chongqing's?\", \"How fast did it grow?\") is "
                                           "read with them."},
                "mode": {"type": "string", "enum": list(MODES), "default": "hybrid"},
            },
        },
        "Health": _object({
            "status": STRING,
            "index_version": STRING,
            "passages": _OFFSET,
            "documents": _OFFSET,
            "model": STRING,
            "encoder": STRING,
        }, closed=False),
        "DocumentMetadata": _object(_DOCUMENT_METADATA),
        "Unit": _object({
            "kind": {"type": "string", "enum": [*CONTEXT_KINDS, *BODY_KINDS]},
            "start": _OFFSET, "end": _OFFSET,
            "level": {"type": "integer", "minimum": 0, "description": "A heading's depth, a list item's nesting."},
            "parent": _nullable({"type": "integer", "description": "The heading above (index into units)."}),
            "lead_in": _nullable({"type": "integer", "description": "A list item's lead-in paragraph."}),
            "table": _nullable({"type": "integer", "description": "The table of a caption, header or row."}),
            "cells": {"type": "array", "items": ref("Span")},
        }),
        "Table": _object({"caption": _nullable(ref("Span")), "unit_note": _nullable(ref("Span")),
                          "header": {"type": "array", "items": ref("Span")}}),
        "Structure": _object({"units": {"type": "array", "items": ref("Unit")},
                              "tables": {"type": "array", "items": ref("Table")},
                              "date": _nullable(STRING)}),
        "Document": _object({**_DOCUMENT_METADATA, "catalog_date": _nullable(STRING), "text": STRING,
                             "structure": ref("Structure")}),
        "Error": _object({"error": _object({"code": STRING, "message": STRING})}),
    }


# --- admin (only when settings.admin_token is set; see admin.py) ------------------------------

_BUILD_REPORT = _object({
    "version": _nullable(STRING),
    "published": {"type": "boolean"},
    **{k: {"type": "array", "items": STRING} for k in ("added", "changed", "removed", "unchanged")},
    "skipped": {"type": "array", "items": _object({"path": STRING, "reason": STRING})},
    **{k: _OFFSET for k in ("documents", "passages", "passages_embedded", "sentences_embedded")},
    "seconds": {"type": "number", "minimum": 0},
    "duplicates": {"type": "array", "items": _object({"path": STRING, "of": STRING, "passages": _OFFSET}),
                   "description": "Documents that repeat passages of another (reposts)."},
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
        "path": STRING, "doc_id": STRING, "title": STRING, "format": STRING, "chars": _OFFSET,
        "pages": _OFFSET, "replaced": {"type": "boolean"},
        "metadata": _nullable({"type": "object", "additionalProperties": STRING}),
    }),
    "BuildReport": _BUILD_REPORT,
    "RebuildJob": _object({
        "job": STRING,
        "status": {"enum": ["running", "succeeded", "failed"]},
        "started_at": STRING,
        "finished_at": _nullable(STRING),
        "report": _nullable(ref("BuildReport")),
        "error": _nullable(STRING),
    }),
    "Reloaded": _object({"reloaded": {"type": "boolean"}, "index_version": STRING,
                         "published_version": _nullable(STRING)}),
}


