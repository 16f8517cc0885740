"""The Flask app: the JSON API under ``/api/`` and the chat page from ``web/``.

Usage::

    app = create_app(Settings(), qa=fake_qa)  # tests inject a QA service
    app = create_app()                        # settings from CCQA_*; opens ccqa.service.QA lazily
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, send_from_directory

from ccqa.api.admin import register_admin
from ccqa.api.errors import ApiError, is_api_request, register_error_handlers
from ccqa.api.openapi import openapi_document
from ccqa.api.ratelimit import install_rate_limit
from ccqa.config import Settings
from ccqa.data import Answer, Document
from ccqa.errors import CcqaError
from ccqa.search.retrieve import MODES

log = logging.getLogger(__name__)
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


class QAService(Protocol):
    """What the app needs from the question-answering engine (``ccqa.service.QA``)."""

    index_version: str
    model_name: str

    def ask(self, question: str, *, k: int = 5, history: Sequence[str] = (),
            mode: str = "hybrid") -> Answer: ...

    def documents(self) -> list[Document]: ...

    def document(self, doc_id: str) -> Document | None: ...

    def health(self) -> dict[str, Any]: ...

    def maybe_reload(self) -> bool: ...


@dataclass(frozen=True)
class AskRequest:
    """A validated ``POST /api/ask`` body."""

    question: str
    k: int
    history: tuple[str, ...]
    mode: str


class _Engine:
    """Holds the QA service; opens the real one on first use, once, under a lock."""

    def __init__(self, settings: Settings, qa: QAService | None) -> None:
        self._settings = settings
        self._qa = qa
        self._lock = threading.Lock()

    def get(self) -> QAService:
        if self._qa is None:
            with self._lock:
                if self._qa is None:
                    from ccqa.service import QA

                    self._qa = QA.open(self._settings)
        return self._qa


def find_web_dir(package_file: str | Path = __file__, prefix: str | Path = sys.prefix) -> Path:
    """The chat page's folder: the repo's ``web/`` beside ``src/``, else the installed copy."""
    repo_web = Path(package_file).resolve().parents[3] / "web"
    if (repo_web / "index.html").is_file():
        return repo_web
    return Path(prefix) / "share" / "ccqa" / "web"


def create_app(settings: Settings | None = None, qa: QAService | None = None,
               web_dir: str | Path | None = None) -> Flask:
    """Build the app; ``qa`` None opens ``ccqa.service.QA`` lazily with ``settings``."""
    settings = settings or Settings.from_env()
    web = Path(web_dir) if web_dir is not None else find_web_dir()
    if not (web / "index.html").is_file():
        log.warning("no chat page at %s; only the API is served", web)
    app = Flask(__name__, static_folder=str(web), static_url_path="/static")
    app.url_map.merge_slashes = False  # /api//ask: a JSON 404, not an HTML redirect
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["ccqa"] = _Engine(settings, qa)
    app.extensions["ccqa.settings"] = settings

    register_error_handlers(app)
    app.before_request(_start_clock)
    install_rate_limit(app, settings)
    app.after_request(_finish_response)
    app.register_blueprint(api)
    register_admin(app, settings)

    @app.get("/")
    def index() -> Response:
        return send_from_directory(web, "index.html")

    return app


api = Blueprint("api", __name__, url_prefix="/api")


def _settings() -> Settings:
    settings: Settings = current_app.extensions["ccqa.settings"]
    return settings


def _service() -> QAService:
    """The QA service, given its chance to pick up a rebuilt index."""
    qa: QAService = current_app.extensions["ccqa"].get()
    try:
        qa.maybe_reload()
    except CcqaError as e:
        log.warning("index reload failed; still serving %s: %s", qa.index_version, e)
    return qa


@api.route("/ask", methods=["POST", "OPTIONS"])
def ask() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    settings = _settings()
    body = _json_body()
    if "question" in body and isinstance(body["question"], str):
        g.question_chars = len(body["question"])
    asked = parse_ask(body, settings)
    g.question_chars = len(asked.question)
    if settings.log_questions:
        g.question = asked.question
    qa = _service()
    started = time.perf_counter()
    answer = qa.ask(asked.question, k=asked.k, history=asked.history, mode=asked.mode)
    took_ms = (time.perf_counter() - started) * 1000
    g.found = answer.found
    return jsonify({**answer.to_dict(), "took_ms": round(took_ms, 2),
                    "index_version": qa.index_version})


@api.get("/health")
def health() -> Response:
    return jsonify(_service().health())


@api.get("/documents")
def documents() -> Response:
    return jsonify([d.metadata_dict() for d in _service().documents()])


@api.get("/documents/<path:doc_id>")
def document(doc_id: str) -> Response:
    found = _service().document(doc_id)
    if found is None:
        raise ApiError(404, "unknown_document", f"There is no document with id {doc_id!r}.")
    return jsonify(found.to_dict())


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(_settings()))


def _json_body() -> dict[str, Any]:
    """The request body as a JSON object, or an ApiError saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the request body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", 'The request body must be a JSON object such as '
                       '{"question": "..."}.')
    return body


def clean_text(text: str) -> str:
    """Drop control characters (except newline and tab) and lone surrogates; trim the ends."""
    kept = (ch for ch in text
            if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return "".join(kept).strip()


def parse_ask(body: dict[str, Any], settings: Settings) -> AskRequest:
    """Validate an ask body against ``settings``' limits; unknown fields are ignored."""
    raw_question = body.get("question")
    if not isinstance(raw_question, str):
        raise ApiError(400, "invalid_question", 'Give the question as a string in "question".')
    question = clean_text(raw_question)
    if not question:
        raise ApiError(400, "invalid_question", "The question is empty.")
    if len(question) > settings.max_question_chars:
        raise ApiError(413, "question_too_long", f"The question is {len(question)} characters "
                       f"long; the limit is {settings.max_question_chars}.")

    k = body.get("k", settings.top_k)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= settings.max_k:
        raise ApiError(400, "invalid_k", f"k must be an integer from 1 to {settings.max_k}.")

    history = body.get("history", [])
    if (not isinstance(history, list) or len(history) > settings.max_history
            or not all(isinstance(h, str) and len(h) <= settings.max_history_chars
                       for h in history)):
        raise ApiError(400, "invalid_history", f"history must be a list of at most "
                       f"{settings.max_history} earlier questions, each at most "
                       f"{settings.max_history_chars} characters.")

    mode = body.get("mode", "hybrid")
    if mode not in MODES:
        raise ApiError(400, "invalid_mode", f"mode must be one of {', '.join(MODES)}.")
    cleaned = tuple(c for c in (clean_text(h) for h in history) if c)
    return AskRequest(question=question, k=k, history=cleaned, mode=mode)


def _start_clock() -> None:
    g.started = time.perf_counter()


def _finish_response(response: Response) -> Response:
    """Security headers everywhere; CORS and one access-log line for API requests."""
    response.headers.update(SECURITY_HEADERS)
    if is_api_request():
        response.headers.setdefault("Cache-Control", "no-store")
        _add_cors_headers(response, _settings().cors_origin_list)
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
