"""Build or rebuild the index from the corpus folder: incremental, atomic, one at a time.

Unchanged text is never embedded twice: vectors are looked up by text hash in the version
being served (when the same encoder variant made them), and only new text goes to the
encoder: the ONNX file the new version serves with, copied from the served version when it
is intact (so an incremental build never starts PyTorch). The new version is written beside
the old one, loaded back and verified, and only then published.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.config import MODEL_NAME, Settings
from ccqa.data import Document, Passage, sha256_hex
from ccqa.embed import Encoder, build_encoder
from ccqa.embed.model import WordPieceCounter, verified_model_path
from ccqa.embed.onnx_encoder import write_onnx_encoder
from ccqa.embed.torch_encoder import check_torch_device
from ccqa.errors import BuildFailed, CcqaError
from ccqa.index import LEXICAL, Index, versions
from ccqa.index.dense import store_kind
from ccqa.index.manifest import FORMAT_VERSION, EmbeddedCounts, Manifest
from ccqa.ingest.context import passage_search_text, sentence_search_texts
from ccqa.ingest.corpus import CorpusScan, scan_corpus
from ccqa.ingest.limits import ParseLimits
from ccqa.ingest.passages import ChunkingParams, passages_for

log = logging.getLogger(__name__)
DEFAULT_CHUNKING = ChunkingParams()


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for people (``str``) and machines (``to_dict``)."""

    version: str | None
    published: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    passages_embedded: int = 0
    sentences_embedded: int = 0
    seconds: float = 0.0
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # {"path", "of", "passages"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        state = f"published version {self.version}" if self.published else "index already up to date"
        lines = [
            f"{state}: {self.documents} documents, {self.passages} passages in {self.seconds:.1f}s",
            (f"  added {len(self.added)}, changed {len(self.changed)}, removed {len(self.removed)}, "
             f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}"),
            f"  embedded {self.passages_embedded} passages and {self.sentences_embedded} sentences",
        ]
        lines += [f"  skipped {s['path']}: {s['reason']}" for s in self.skipped]
        lines += [f"  {d['path']} repeats {d['passages']} passage(s) of {d['of']}" for d in self.duplicates]
        return "\n".join(lines)


@dataclass
class _VectorCache:
    """Vectors of the served version, found by the hash of the text they embed."""

    passages: dict[str, np.ndarray] = field(default_factory=dict)
    sentences: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_index(cls, index: Index, passages: Sequence[Passage]) -> _VectorCache:
        """``passages``: the index's own, row by row (made once per build, they are many)."""
        cache = cls()
        passage_vectors = np.array(index.passage_vectors)  # rows of a copy: outlive the index's mapping
        for row, passage in enumerate(passages):
            document = index.documents[passage.doc_id]
            cache.passages[sha256_hex(passage_search_text(document, passage))] = passage_vectors[row]
            for text, vector in zip(sentence_search_texts(document, passage), index.sentence_vectors_of(row)):
                cache.sentences[sha256_hex(text)] = vector
        return cache


def build_index(
    settings: Settings,
    *,
    full: bool = False,
    strict: bool = False,
    wait: bool = False,
    progress: bool = False,
    encoder: Encoder | None = None,
    count_tokens: Callable[[str], int] | None = None,
    params: ChunkingParams = DEFAULT_CHUNKING,
) -> BuildReport:
    """Bring ``settings.index_dir`` up to date with ``settings.corpus_dir``.

    ``encoder`` replaces the one the version would embed with (tests pass a small one)."""
    started = time.perf_counter()
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    if encoder is None and settings.device != "cpu":
        check_torch_device(settings.device)
    count_tokens = count_tokens or WordPieceCounter(model_path)
    with versions.build_lock(settings.index_dir, wait=wait):
        versions.remove_stale(settings.index_dir)
        scan = scan_corpus(settings.corpus_dir, settings.max_document_bytes, ParseLimits.from_settings(settings))
        if strict and scan.skipped:
            raise BuildFailed(f"--strict: {len(scan.skipped)} document(s) skipped, first {scan.skipped[0].path}: "
                              f"{scan.skipped[0].reason}")
        previous = None if full else _served_index(settings)
        report = _compare(scan, previous)
        same_layout = previous is not None and previous.manifest.chunking == params.to_dict() and \
            previous.manifest.lexical == LEXICAL
        current_format = previous is not None and previous.manifest.format_version == FORMAT_VERSION
        # the same files read the same way (a reader that now finds more structure rebuilds)
        same_store = previous is not None and \
            (previous.dense.kind == "qdrant") == (store_kind(settings.dense) == "qdrant")
        if same_layout and current_format and same_store and previous is not None and \
                not (report["added"] or report["changed"] or report["removed"]) and \
                all(previous.documents.get(d.doc_id) == d for d in scan.documents):
            return BuildReport(version=versions.current_version(settings.index_dir), published=False,
                               documents=len(scan.documents), passages=len(previous),
                               seconds=time.perf_counter() - started, duplicates=duplicates_report(previous),
                               **_report_lists(scan, report))
        if not scan.documents:
            raise BuildFailed(f"no readable documents in {settings.corpus_dir}; nothing to index")
        name = versions.new_version_name()
        staged = versions.staging_dir(settings.index_dir, name)
        try:
            index = _staged_index(settings, scan, previous, same_layout, params, count_tokens, model_path,
                                  staged, encoder, progress)
            index.manifest = replace(index.manifest, build_seconds=round(time.perf_counter() - started, 3))
            index.save(staged)
        except OSError as exc:  # disk full, quota, I/O error: publish nothing, give the space back
            shutil.rmtree(staged, ignore_errors=True)
            raise BuildFailed(f"cannot write the new index version to {staged}: {exc.strerror or exc}; "
                              f"nothing was published, {versions.current_version(settings.index_dir) or 'no version'} "
                              "is still served") from exc
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        Index.load(staged, MODEL_NAME, settings.model_sha256, verify=True)  # what we publish must load
        versions.publish(settings.index_dir, staged, name)
        versions.remove_stale(settings.index_dir)
        return BuildReport(version=name, published=True, documents=len(scan.documents), passages=len(index),
                           passages_embedded=index.manifest.embedded.passages,
                           sentences_embedded=index.manifest.embedded.sentences,
                           seconds=time.perf_counter() - started, duplicates=duplicates_report(index),
                           **_report_lists(scan, report))


def _staged_index(settings: Settings, scan: CorpusScan, previous: Index | None, same_layout: bool,
                  params: ChunkingParams, count_tokens: Callable[[str], int], model_path: Path, staged: Path,
                  encoder: Encoder | None, progress: bool) -> Index:
    """The new version's index, in memory, with its ONNX encoder already in ``staged``."""
    onnx = None
    previous_variant = previous.manifest.vectors if previous is not None else None
    if encoder is None or encoder.name == MODEL_NAME:  # the serving encoder (a test encoder has none)
        reuse = versions.current_dir(settings.index_dir) if previous is not None else None
        onnx = write_onnx_encoder(staged, model_path, reuse, previous.manifest.onnx if previous else None,
                                  settings.model_sha256, settings.setup_dir)
        encoder = encoder or build_encoder(settings, model_path, staged, onnx, previous_variant)
    assert encoder is not None
    reusable = previous is not None and previous_variant == encoder.variant
    # the served version's passages, made once for both uses below (100k objects at 100k rows)
    served = list(previous.passages) if previous is not None and (same_layout or reusable) else []
    documents = _in_index_order(scan.documents, previous)
    passages = _cut_passages(documents, previous if same_layout else None, served, params, count_tokens)
    cache = _VectorCache.from_index(previous, served) if previous is not None and reusable else _VectorCache()
    by_id = {d.doc_id: d for d in documents}
    passage_texts = [passage_search_text(by_id[p.doc_id], p) for p in passages]
    passage_vectors, n_passages = _vectors_for(passage_texts, cache.passages, encoder, progress)
    sentence_texts = [s for p in passages for s in sentence_search_texts(by_id[p.doc_id], p)]
    sentence_vectors, n_sentences = _vectors_for(sentence_texts, cache.sentences, encoder, progress)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model_name=MODEL_NAME,
        model_sha256=settings.model_sha256,
        dimension=int(passage_vectors.shape[1]),
        chunking=params.to_dict(),
        documents={d.doc_id: {"path": d.path, "content_hash": d.content_hash} for d in scan.documents},
        passage_count=len(passages),
        sentence_count=len(sentence_texts),
        dense_index="",
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        build_seconds=0.0,
        vectors=encoder.variant,
        onnx=onnx,
        embedded=EmbeddedCounts(n_passages, n_sentences),
    )
    return Index.build(documents, passages, passage_vectors, sentence_vectors, manifest,
                       extends=previous if reusable else None, cache_dir=settings.setup_dir,
                       dense_store=settings.dense)


def duplicates_report(index: Index) -> list[dict[str, Any]]:
    """Which documents repeat passages of which (a repost of a news item, a release quoted in full)."""
    counts: dict[tuple[str, str], int] = {}
    for row in range(len(index)):
        group = index.passages.group_of(row)
        if group is not None and group != row:
            pair = (index.passages[row].doc_id, index.passages[group].doc_id)
            counts[pair] = counts.get(pair, 0) + 1
    return [{"path": index.documents[copy].path, "of": index.documents[original].path, "passages": n}
            for (copy, original), n in sorted(counts.items())]


def _in_index_order(documents: Sequence[Document], previous: Index | None) -> list[Document]:
    """The documents ``previous`` holds first, in its order, then the new ones in corpus order:
    a build that only adds documents keeps every existing row where it was."""
    if previous is None:
        return list(documents)
    position = {doc_id: i for i, doc_id in enumerate(previous.documents)}
    return sorted(documents, key=lambda d: position.get(d.doc_id, len(position)))  # stable


def _cut_passages(documents: Sequence[Document], previous: Index | None, served: Sequence[Passage],
                  params: ChunkingParams, count_tokens: Callable[[str], int]) -> list[Passage]:
    """Passages of every document; one unchanged since ``previous`` (same chunking) keeps its
    passages (``served``, the previous version's), so adding a document to 100k passages does
    not re-split the rest (~40 s)."""
    kept: dict[str, list[Passage]] = {}
    for passage in served if previous is not None else ():
        kept.setdefault(passage.doc_id, []).append(passage)
    passages: list[Passage] = []
    for document in documents:
        before = previous.documents.get(document.doc_id) if previous is not None else None
        if before == document and document.doc_id in kept:
            passages += kept[document.doc_id]
        else:
            passages += passages_for(document, params, count_tokens)
    return passages


def _served_index(settings: Settings) -> Index | None:
    """The version being served, as a cache of vectors; None if absent or unreadable."""
    if versions.current_version(settings.index_dir) is None:
        return None
    try:
        return Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256, verify=True)
    except CcqaError as exc:
        log.warning("not reusing the current index: %s", exc)
        return None


def _compare(scan: CorpusScan, previous: Index | None) -> dict[str, list[str]]:
    before = previous.manifest.documents if previous is not None else {}
    now = {d.doc_id: d for d in scan.documents}
    return {
        "added": sorted(d for d in now if d not in before),
        "changed": sorted(d for d in now if d in before and before[d]["content_hash"] != now[d].content_hash),
        "removed": sorted(d for d in before if d not in now),
        "unchanged": sorted(d for d in now if d in before and before[d]["content_hash"] == now[d].content_hash),
    }


def _report_lists(scan: CorpusScan, report: dict[str, list[str]]) -> dict[str, Any]:
    return {**report, "skipped": [s.to_dict() for s in scan.skipped]}


def _vectors_for(
    texts: list[str], cache: dict[str, np.ndarray], encoder: Encoder, progress: bool
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``: cached ones reused, each distinct new text embedded once."""
    hashes = [sha256_hex(t) for t in texts]
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in cache and h not in missing:
            missing[h] = t
    if missing:
        fresh = encoder.encode(list(missing.values()), progress=progress)
        cache = {**cache, **dict(zip(missing.keys(), fresh))}
    dimension = encoder.dimension if not cache else len(next(iter(cache.values())))
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    for row, h in enumerate(hashes):
        vectors[row] = cache[h]
    return vectors, len(missing)

