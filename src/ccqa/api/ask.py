"""``POST /api/ask``: a validated question in, ``Answer.to_dict()`` (plus timing) out."""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from ccqa.api.context import service, settings
from ccqa.api.errors import ApiError
from ccqa.config import Settings
from ccqa.search.retrieve import check_k, check_mode

ask_api = Blueprint("ask", __name__, url_prefix="/api")


@dataclass(frozen=True)
class AskRequest:
    """A validated ``POST /api/ask`` body."""

    question: str
    k: int
    history: tuple[str, ...]
    mode: str
    answers: tuple[str, ...] = ()  # the earlier answers' quoted text, one per history item ("" for none)


@ask_api.route("/ask", methods=["POST", "OPTIONS"])
def ask() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    current = settings()
    body = _json_body()
    if "question" in body and isinstance(body["question"], str):
        g.question_chars = len(body["question"])
    asked = parse_ask(body, current)
    g.question_chars = len(asked.question)
    if current.log_questions:
        g.question = asked.question
    qa = service()
    started = time.perf_counter()
    answer = qa.ask(asked.question, k=asked.k, history=asked.history, mode=asked.mode, answers=asked.answers)
    took_ms = (time.perf_counter() - started) * 1000
    g.found = answer.found
    return jsonify({**answer.to_dict(), "took_ms": round(took_ms, 2),
                    "index_version": qa.index_version})


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
    """Validate an ask body against ``settings``' limits; unknown fields are ignored.

    ``k`` and ``mode`` are checked by the search stage's own checks (BadQuestion, 400)."""
    raw_question = body.get("question")
    if not isinstance(raw_question, str):
        raise ApiError(400, "invalid_question", 'Give the question as a string in "question".')
    question = clean_text(raw_question)
    if not question:
        raise ApiError(400, "invalid_question", "The question is empty.")
    if len(question) > settings.max_question_chars:
        raise ApiError(413, "question_too_long", f"The question is {len(question)} characters "
                       f"long; the limit is {settings.max_question_chars}.")
    k = check_k(body.get("k", settings.top_k), settings.max_k)
    history = body.get("history", [])
    if not isinstance(history, list) or len(history) > settings.max_history \
            or not all(_history_item_ok(h, settings.max_history_chars) for h in history):
        raise ApiError(400, "invalid_history", f"history must be a list of at most "
                       f"{settings.max_history} earlier turns, each a question or an object "
                       '{"question": ..., "answer": ...}, each text at most '
                       f"{settings.max_history_chars} characters.")
    mode = check_mode(body.get("mode", "hybrid"))
    turns = [(h, "") if isinstance(h, str) else (h["question"], h.get("answer") or "") for h in history]
    kept = [(q, clean_text(a)) for q, a in ((clean_text(q), a) for q, a in turns) if q]
    return AskRequest(question=question, k=k, history=tuple(q for q, _ in kept), mode=mode,
                      answers=tuple(a for _, a in kept))


def _history_item_ok(item: Any, max_chars: int) -> bool:
    """An earlier question as a string, or a turn: its question and (optionally) its answer's text."""
    if isinstance(item, str):
        return len(item) <= max_chars
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        return False
    answer = item.get("answer")
    return len(item["question"]) <= max_chars and (answer is None or isinstance(answer, str) and
                                                   len(answer) <= max_chars)
