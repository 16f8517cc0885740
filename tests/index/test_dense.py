"""The dense part: FAISS behind the DenseIndex interface, exact or HNSW, saved and mapped back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ccqa.index.dense as dense_module
from ccqa.index.dense import FaissDense, build_dense, load_dense


def unit_rows(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_search_finds_each_row_by_its_own_vector_and_drops_faiss_padding() -> None:
    vectors = unit_rows(5)
    dense = build_dense(vectors)
    for row in range(5):
        assert dense.search(vectors[row], 1)[0].tolist() == [row]
    found, scores = dense.search(vectors[0], 50)  # more than it holds: no -1 rows
    assert sorted(found.tolist()) == list(range(5)) and len(scores) == 5


def test_scores_of_given_rows_are_their_inner_products() -> None:
    vectors = unit_rows(4)
    dense = build_dense(vectors)
    assert np.allclose(dense.scores(vectors[1], np.array([3, 1])), vectors[[3, 1]] @ vectors[1])


def test_saved_index_loads_mapped_with_the_same_vectors_and_answers(tmp_path: Path) -> None:
    vectors = unit_rows(30)
    build_dense(vectors).save(tmp_path)
    loaded = load_dense(tmp_path)
    assert loaded.kind == "IndexFlatIP" and len(loaded) == 30
    assert np.array_equal(loaded.vectors(), vectors)
    assert loaded.search(vectors[7], 1)[0].tolist() == [7]


def test_large_collections_use_hnsw_and_are_extended_not_rebuilt(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.setattr(dense_module, "HNSW_THRESHOLD", 10)
    vectors = unit_rows(40)
    dense = build_dense(vectors[:30])
    assert dense.kind == "IndexHNSWFlat"
    dense.save(tmp_path)
    mapped = load_dense(tmp_path)  # read-only mapping: appending must copy first
    grown = mapped.appended(vectors[30:])
    assert grown is not None and len(grown) == 40 and len(mapped) == 30
    assert all(grown.search(vectors[row], 1)[0].tolist() == [row] for row in (0, 29, 30, 39))


def test_an_exact_index_is_rebuilt_rather_than_appended() -> None:
    assert FaissDense.build(unit_rows(5)).appended(unit_rows(2, seed=1)) is None


def test_an_empty_store_searches_to_nothing() -> None:
    dense = build_dense(np.zeros((0, 16), dtype=np.float32))
    assert len(dense) == 0 and dense.search(unit_rows(1)[0], 5)[0].tolist() == []
