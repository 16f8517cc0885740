"""The searchable index: one version's parts, each saving and loading itself (no pickle anywhere).

    manifest.json          what was built, with what, and the sha256 of every file below (manifest.py)
    documents.jsonl        each Document, text included (citations open the exact text indexed)
    passages.npy           each passage's document, offsets, block, page, language, structure unit, id,
                           and the passage whose text it repeats (duplicates.py)
    sentence_spans.npy     each passage's sentence offsets, grouped by passage
    sentence_vectors.npy   int8 sentence embeddings, rows grouped by passage (sentences.py)
    sentence_scales.npy    float32 scale of each of those rows
    dense.faiss            the passage vectors' store (dense.py: FAISS, memory-mapped), or with
                           CCQA_DENSE=qdrant...: dense_vectors.npy and dense.qdrant.json (qdrant.py)
    bm25/                  BM25 over the passages' terms (lexical.py, memory-mapped)
    translations.json      the collection's terms across English and Chinese (lexical.py)
    encoder.onnx           the int8 encoder the version was embedded with and answers with

Formats 1-5 still load (see each part's ``load``); the next build rewrites them as format 6
without embedding. The index never embeds: ``Index.build(...)`` takes vectors made elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ccqa.data import Document, Passage
from ccqa.errors import IndexCorrupt
from ccqa.index.dense import DenseIndex, build_dense, load_dense, store_kind
from ccqa.index.duplicates import duplicate_groups
from ccqa.index.lexical import BM25_DIR, LexicalIndex, LexicalParams
from ccqa.index.manifest import (
    Manifest,
    check_compatible,
    read_manifest,
    verify_files,
    write_manifest,
)
from ccqa.index.passages import PassageTable
from ccqa.index.sentences import Int8Rows
from ccqa.ingest.context import passage_search_text
from ccqa.lang.terms import terms

__all__ = ["Index", "Manifest"]

LEXICAL = LexicalParams()


class Index:
    """One index version in memory: passages, sentence vectors, dense and lexical search.

    >>> index = Index.build(documents, passages, vectors, sentence_vectors, manifest)  # doctest: +SKIP
    >>> index.save(Path("index/versions/v1")); Index.load(Path("index/versions/v1"), name, sha)  # doctest: +SKIP
    """

    def __init__(self, manifest: Manifest, passages: PassageTable, sentence_vectors: Int8Rows,
                 dense: DenseIndex, lexical: LexicalIndex | None) -> None:
        self.manifest = manifest
        self.passages = passages
        self.documents: dict[str, Document] = {d.doc_id: d for d in passages.documents}
        self.languages = frozenset(d.lang for d in self.documents.values())  # the languages its documents are in
        self.sentence_vectors = sentence_vectors
        self.sentence_rows = passages.sentence_rows
        self.dense = dense
        self.lexical = lexical

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        passages: list[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        manifest: Manifest,
        extends: Index | None = None,
        cache_dir: Path | None = None,
        dense_store: str = "",
    ) -> Index:
        """Assemble an index; refuses vectors that do not line up with the passages.

        ``extends``: the version this one follows; when the new passages only add rows after
        its own, its dense store is copied and extended instead of built again. ``cache_dir``:
        the installation's cache (``ccqa.cache``) the lexical index reads its dictionary from.
        ``dense_store``: ``CCQA_DENSE``, the vector store to keep them in (dense.py ``build_dense``)."""
        if len(passages) != len(passage_vectors):
            raise ValueError(f"{len(passages)} passages but {len(passage_vectors)} vectors")
        sentence_count = sum(len(p.sentences) for p in passages)
        if sentence_count != len(sentence_vectors):
            raise ValueError(f"{sentence_count} sentences but {len(sentence_vectors)} vectors")
        passage_vectors = np.ascontiguousarray(passage_vectors, dtype=np.float32)
        if extends is not None and (extends.dense.kind == "qdrant") != (store_kind(dense_store) == "qdrant"):
            extends = None  # another store now: nothing of the old one to extend
        dense = _extended(extends, passages, passage_vectors) or build_dense(passage_vectors, dense_store)
        manifest = replace(manifest, passage_count=len(passages), sentence_count=sentence_count,
                           dense_index=dense.kind, lexical=LEXICAL)
        by_id = {d.doc_id: d for d in documents}
        copy_of = duplicate_groups([terms(p.text) for p in passages],
                                   [by_id[p.doc_id].stated_date or "" for p in passages])
        table = PassageTable.from_passages(passages, list(by_id.values()), copy_of)
        lexical = LexicalIndex.build([terms(passage_search_text(by_id[p.doc_id], p)) for p in passages], LEXICAL,
                                     cache_dir) \
            if passages else None
        return cls(manifest, table, Int8Rows.encode(sentence_vectors), dense, lexical)

    # --- search primitives (search/retrieve.py combines them) ---

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def passage_vectors(self) -> np.ndarray:
        return self.dense.vectors()

    def dense_search(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` passage rows by inner product."""
        return self.dense.search(query_vector, n)

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.dense.scores(query_vector, rows)

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
        if self.lexical is None:
            return np.zeros(len(self.passages), dtype=np.float32)
        return self.lexical.scores(query_terms)

    def copies_of(self, row: int) -> list[int]:
        """The rows of passages elsewhere with the same text (a repost, a quoted release)."""
        return self.passages.copies_of(row)

    def carry(self, question_terms: list[str], target: str) -> list[str]:
        """The terms of ``target``'s language (en, zh) that render ``question_terms`` in this collection."""
        return self.lexical.translations.carry(question_terms, target) if self.lexical is not None else []

    def document_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs (0 when the collection never uses it)."""
        return self.lexical.document_frequency(term) if self.lexical is not None else 0

    def sentence_vectors_of(self, row: int) -> np.ndarray:
        return self.sentence_vectors.decode(slice(self.sentence_rows[row], self.sentence_rows[row + 1]))

    # --- files ---

    def save(self, directory: Path) -> None:
        """Write every part of this version, then the manifest with their checksums, last."""
        directory.mkdir(parents=True, exist_ok=True)
        self.passages.save(directory)
        self.sentence_vectors.save(directory)
        self.dense.save(directory)
        if self.lexical is not None:
            self.lexical.save(directory)
        self.manifest = write_manifest(directory, self.manifest)

    @classmethod
    def load(cls, directory: Path, model_name: str, model_sha256: str, verify: bool = True) -> Index:
        """Load a version, refusing one built with another model or format, or corrupted."""
        manifest = read_manifest(directory)
        check_compatible(manifest, model_name, model_sha256, directory)
        if verify:
            verify_files(directory, manifest)
        try:
            passages = PassageTable.load(directory, manifest.format_version)
            sentence_vectors = Int8Rows.load(directory, manifest.format_version)
            dense = load_dense(directory)
            lexical = LexicalIndex.load(directory, manifest.lexical or LEXICAL) \
                if (directory / BM25_DIR).is_dir() else None
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in {directory}: {exc}; run `ccqa build --full`") from exc
        if len(passages) != manifest.passage_count or len(dense) != len(passages) or \
                passages.sentence_count() != len(sentence_vectors):
            raise IndexCorrupt(f"{directory}: passage count does not match the manifest; run `ccqa build --full`")
        return cls(manifest, passages, sentence_vectors, dense, lexical)


def _extended(previous: Index | None, passages: Sequence[Passage], vectors: np.ndarray) -> DenseIndex | None:
    """``previous``'s dense store with the rows after its own appended, when the first rows are
    its very passages and vectors (a build that only adds documents); None otherwise."""
    if previous is None:
        return None
    n = len(previous)
    if len(passages) < n or previous.passage_vectors.shape[1:] != vectors.shape[1:]:
        return None
    kept_ids = [p.passage_id for p in passages[:n]]
    if kept_ids != [pid.decode("ascii") for pid in previous.passages.rows["passage_id"]] or \
            not np.array_equal(previous.passage_vectors, vectors[:n]):
        return None
    return previous.dense.appended(vectors[n:])
