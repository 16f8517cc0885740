"""Read-only endpoints: health, the document list, one document's text, the OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ccqa.api.context import service, settings
from ccqa.api.errors import ApiError
from ccqa.api.openapi import openapi_document

documents_api = Blueprint("documents", __name__, url_prefix="/api")


@documents_api.get("/health")
def health() -> Response:
    return jsonify(service().health())


@documents_api.get("/documents")
def documents() -> Response:
    return jsonify([d.metadata_dict() for d in service().documents()])


@documents_api.get("/documents/<path:doc_id>")
def document(doc_id: str) -> Response:
    found = service().document(doc_id)
    if found is None:
        raise ApiError(404, "unknown_document", f"There is no document with id {doc_id!r}.")
    return jsonify(found.to_dict())


@documents_api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(settings()))
