"""``corpus/catalog.json``: each document's metadata (title, publisher, source, date), keyed by
its path in the corpus, so that the documents themselves stay verbatim.

    {"plan-2021.pdf": {"title": "Planning Outline", "publisher": "Xinhua", "date": "2021-10-20"}}
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from ccqa.errors import CatalogInvalid
from ccqa.files import locked, write_atomically

CATALOG_NAME = "catalog.json"
CATALOG_FIELDS = ("title", "publisher", "source", "date")
_LOCK = ".catalog.lock"


def load_catalog(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """The metadata in ``corpus_dir/catalog.json`` by relative path; {} when there is none.

    Raises ``CatalogInvalid`` naming the problem when the file is not the expected JSON shape.
    """
    path = corpus_dir / CATALOG_NAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogInvalid(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogInvalid(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(raw, dict):
        raise CatalogInvalid(f'{path} must be a JSON object: {{"<relative path>": {{"title": ...}}}}')
    catalog: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            raise CatalogInvalid(f"{path}: the entry for {key!r} must be an object, not {entry!r}")
        for name in CATALOG_FIELDS:
            if not isinstance(entry.get(name), str | None):
                raise CatalogInvalid(f"{path}: {key!r} has a {name} that is not a string or null")
        catalog[catalog_key(key)] = dict(entry)
    return catalog


def catalog_key(key: str) -> str:
    """A catalog key as a relative posix path: backslashes and a leading ``./`` allowed."""
    return str(PurePosixPath(key.replace("\\", "/")))


def catalog_entry(corpus_dir: Path, name: str) -> dict[str, Any]:
    """The entry of ``name``, or {} when it has none or the catalog cannot be read (that is
    reported only when something would rewrite the catalog)."""
    try:
        return load_catalog(corpus_dir).get(name, {})
    except CatalogInvalid:
        return {}


def write_catalog_entry(corpus_dir: Path, name: str, fields: dict[str, str]) -> None:
    """Merge ``fields`` into the entry of ``name``; the catalog is replaced atomically, under a
    lock, and a malformed catalog is refused (``CatalogInvalid``) rather than overwritten."""
    path = corpus_dir / CATALOG_NAME
    with locked(corpus_dir / _LOCK):
        try:
            load_catalog(corpus_dir)
        except CatalogInvalid as exc:
            raise CatalogInvalid(f"{exc}; fix it before uploading with metadata") from None
        raw = json.loads(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
        raw[name] = {**raw.get(name, {}), **fields}
        write_atomically(path, json.dumps(raw, ensure_ascii=False, indent=2) + "\n")
