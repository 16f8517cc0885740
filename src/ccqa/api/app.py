"""The Flask app factory: the JSON API under ``/api/`` and the chat page from ``web/``.

    app = create_app(Settings(), qa=fake_qa)  # tests inject a QA service
    app = create_app()                        # settings from CCQA_*; opens ccqa.service.QA lazily
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from flask import Flask, Response, send_from_directory

from ccqa.api.admin import register_admin
from ccqa.api.ask import ask_api
from ccqa.api.context import ENGINE_KEY, SETTINGS_KEY, Engine, QAService
from ccqa.api.documents import documents_api
from ccqa.api.errors import register_error_handlers
from ccqa.api.middleware import install_middleware
from ccqa.api.ratelimit import install_rate_limit
from ccqa.config import Settings

log = logging.getLogger(__name__)


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
    app.extensions[ENGINE_KEY] = Engine(settings, qa)
    app.extensions[SETTINGS_KEY] = settings

    register_error_handlers(app)
    install_middleware(app)
    install_rate_limit(app, settings)
    app.register_blueprint(ask_api)
    app.register_blueprint(documents_api)
    register_admin(app, settings)

    @app.get("/")
    def index() -> Response:
        return send_from_directory(web, "index.html")

    return app
