"""The searchable index: FAISS vectors, BM25 terms, the passage store and a manifest.

An index version is a directory of plain files (no pickle anywhere)::

    manifest.json          what was built, with what, and the sha256 of every file below
    documents.jsonl        each Document, text included (citations open the exact text indexed)
    passages.npy           each passage's document, offsets, block, page and id (passage_table.py)
    sentence_spans.npy     each passage's sentence offsets, grouped by passage
    sentence_vectors.npy   int8 sentence embeddings, rows grouped by passage (int8_rows.py)
    sentence_scales.npy    float32 scale of each of those rows
    dense.faiss            FAISS inner-product index; its float32 vectors (row i = passage i) are
                           the passage vectors, memory-mapped and reused by rebuilds
    bm25/                  bm25s index over the passages' stemmed terms (memory-mapped)

Formats 1 (passages.jsonl, passage_vectors.npy, float16 sentence vectors) and 2 (float16
sentence vectors) still load; the next build rewrites them as format 3 without embedding.

The index never embeds: ``Index.build(...)`` takes vectors made elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.data import Document, Passage
from ccqa.errors import IndexCorrupt, IndexMismatch, IndexMissing
from ccqa.files import file_sha256
from ccqa.index.passages import PassageTable, mapped
from ccqa.index.sentences import Int8Rows
from ccqa.lang.terms import terms

FORMAT_VERSION = 3
READABLE_FORMATS = (1, 2, 3)
SENTENCE_VECTORS, SENTENCE_SCALES = "sentence_vectors.npy", "sentence_scales.npy"
MANIFEST = "manifest.json"
# Measured on real embeddings (bench/perf_faiss.py, bench/README.md "Performance"): exact search
# costs 1.4 ms at 25k passages and 6.6 ms at 100k; HNSW32 (efConstruction 80, efSearch 256)
# 0.55-0.9 ms with recall@10 >= 0.994 and recall@50 >= 0.989 of exact search up to 100k.
HNSW_THRESHOLD = 20_000  # passages; below it exact search takes about 1 ms or less
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80  # 160 gains ~0.003 recall@10 but doubles the (re)build: 36 s at 100k
HNSW_EF_SEARCH = 256
BM25_K1, BM25_B = 0.9, 0.4  # better than 1.2/0.75 on SQuAD dev passages (bench/README.md)
LEXICAL_PARAMS = {"k1": BM25_K1, "b": BM25_B, "terms": "stemmed-english-v1"}


@dataclass(frozen=True)
class Manifest:
    """What an index version holds and how it was made; checked on every load."""

    format_version: int
    model_name: str
    model_sha256: str
    dimension: int
    chunking: dict[str, Any]
    documents: dict[str, dict[str, str]]  # doc_id -> {"path", "content_hash"}
    passage_count: int
    sentence_count: int
    dense_index: str
    built_at: str
    build_seconds: float
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _faiss() -> Any:
    import faiss

    return faiss


def dense_index_for(vectors: np.ndarray) -> Any:
    """Exact inner product for small collections, HNSW above ``HNSW_THRESHOLD`` passages."""
    faiss = _faiss()
    dimension = vectors.shape[1]
    if len(vectors) >= HNSW_THRESHOLD:
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _extended_dense(previous: Index | None, passages: Sequence[Passage], vectors: np.ndarray) -> Any | None:
    """A copy of ``previous``'s HNSW index with the rows after its own added, when the first rows
    are its very passages and vectors (a build that only adds documents); None otherwise.
    Adding one document to 100k passages then costs milliseconds instead of 16 s of graph."""
    if previous is None or not hasattr(previous.dense, "hnsw") or len(vectors) < HNSW_THRESHOLD:
        return None
    n = len(previous)
    if len(passages) < n or previous.dense.d != vectors.shape[1]:
        return None
    kept_ids = [p.passage_id for p in passages[:n]]
    if kept_ids != [pid.decode("ascii") for pid in previous.passages.rows["passage_id"]] or \
            not np.array_equal(previous.passage_vectors, vectors[:n]):
        return None
    faiss = _faiss()
    # An owned copy: the previous one is a read-only mapping, and FAISS aborts the process on an
    # add to a mapped index (clone_index keeps the mapping); a serialised round trip copies it.
    dense = faiss.deserialize_index(faiss.serialize_index(previous.dense))
    if len(vectors) > n:
        dense.add(np.ascontiguousarray(vectors[n:], dtype=np.float32))
    dense.hnsw.efSearch = HNSW_EF_SEARCH
    return dense


def _bm25s() -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s


def stored_vectors(dense: Any) -> np.ndarray:
    """The float32 vectors inside a flat or HNSW-flat FAISS index, as a read-only array view
    (no copy: with ``IO_FLAG_MMAP_IFC`` they stay in the page cache, shared by workers)."""
    faiss = _faiss()
    storage = faiss.downcast_index(dense.storage) if hasattr(dense, "storage") else dense
    if dense.ntotal == 0:
        return np.zeros((0, dense.d), dtype=np.float32)
    address = faiss.rev_swig_ptr(storage.get_xb(), 1).__array_interface__["data"][0]
    return np.asarray(_Pinned(dense, address, (dense.ntotal, dense.d)))


class _Pinned:
    """Memory owned by a FAISS index, seen by numpy: the array's base holds the index alive."""

    def __init__(self, owner: Any, address: int, shape: tuple[int, int]) -> None:
        self.owner = owner
        self.__array_interface__ = {"data": (address, True), "shape": shape, "typestr": "<f4", "version": 3}


def _bm25_for(passages: Iterable[Passage]) -> Any:
    bm25s = _bm25s()

    corpus_terms = [terms(p.text) or ["\u2205"] for p in passages]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_terms]
    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    return retriever


class Index:
    """Passages with their dense and lexical search structures, in memory.

    >>> index = Index.build(documents, passages, vectors, sentence_vectors, manifest_base)  # doctest: +SKIP
    >>> index.save(Path("index/versions/v1"))  # doctest: +SKIP
    """

    def __init__(
        self,
        manifest: Manifest,
        documents: dict[str, Document],
        passages: PassageTable,
        sentence_vectors: Int8Rows,
        dense: Any,
        bm25: Any,
    ) -> None:
        self.manifest = manifest
        self.documents = documents
        self.passages = passages
        self.passage_vectors = stored_vectors(dense)  # a view: keeps ``dense`` alive with it
        self.sentence_vectors = sentence_vectors
        self.sentence_rows = passages.sentence_rows
        self.dense = dense
        self.bm25 = bm25
        vocab = bm25.vocab_dict if bm25 is not None else {}
        self._term_ids: dict[str, int] = vocab
        indptr = bm25.scores["indptr"] if bm25 is not None else np.zeros(1)
        self._document_frequency = np.diff(np.asarray(indptr))

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        passages: list[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        manifest: Manifest,
        extends: Index | None = None,
    ) -> Index:
        """Assemble an index; refuses vectors that do not line up with the passages.

        ``extends``: the version this one follows; when the new passages only add rows after
        its own, its HNSW graph is copied and extended instead of built again."""
        if len(passages) != len(passage_vectors):
            raise ValueError(f"{len(passages)} passages but {len(passage_vectors)} vectors")
        sentence_count = sum(len(p.sentences) for p in passages)
        if sentence_count != len(sentence_vectors):
            raise ValueError(f"{sentence_count} sentences but {len(sentence_vectors)} vectors")
        passage_vectors = np.ascontiguousarray(passage_vectors, dtype=np.float32)
        dense = _extended_dense(extends, passages, passage_vectors)
        if dense is None:
            dense = dense_index_for(passage_vectors)
        manifest = Manifest(
            **{
                **manifest.to_dict(),
                "passage_count": len(passages),
                "sentence_count": sentence_count,
                "dense_index": type(dense).__name__,
                "extra": {**manifest.extra, "lexical": LEXICAL_PARAMS},
            }
        )
        docs = {d.doc_id: d for d in documents}
        table = PassageTable.from_passages(passages, list(docs.values()))
        return cls(manifest, docs, table, Int8Rows.encode(sentence_vectors), dense,
                   _bm25_for(passages) if passages else None)

    # --- search primitives (retrieve.py combines them) ---

    def __len__(self) -> int:
        return len(self.passages)

    def dense_search(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` passage rows by inner product; FAISS's -1 padding is dropped."""
        n = min(n, len(self.passages))
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.dense.search(query_vector.reshape(1, -1).astype(np.float32), n)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.passage_vectors[rows], dtype=np.float32) @ query_vector.astype(np.float32)

    def best_sentence_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each passage row, the cosine of its sentence closest to the query."""
        starts, ends = self.sentence_rows[rows], self.sentence_rows[rows + 1]
        lengths = ends - starts
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        gathered = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        scores = self.sentence_vectors.dot(gathered, query_vector)
        return np.maximum.reduceat(scores, offsets)

    def lexical_scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query's terms (unknown terms score nothing)."""
        if self.bm25 is None:
            return np.zeros(len(self.passages), dtype=np.float32)
        known = [t for t in query_terms if t in self._term_ids]
        if not known:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def document_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs (0 when the collection never uses it)."""
        term_id = self._term_ids.get(term)
        return int(self._document_frequency[term_id]) if term_id is not None else 0

    def sentence_vectors_of(self, row: int) -> np.ndarray:
        return self.sentence_vectors.decode(slice(self.sentence_rows[row], self.sentence_rows[row + 1]))

    # --- files ---

    def save(self, directory: Path) -> None:
        """Write every file of this version, then the manifest with their checksums, last."""
        directory.mkdir(parents=True, exist_ok=True)
        _write_jsonl(directory / "documents.jsonl", (d.to_dict() for d in self.documents.values()))
        self.passages.save(directory)
        np.save(directory / SENTENCE_VECTORS, self.sentence_vectors.codes, allow_pickle=False)
        np.save(directory / SENTENCE_SCALES, self.sentence_vectors.scales, allow_pickle=False)
        _faiss().write_index(self.dense, str(directory / "dense.faiss"))
        if self.bm25 is not None:
            self.bm25.save(str(directory / "bm25"), allow_pickle=False)
        files = {
            str(path.relative_to(directory)): file_sha256(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file() and path.name != MANIFEST
        }
        manifest = Manifest(**{**self.manifest.to_dict(), "files": files})
        self.manifest = manifest
        tmp = directory / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest.to_dict(), indent=2, sort_keys=True), encoding="utf-8")
        _fsync_file(tmp)
        tmp.replace(directory / MANIFEST)

    @classmethod
    def load(cls, directory: Path, model_name: str, model_sha256: str, verify: bool = True) -> Index:
        """Load a version, refusing one built with another model or format, or corrupted."""
        manifest = read_manifest(directory)
        check_compatible(manifest, model_name, model_sha256, directory)
        if verify:
            verify_files(directory, manifest)
        try:
            documents = {d["doc_id"]: Document.from_dict(d) for d in _read_jsonl(directory / "documents.jsonl")}
            if manifest.format_version == 1:
                passages = PassageTable.from_passages(
                    [Passage.from_dict(p) for p in _read_jsonl(directory / "passages.jsonl")], list(documents.values()))
            else:
                passages = PassageTable.load(directory, documents)
            sentence_vectors = _sentence_vectors(directory, manifest.format_version)
            faiss = _faiss()
            dense = faiss.read_index(str(directory / "dense.faiss"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
            bm25 = None
            if (directory / "bm25").is_dir():
                bm25 = _bm25s().BM25.load(str(directory / "bm25"), allow_pickle=False, mmap=True)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in {directory}: {exc}; run `ccqa build --full`") from exc
        if hasattr(dense, "hnsw"):
            dense.hnsw.efSearch = HNSW_EF_SEARCH
        if len(passages) != manifest.passage_count or dense.ntotal != len(passages) or \
                passages.sentence_count() != len(sentence_vectors):
            raise IndexCorrupt(f"{directory}: passage count does not match the manifest; run `ccqa build --full`")
        return cls(manifest, documents, passages, sentence_vectors, dense, bm25)


def _sentence_vectors(directory: Path, format_version: int) -> Int8Rows:
    """Format 3's int8 rows, mapped; formats 1 and 2 kept float16 rows, converted here."""
    if format_version < 3:
        return Int8Rows.encode(np.load(directory / SENTENCE_VECTORS, allow_pickle=False))
    rows = Int8Rows(mapped(directory / SENTENCE_VECTORS), mapped(directory / SENTENCE_SCALES))
    if rows.codes.dtype != np.int8 or rows.codes.ndim != 2 or rows.scales.shape != (len(rows.codes),):
        raise ValueError(f"{directory / SENTENCE_VECTORS} and {SENTENCE_SCALES} do not hold int8 rows and their scales")
    return rows


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"no index in {directory} (no {MANIFEST}): run `ccqa build`")
    try:
        return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"{path} is not a valid manifest ({exc}): run `ccqa build --full`") from exc


def check_compatible(manifest: Manifest, model_name: str, model_sha256: str, where: Path) -> None:
    if manifest.format_version not in READABLE_FORMATS:
        raise IndexMismatch(
            f"the index in {where} has format {manifest.format_version}, this ccqa reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}: run `ccqa build --full`"
        )
    if manifest.model_sha256 != model_sha256 or manifest.model_name != model_name:
        raise IndexMismatch(
            f"the index in {where} was built with model {manifest.model_name} (weights sha256 "
            f"{manifest.model_sha256[:12]}…), but the model in use is {model_name} (sha256 "
            f"{model_sha256[:12]}…): run `ccqa build --full` to rebuild it with this model"
        )


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Check each file against the manifest's sha256; name the first that is wrong."""
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file():
            raise IndexCorrupt(f"index file missing: {path}; run `ccqa build --full`")
        if file_sha256(path) != expected:
            raise IndexCorrupt(f"index file corrupt (checksum mismatch): {path}; run `ccqa build --full`")


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())
