"""Sentence vectors as int8 rows: a quarter of the bytes, the same rankings."""

from __future__ import annotations

import numpy as np
import pytest

from ccqa.index.sentences import Int8Rows


def _unit_rows(n: int, d: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_int8_rows_keep_cosines_within_two_thousandths() -> None:
    vectors = _unit_rows(2000, 384, seed=1)
    query = _unit_rows(1, 384, seed=2)[0]
    rows = Int8Rows.encode(vectors)
    assert rows.codes.dtype == np.int8 and rows.codes.nbytes * 4 == vectors.nbytes
    every = np.arange(len(vectors))
    error = np.abs(rows.dot(every, query) - vectors @ query)
    assert error.max() < 2e-3 and error.mean() < 3e-4
    assert np.abs(rows.decode(every) - vectors).max() <= rows.scales.max() / 2 + 1e-7


def test_int8_rows_rank_like_the_float_vectors() -> None:
    vectors = _unit_rows(2000, 384, seed=3)
    queries = _unit_rows(50, 384, seed=4)
    rows = Int8Rows.encode(vectors)
    every = np.arange(len(vectors))
    same_top1 = sum(int(np.argmax(rows.dot(every, q)) == np.argmax(vectors @ q)) for q in queries)
    assert same_top1 >= 49


def test_int8_rows_take_zero_rows_and_empty_arrays() -> None:
    rows = Int8Rows.encode(np.zeros((2, 4), dtype=np.float32))
    assert rows.decode(np.arange(2)).tolist() == [[0.0] * 4] * 2
    assert len(Int8Rows.encode(np.zeros((0, 4), dtype=np.float32))) == 0
    with pytest.raises(ValueError):
        Int8Rows.encode(np.zeros(4, dtype=np.float32))


def test_saved_rows_load_mapped_and_float16_rows_of_old_formats_are_converted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    vectors = _unit_rows(20, 8, seed=3)
    rows = Int8Rows.encode(vectors)
    rows.save(tmp_path)
    loaded = Int8Rows.load(tmp_path, format_version=4)
    assert np.array_equal(loaded.codes, rows.codes) and np.array_equal(loaded.scales, rows.scales)
    np.save(tmp_path / "sentence_vectors.npy", vectors.astype(np.float16), allow_pickle=False)
    old = Int8Rows.load(tmp_path, format_version=2)
    assert np.allclose(old.decode(slice(None)), vectors, atol=1e-2)
