"""Admin over HTTP: upload a document into the corpus, rebuild the index, reload it.

The endpoints exist only when ``settings.admin_token`` (``CCQA_ADMIN_TOKEN``) is set; without
it ``/api/admin/*`` is a plain 404. Every call needs ``Authorization: Bearer <token>``.

    curl -H "Authorization: Bearer $CCQA_ADMIN_TOKEN" -F file=@plan.pdf -F title="Plan" \\
         http://127.0.0.1:8000/api/admin/documents
    curl -X POST -H "Authorization: Bearer $CCQA_ADMIN_TOKEN" http://127.0.0.1:8000/api/admin/rebuild
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import shutil
from pathlib import Path, PurePosixPath
from typing import IO, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.utils import secure_filename

from ccqa.api.context import engine, settings
from ccqa.api.errors import ApiError, error_response
from ccqa.api.jobs import RebuildJobs
from ccqa.config import Settings
from ccqa.errors import BadDocument
from ccqa.files import fsync_dir
from ccqa.index import versions
from ccqa.ingest.catalog import CATALOG_FIELDS, catalog_entry, write_catalog_entry
from ccqa.ingest.corpus import doc_id_for, read_document
from ccqa.ingest.formats import SUPPORTED_SUFFIXES, format_for
from ccqa.ingest.limits import ParseLimits
from ccqa.ingest.sandbox import DocumentReader

log = logging.getLogger(__name__)

FORM_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and the metadata fields around the file
MAX_FIELD_CHARS = 500
MAX_NAME_BYTES = 200  # file systems allow 255; the staging and catalog names need a little room

admin = Blueprint("admin", __name__, url_prefix="/api/admin")


def register_admin(app: Flask, settings: Settings) -> None:
    """Mount ``/api/admin`` when an admin token is configured; otherwise the paths do not exist."""
    if not settings.admin_token:
        return
    if len(settings.admin_token) < 16:
        log.warning("CCQA_ADMIN_TOKEN is short; use at least 16 random characters")
    app.extensions["ccqa.admin"] = RebuildJobs(settings)
    app.register_blueprint(admin)


@admin.before_request
def _require_token() -> Response | None:
    """401 unless the request carries the admin token (compared in constant time)."""
    token = settings().admin_token
    if not token:
        raise ApiError(404, "not_found", f"There is no API endpoint at {request.path}.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = error_response(401, "unauthorized", "Send the header Authorization: Bearer <admin token>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="ccqa admin"'
        return response
    request.max_content_length = settings().max_upload_bytes + FORM_OVERHEAD_BYTES
    return None

# --- upload -----------------------------------------------------------------------------------

@admin.post("/documents")
def upload_document() -> tuple[Response, int]:
    """Store one uploaded document in the corpus, after checking it can be read: in a child
    process held to the ``parse_*`` limits, so that no upload can exhaust this worker."""
    current = settings()
    upload = request.files.get("file")  # a body over the request limit raises 413 here
    if upload is None:
        raise ApiError(400, "missing_file", 'Send the document as multipart/form-data in the field "file".')
    name = corpus_name(upload.filename or "")
    if format_for(name) is None:
        suffix = PurePosixPath(name).suffix.lower()
        raise ApiError(415, "unsupported_document_type", f"{suffix or 'A file without an extension'} "
                       f"cannot be indexed; send one of {', '.join(SUPPORTED_SUFFIXES)}.")
    metadata = _catalog_fields(request.form)
    corpus = current.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    if os.path.dirname(os.path.abspath(target)) != os.path.abspath(corpus):
        raise ApiError(400, "invalid_filename", f"{upload.filename!r} would be stored outside the corpus.")
    staging = corpus / f".upload-{secrets.token_hex(6)}"  # hidden: a build never reads it
    staging.mkdir()
    try:
        staged = staging / name
        _copy_limited(upload.stream, staged, current.max_upload_bytes)
        try:
            entry = {**catalog_entry(corpus, name), **metadata}
            with DocumentReader(ParseLimits.from_settings(current)) as reader:  # never in this worker
                document = read_document(staged, staging, {name: entry}, current.max_document_bytes,
                                         reader.extract)
        except BadDocument as exc:
            raise ApiError(422, "bad_document", f"{name} cannot be indexed: {exc}.") from None
        replaced = target.exists()
        if metadata:
            write_catalog_entry(corpus, name, metadata)
        os.replace(staged, target)
        fsync_dir(corpus)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("admin upload stored %s (%d characters)", name, len(document.text))
    return jsonify({"path": name, "doc_id": doc_id_for(name), "title": document.title,
                    "format": document.format, "chars": len(document.text), "pages": len(document.pages),
                    "replaced": replaced, "metadata": metadata or None}), 201


def corpus_name(filename: str) -> str:
    """The plain file name an upload is stored under; ApiError 400 for a name that could escape.

    >>> corpus_name("Plan 2021.pdf")
    'Plan_2021.pdf'
    """
    raw = filename.replace("\\", "/")
    parts = raw.split("/")
    if not raw.strip() or raw.startswith("/") or re.match(r"[A-Za-z]:", raw) or ".." in parts or "\x00" in raw:
        raise ApiError(400, "invalid_filename", f"The file name {filename!r} is empty, absolute or "
                       "contains '..'; send a plain file name such as plan.pdf.")
    safe = secure_filename(raw)
    if not safe:
        raise ApiError(400, "invalid_filename", f"The file name {filename!r} has no usable characters.")
    suffix = PurePosixPath(raw).suffix.lower()
    if suffix and PurePosixPath(safe).suffix.lower() != suffix:  # the stem was all non-ASCII
        safe = f"upload-{hashlib.sha256(raw.encode()).hexdigest()[:8]}{suffix}"
    if len(safe.encode()) > MAX_NAME_BYTES:
        raise ApiError(400, "invalid_filename", f"The file name is longer than {MAX_NAME_BYTES} bytes; shorten it.")
    return safe


def _catalog_fields(form: Any) -> dict[str, str]:
    fields = {}
    for name in CATALOG_FIELDS:
        value = (form.get(name) or "").strip()
        if len(value) > MAX_FIELD_CHARS:
            raise ApiError(400, "invalid_metadata", f"{name} is longer than {MAX_FIELD_CHARS} characters.")
        if value:
            fields[name] = value
    return fields


def _copy_limited(stream: IO[bytes], destination: Path, limit: int) -> None:
    """Copy the upload to ``destination``, 413 once it passes ``limit`` bytes; fsync it."""
    written = 0
    with destination.open("xb") as out:
        while chunk := stream.read(1 << 16):
            written += len(chunk)
            if written > limit:
                raise ApiError(413, "upload_too_large", f"The document is larger than the {limit} bytes allowed.")
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


# --- rebuild and reload -----------------------------------------------------------------------

@admin.post("/rebuild")
def rebuild() -> tuple[Response, int]:
    jobs: RebuildJobs = current_app.extensions["ccqa.admin"]
    job = jobs.start()
    response = jsonify(job)
    response.headers["Location"] = f"/api/admin/rebuild/{job['job']}"
    return response, 202


@admin.get("/rebuild/<job_id>")
def rebuild_status(job_id: str) -> Response:
    jobs: RebuildJobs = current_app.extensions["ccqa.admin"]
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, "unknown_job", f"There is no rebuild job {job_id!r}.")
    return jsonify(job)


@admin.post("/reload")
def reload() -> Response:
    """Load a newly published index version now instead of at the next periodic check."""
    qa = engine()
    reloaded = qa.reload_if_changed()
    return jsonify({"reloaded": reloaded, "index_version": qa.index_version,
                    "published_version": versions.current_version(settings().index_dir)})
