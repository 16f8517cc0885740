"""What every endpoint reaches through the app: the settings and the question-answering service.

The service is opened lazily, once, under a lock (``create_app(qa=None)``), and each request
gives it its chance to pick up a newly published index version first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from flask import current_app

from ccqa.config import Settings
from ccqa.data import Answer, Document
from ccqa.errors import CcqaError

log = logging.getLogger(__name__)

SETTINGS_KEY, ENGINE_KEY = "ccqa.settings", "ccqa"


class QAService(Protocol):
    """What the app needs from the question-answering engine (``ccqa.service.QA``)."""

    index_version: str
    model_name: str

    def ask(self, question: str, *, k: int | None = None, history: Sequence[str] = (),
            mode: str = "hybrid", answers: Sequence[str] = ()) -> Answer: ...

    def documents(self) -> list[Document]: ...

    def document(self, doc_id: str) -> Document | None: ...

    def health(self) -> dict[str, Any]: ...

    def maybe_reload(self) -> bool: ...

    def reload_if_changed(self) -> bool: ...


class Engine:
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


def settings() -> Settings:
    """The app's settings."""
    found: Settings = current_app.extensions[SETTINGS_KEY]
    return found


def engine() -> QAService:
    """The QA service as it is, without a reload check (admin's reload makes its own)."""
    held: Engine = current_app.extensions[ENGINE_KEY]
    return held.get()


def service() -> QAService:
    """The QA service, given its chance to pick up a rebuilt index."""
    qa = engine()
    try:
        qa.maybe_reload()
    except CcqaError as e:
        log.warning("index reload failed; still serving %s: %s", qa.index_version, e)
    return qa
