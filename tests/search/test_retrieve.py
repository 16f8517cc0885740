"""Fused search and block de-duplication, against a small fake index with known scores."""

from __future__ import annotations

import numpy as np
import pytest

from ccqa.data import Passage, Span
from ccqa.errors import BadQuestion
from ccqa.search.retrieve import FusionParams, Query, check_k, check_mode, search


class FakeIndex:
    """Passages with fixed dense, best-sentence and BM25 scores; ``blocks[row]`` says which
    (document, block) each row is a window of."""

    def __init__(self, dense: list[float], sentence: list[float], lexical: list[float],
                 blocks: list[tuple[int, int]]) -> None:
        self.dense, self.sentence, self.lexical = (np.asarray(x, dtype=np.float32) for x in (dense, sentence, lexical))
        self.blocks = blocks
        self.passages = self  # rows come back as passages from this same object

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, row: int) -> Passage:
        text = f"passage {row}"
        return Passage(f"p{row}", f"doc{self.blocks[row][0]}", 0, len(text), text, self.blocks[row][1],
                       (Span(0, len(text)),))

    def block_of(self, row: int) -> tuple[int, int]:
        return self.blocks[row]

    def group_of(self, row: int) -> int | None:
        return None

    def languages(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(["en"] * len(rows))

    def dense_search(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(-self.dense, kind="stable")[:n]
        return order.astype(np.int64), self.dense[order]

    def dense_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.dense[rows]

    def lexical_scores(self, query_terms: list[str]) -> np.ndarray:
        return self.lexical

    def best_sentence_scores(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.sentence[rows]


QUERY = Query("question", np.zeros(4, dtype=np.float32), ["term"])
FOUR_BLOCKS = [(0, 0), (0, 1), (1, 0), (2, 0)]


def rows(hits: list) -> list[int]:  # type: ignore[type-arg]
    return [h.row for h in hits]


def test_each_mode_ranks_by_its_own_signal() -> None:
    index = FakeIndex(dense=[0.9, 0.1, 0.5, 0.3], sentence=[0.0] * 4, lexical=[0.0, 3.0, 1.0, 0.0], blocks=FOUR_BLOCKS)
    assert rows(search(index, QUERY, k=4, mode="dense")) == [0, 2, 3, 1]
    assert rows(search(index, QUERY, k=4, mode="bm25")) == [1, 2]  # passages without the terms are not lexical hits


class ReversedTies(FakeIndex):
    """A store that returns equal scores highest row first (as FAISS may; Qdrant does not)."""

    def dense_search(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((-np.arange(len(self.dense)), -self.dense))[:n]
        return order.astype(np.int64), self.dense[order]


def test_equal_scores_rank_by_row_whatever_order_the_store_returns_them_in() -> None:
    dense, lexical = [0.5, 0.9, 0.5, 0.5], [1.0, 2.0, 1.0, 1.0]
    for store in (ReversedTies, FakeIndex):
        for mode in ("dense", "hybrid"):
            index = store(dense=dense, sentence=dense, lexical=lexical, blocks=FOUR_BLOCKS)
            assert rows(search(index, QUERY, k=4, mode=mode)) == [1, 0, 2, 3], (store, mode)


def test_hybrid_prefers_a_passage_both_retrievers_like_over_one_each_loves() -> None:
    index = FakeIndex(dense=[0.9, 0.2, 0.7, 0.1], sentence=[0.9, 0.2, 0.7, 0.1], lexical=[0.0, 9.0, 6.0, 0.0],
                      blocks=FOUR_BLOCKS)
    assert rows(search(index, QUERY, k=1))[0] == 2


def test_fusion_weights_decide_between_the_signals() -> None:
    index = FakeIndex(dense=[0.9, 0.1, 0.2, 0.3], sentence=[0.9, 0.1, 0.2, 0.3], lexical=[0.0, 5.0, 0.0, 0.0],
                      blocks=FOUR_BLOCKS)
    lexical_only = FusionParams(dense_weight=0.0, sentence_weight=0.0, lexical_weight=1.0)
    dense_only = FusionParams(dense_weight=1.0, sentence_weight=0.0, lexical_weight=0.0)
    assert rows(search(index, QUERY, k=1, fusion=lexical_only)) == [1]
    assert rows(search(index, QUERY, k=1, fusion=dense_only)) == [0]


def test_overlapping_windows_of_one_block_are_shown_once_the_best_first() -> None:
    # rows 0 and 1 are windows of the same block; row 1 scores higher, so row 0 is dropped
    index = FakeIndex(dense=[0.8, 0.9, 0.1, 0.2], sentence=[0.8, 0.9, 0.1, 0.2], lexical=[2.0, 3.0, 0.0, 0.0],
                      blocks=[(0, 0), (0, 0), (1, 0), (2, 0)])
    found = rows(search(index, QUERY, k=4))
    assert found[0] == 1 and 0 not in found and sorted(found) == [1, 2, 3]


def test_k_caps_the_hits_and_an_empty_index_gives_none() -> None:
    index = FakeIndex(dense=[0.4, 0.3, 0.2, 0.1], sentence=[0.0] * 4, lexical=[1.0] * 4, blocks=FOUR_BLOCKS)
    assert len(search(index, QUERY, k=2)) == 2
    assert search(FakeIndex([], [], [], []), QUERY, k=5) == []


@pytest.mark.parametrize("mode", ["semantic", "", None, ["bm25"]])
def test_unknown_mode_is_refused_with_the_modes_named(mode: object) -> None:
    with pytest.raises(BadQuestion, match="hybrid, dense, bm25") as refused:
        check_mode(mode)
    assert refused.value.code == "invalid_mode"


@pytest.mark.parametrize("k", [0, -1, 21, True, 2.0, "5", None])
def test_k_outside_one_to_max_or_not_an_integer_is_refused(k: object) -> None:
    with pytest.raises(BadQuestion, match="from 1 to 20") as refused:
        check_k(k, 20)
    assert refused.value.code == "invalid_k"
    assert check_k(20, 20) == 20
