"""Read the corpus: each supported file becomes a ``Document``, each unusable one a ``Skipped``.

Metadata (title, publisher, source, date) comes from ``corpus/catalog.json`` when the file has
an entry there; otherwise the title comes from the document itself, then from its file name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ccqa.data import Document
from ccqa.errors import BadDocument, CcqaError
from ccqa.ingest.catalog import CATALOG_NAME, load_catalog
from ccqa.ingest.formats import format_for
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits
from ccqa.ingest.normalise import normalised
from ccqa.ingest.sandbox import DocumentReader, Extract, extract_file
from ccqa.ingest.structure import structure_from_markup, structure_of
from ccqa.lang import detect_language

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Skipped:
    """A file the build could not use, and why, in one line a user can act on.

    >>> Skipped("notes/a.xyz", "unsupported file type .xyz").to_dict()["reason"]
    'unsupported file type .xyz'
    """

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class CorpusScan:
    """Everything ``scan_corpus`` found: readable documents by path, and the skipped files.

    >>> scan = scan_corpus(Path("corpus"))  # doctest: +SKIP
    >>> [d.doc_id for d in scan.documents], [s.to_dict() for s in scan.skipped]  # doctest: +SKIP
    """

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


def doc_id_for(relative_path: str) -> str:
    """A stable, URL-safe slug of the path without its extension.

    Accents are folded to ASCII; when other characters (Chinese, say) had to be dropped,
    a short hash of the path keeps ids of different names apart.

    >>> doc_id_for("policy/Plan 2021.pdf")
    'policy-plan-2021'
    """
    stem = str(PurePosixPath(relative_path).with_suffix(""))
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii_fold(stem).lower()).strip("-")
    lost = any(c.isalnum() and not _ascii_fold(c) for c in stem)
    if lost or not slug:
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug}-{digest}" if slug else f"doc-{digest}"
    return slug


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def read_document(
    path: Path,
    corpus_dir: Path,
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    extract: Extract = extract_file,
) -> Document:
    """Read one corpus file into a ``Document``; raises ``BadDocument(reason)`` if unusable.

    ``catalog`` None loads ``corpus_dir/catalog.json``; pass {} for no catalog metadata.
    ``extract`` reads the file's text: in this process by default, in a child process held to
    limits with ``DocumentReader(limits).extract`` (what builds and uploads use).
    """
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(corpus_dir))
    except ValueError:
        raise BadDocument(f"not inside the corpus directory {corpus_dir}") from None
    rel = relative.as_posix()
    fmt = format_for(path)
    if fmt is None:
        raise BadDocument(f"unsupported file type {path.suffix.lower() or '(no extension)'}")
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(os.path.realpath(corpus_dir)):
        raise BadDocument("a link to a file outside the corpus directory")
    if not real.is_file():
        raise BadDocument("not a regular file")
    extracted = normalised(extract(real, fmt, max_bytes))  # one normaliser for every format
    entry = (load_catalog(corpus_dir) if catalog is None else catalog).get(rel, {})
    return Document(
        doc_id=doc_id_for(rel),
        path=rel,
        title=entry.get("title") or extracted.title or _humanised(path.stem),
        text=extracted.text,
        source=entry.get("source"),
        publisher=entry.get("publisher"),
        date=entry.get("date"),
        format=fmt.name,
        pages=extracted.pages,
        lang=detect_language(extracted.text),
        structure=structure_of(extracted.text) if extracted.units is None
        else structure_from_markup(extracted.text, extracted.units),
    )


def _humanised(stem: str) -> str:
    words = " ".join(re.split(r"[-_\s]+", stem)).strip()
    return words[:1].upper() + words[1:] if words else stem


def scan_corpus(corpus_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                limits: ParseLimits = DEFAULT_LIMITS) -> CorpusScan:
    """Read every supported file under ``corpus_dir`` (recursively, hidden ones ignored), each
    in a child process held to ``limits`` (``ccqa.ingest.sandbox``).

    A bad document never stops the scan: it is listed in ``skipped`` with its reason.
    Raises ``CcqaError`` when the directory is missing, ``CatalogInvalid`` when the catalog is malformed.
    """
    if not corpus_dir.is_dir():
        raise CcqaError(
            f"corpus directory {corpus_dir} does not exist; create it and add documents"
        )
    catalog = load_catalog(corpus_dir)
    documents: list[Document] = []
    skipped: list[Skipped] = []
    with DocumentReader(limits) as reader:
        for path in _corpus_files(corpus_dir):
            rel = path.relative_to(corpus_dir).as_posix()
            try:
                documents.append(read_document(path, corpus_dir, catalog, max_bytes, reader.extract))
            except BadDocument as exc:
                log.warning("skipped %s: %s", rel, exc)
                skipped.append(Skipped(rel, str(exc)))
    for key in sorted(set(catalog) - {d.path for d in documents} - {s.path for s in skipped}):
        log.warning("%s names %s, which is not in the corpus", CATALOG_NAME, key)
    documents = _with_unique_ids(sorted(documents, key=lambda d: d.path))
    return CorpusScan(tuple(documents), tuple(sorted(skipped, key=lambda s: s.path)))


def _corpus_files(corpus_dir: Path) -> list[Path]:
    """Every non-hidden file under ``corpus_dir`` except the catalog, in path order."""
    found = []
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if not name.startswith(".") and path != corpus_dir / CATALOG_NAME:
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(corpus_dir).as_posix())


def _with_unique_ids(documents: list[Document]) -> list[Document]:
    """Give colliding doc ids (``a.txt``, ``a.md``) each their suffix, then a path hash."""
    counts = Counter(d.doc_id for d in documents)
    documents = [
        replace(d, doc_id=f"{d.doc_id}-{_suffix_slug(d.path)}") if counts[d.doc_id] > 1 else d
        for d in documents
    ]
    counts = Counter(d.doc_id for d in documents)
    return [
        replace(d, doc_id=f"{d.doc_id}-{hashlib.sha256(d.path.encode()).hexdigest()[:8]}")
        if counts[d.doc_id] > 1
        else d
        for d in documents
    ]


def _suffix_slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", PurePosixPath(path).suffix.lower()) or "file"
