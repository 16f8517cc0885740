"""What wraps every response: security headers, CORS for the API, one access-log line."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from ccqa.api.context import settings
from ccqa.api.errors import is_api_request

access_log = logging.getLogger("ccqa.access")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def install_middleware(app: Flask) -> None:
    """Time each request, and finish each response (see ``finish_response``)."""
    app.before_request(_start_clock)
    app.after_request(finish_response)


def _start_clock() -> None:
    g.started = time.perf_counter()


def finish_response(response: Response) -> Response:
    """Security headers everywhere; CORS and one access-log line for API requests."""
    response.headers.update(SECURITY_HEADERS)
    if is_api_request():
        response.headers.setdefault("Cache-Control", "no-store")
        _add_cors_headers(response, settings().cors_origin_list)
        _log_access(response)
    return response


def _add_cors_headers(response: Response, allowed: list[str]) -> None:
    """Echo an allowed Origin (never with credentials); nothing when CORS is off."""
    if not allowed:
        return
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin is None or (origin not in allowed and "*" not in allowed):
        return
    response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"


def _log_access(response: Response) -> None:
    """One JSON line per API request; the question text only with ``log_questions``."""
    started = g.get("started", time.perf_counter())
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if request.path == "/api/ask" and request.method == "POST":
        line["found"] = g.get("found")
        line["question_chars"] = g.get("question_chars")
        if "question" in g:
            line["question"] = g.question
    if "error_code" in g:
        line["error"] = g.error_code
    access_log.info(json.dumps(line, ensure_ascii=False))
