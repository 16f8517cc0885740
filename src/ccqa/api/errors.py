"""The API's one error shape, ``{"error": {"code": ..., "message": ...}}``, and its handlers.

Every failure under ``/api/`` (bad input, unknown path, wrong method, an unavailable index,
a bug) answers JSON with a short machine code and a sentence a person can act on.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ccqa.errors import BadDocument, BadQuestion, BuildLocked, CatalogInvalid, CcqaError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ApiError(Exception):
    """A request the API refuses: HTTP status, short code, and a human sentence.

    >>> raise ApiError(400, "invalid_k", "k must be an integer from 1 to 20.")
    Traceback (most recent call last):
    ...
    ccqa.api_errors.ApiError: k must be an integer from 1 to 20.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> Response:
    """The JSON error body with its status; the code is kept for the access log."""
    g.error_code = code
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Turn ApiError, ccqa errors and HTTP errors under /api/ into JSON error responses."""

    @app.errorhandler(ApiError)
    def api_error(e: ApiError) -> Response:
        return error_response(e.status, e.code, e.message)

    @app.errorhandler(CcqaError)
    def domain_error(e: CcqaError) -> Response:
        status, code = status_of(e)
        if status == 503:
            log.warning("question answering unavailable: %s", e)
        return error_response(status, code, _sentence(str(e)))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response | HTTPException:
        if not is_api_request() or e.code is None:
            return e
        response = error_response(e.code, _HTTP_CODES.get(e.code, "http_error"), _message(e))
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(e.valid_methods))
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response | HTTPException:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not is_api_request():
            return InternalServerError()
        return error_response(500, "internal_error", "Something went wrong on the server.")


# Each domain error's HTTP status and code; any other CcqaError means the index or model cannot serve.
_DOMAIN_STATUS: tuple[tuple[type[CcqaError], int, str], ...] = (
    (BadDocument, 422, "bad_document"),
    (BuildLocked, 409, "build_running"),
    (CatalogInvalid, 409, "invalid_catalog"),
)


def status_of(error: CcqaError) -> tuple[int, str]:
    """The HTTP status and error code for a ccqa error (the only place they are chosen)."""
    if isinstance(error, BadQuestion):
        return 400, error.code
    for kind, status, code in _DOMAIN_STATUS:
        if isinstance(error, kind):
            return status, code
    return 503, "unavailable"


def _sentence(message: str) -> str:
    """A message as the API writes it: capitalised, ending with a full stop."""
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


def _message(e: HTTPException) -> str:
    """A sentence for an HTTP error, naming the path or the methods where that helps."""
    if e.code == 404:
        return f"There is no API endpoint at {request.path}."
    if isinstance(e, MethodNotAllowed):
        allowed = ", ".join(sorted(m for m in e.valid_methods or () if m != "OPTIONS"))
        return f"{request.method} is not allowed on {request.path}; use {allowed}."
    if e.code == 413:
        limit = request.max_content_length
        return f"The request body is larger than the {limit} bytes allowed."
    return e.description or e.name
