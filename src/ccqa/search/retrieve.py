"""Dense, lexical and fused search over an Index, with overlapping windows de-duplicated.

Fusion is by z-scores: the passage's cosine, its best sentence's cosine and its BM25 score are
each standardised over the candidates (the union of both retrievers' top lists), then mixed. On SQuAD dev this beats reciprocal rank fusion and
both retrievers alone (bench/README.md has the figures and the command).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ccqa.data import Hit, Passage
from ccqa.errors import BadQuestion

MODES = ("hybrid", "dense", "bm25")
EMBEDDED_LANGUAGE = "en"  # the language all-MiniLM-L6-v2 was trained on


class PassageRows(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, row: int) -> Passage: ...
    def block_of(self, row: int) -> tuple[int, int]: ...
    def group_of(self, row: int) -> int | None: ...
    def languages(self, rows: np.ndarray) -> np.ndarray: ...


class SearchableIndex(Protocol):
    @property
    def passages(self) -> PassageRows: ...

    def dense_search(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]: ...
    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray: ...
    def lexical_scores(self, query_terms: list[str]) -> np.ndarray: ...
    def best_sentence_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Query:
    """A question ready for search: its text, embedding and stemmed terms."""

    text: str
    vector: np.ndarray
    terms: list[str]
    lang: str = "en"


@dataclass(frozen=True)
class FusionParams:
    """Weights of the z-scored signals: passage cosine, best-sentence cosine, BM25.

    Chosen on SQuAD dev (bench/README.md): adding the best sentence's cosine lifts recall@1
    from 0.811 (passage cosine + BM25) to 0.835."""

    candidates: int = 50
    dense_weight: float = 0.2
    sentence_weight: float = 0.4
    lexical_weight: float = 0.4


def check_mode(mode: object) -> str:
    """``mode`` if it is one of ``MODES``; the one check of it for the API, CLI and library."""
    if not isinstance(mode, str) or mode not in MODES:
        raise BadQuestion(f"mode must be one of {', '.join(MODES)}", code="invalid_mode")
    return mode


def check_k(k: object, max_k: int) -> int:
    """``k`` if it is a whole number from 1 to ``max_k`` (a JSON true or 2.0 is not)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max_k:
        raise BadQuestion(f"k must be an integer from 1 to {max_k}", code="invalid_k")
    return k


def search(index: SearchableIndex, query: Query, k: int, mode: str = "hybrid",
           fusion: FusionParams = FusionParams()) -> list[Hit]:
    """The ``k`` best passages, at most one per block (overlapping windows never repeat) and one
    per text published twice (a repost shows once)."""
    check_mode(mode)
    if len(index.passages) == 0 or k <= 0:
        return []
    n = max(fusion.candidates, 4 * k)
    dense_rows, _ = index.dense_search(query.vector, n)
    lexical_all = index.lexical_scores(query.terms)
    lexical_rows = _top_rows(lexical_all, n)
    if mode == "dense":
        rows = np.sort(dense_rows)  # in row order, like hybrid's: equal scores rank by row, not
        # by the order a vector store returns them in (FAISS and Qdrant break ties differently)
    elif mode == "bm25":
        rows = lexical_rows[lexical_all[lexical_rows] > 0]
    else:
        rows = np.unique(np.concatenate([dense_rows, lexical_rows]))
    if len(rows) == 0:
        return []
    dense = index.dense_scores(query.vector, rows)
    lexical = lexical_all[rows]
    if mode == "dense":
        fused = dense
    elif mode == "bm25":
        fused = lexical
    else:
        fused = hybrid_scores(index, query, rows, dense, lexical, fusion)
    return distinct_hits(index, rows, fused, dense, lexical, k)


def hybrid_scores(index: SearchableIndex, query: Query, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray,
                  fusion: FusionParams = FusionParams()) -> np.ndarray:
    """The fused score of each candidate row: z-scored passage cosine, best-sentence cosine and
    BM25. The embedding model reads English: a question in another language is ranked on terms
    alone; for an English question, a passage in another language has no cosine to count for or
    against it (it stands at the average) and its terms count as an English one's."""
    if query.lang != EMBEDDED_LANGUAGE:
        return _zscores(lexical)
    sentence = index.best_sentence_scores(query.vector, rows)
    fused = (fusion.dense_weight * _zscores(dense) + fusion.sentence_weight * _zscores(sentence)
             + fusion.lexical_weight * _zscores(lexical))
    unread = index.passages.languages(rows) != EMBEDDED_LANGUAGE
    if unread.any():
        fused = np.where(unread, fusion.lexical_weight * _zscores(lexical), fused)
    return fused


def distinct_hits(index: SearchableIndex, rows: np.ndarray, fused: np.ndarray, dense: np.ndarray,
                  lexical: np.ndarray, k: int) -> list[Hit]:
    """The ``k`` best rows by ``fused``, at most one per block (overlapping windows never
    repeat) and one per text published twice (shown as its original, the earliest published)."""
    order = np.argsort(-fused, kind="stable")
    hits: list[Hit] = []
    seen_blocks: set[tuple[int, int]] = set()
    seen_groups: set[int] = set()
    for i in order:
        row = int(rows[i])
        block, group = index.passages.block_of(row), index.passages.group_of(row)
        if block in seen_blocks or group in seen_groups:  # a window of a block shown, or its text elsewhere
            continue
        seen_blocks.add(block)
        if group is not None:
            seen_groups.add(group)
            seen_blocks.add(index.passages.block_of(group))
            row = group
        hits.append(Hit(index.passages[row], float(fused[i]), float(dense[i]), float(lexical[i]), row))
        if len(hits) == k:
            break
    return hits


def _top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, n)[:n]
    return top[np.argsort(-scores[top], kind="stable")]


def _zscores(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.zeros(0, dtype=np.float64)
    centred = np.asarray(values, dtype=np.float64) - values.mean()
    std = math.sqrt(float(centred @ centred) / len(centred))  # ndarray.std costs more on a few dozen values
    if std < 1e-9:
        return np.zeros_like(values, dtype=np.float64)
    return centred / std
