"""Unit vectors kept as int8 rows, each with its own scale: a quarter of float32's bytes.

The sentence vectors are the largest part of an index (2.5 rows per passage); a worker
touches most of them over time, so their size is most of what it holds at 100k passages.
A row's own scale (its largest component / 127) keeps the error of a dot product within
about 2e-3 of the cosine (3e-4 on average), below what changes a ranking (bench/README.md "Memory").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ccqa.index.passages import mapped

_LEVELS = 127.0
VECTORS_FILE, SCALES_FILE = "sentence_vectors.npy", "sentence_scales.npy"


@dataclass(frozen=True)
class Int8Rows:
    """>>> rows = Int8Rows.encode(np.eye(2, dtype=np.float32))
    >>> rows.decode(np.arange(2)).tolist(), rows.dot(np.arange(2), np.array([1.0, 0.0])).tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0])
    """

    codes: np.ndarray  # (n, d) int8
    scales: np.ndarray  # (n,) float32: row i is codes[i] * scales[i]

    @classmethod
    def encode(cls, vectors: np.ndarray) -> Int8Rows:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("Int8Rows.encode takes a 2-d array")
        largest = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, dtype=np.float32)
        scales = np.where(largest > 0, largest / _LEVELS, 1.0).astype(np.float32)
        codes = np.clip(np.rint(vectors / scales[:, None]), -_LEVELS, _LEVELS).astype(np.int8)
        return cls(codes, scales)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def dimension(self) -> int:
        return int(self.codes.shape[1])

    def decode(self, rows: np.ndarray | slice) -> np.ndarray:
        """The float32 vectors of ``rows`` (an index array or a slice)."""
        return np.asarray(self.codes[rows], dtype=np.float32) * self.scales[rows][:, None]

    def dot(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Inner product of each of ``rows`` with ``query``."""
        return (np.asarray(self.codes[rows], dtype=np.float32) @ np.asarray(query, dtype=np.float32)) \
            * self.scales[rows]

    def save(self, directory: Path) -> None:
        np.save(directory / VECTORS_FILE, self.codes, allow_pickle=False)
        np.save(directory / SCALES_FILE, self.scales, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, format_version: int) -> Int8Rows:
        """Formats 3 and 4's int8 rows, mapped; formats 1 and 2 kept float16 rows, converted here."""
        if format_version < 3:
            return cls.encode(np.load(directory / VECTORS_FILE, allow_pickle=False))
        rows = cls(mapped(directory / VECTORS_FILE), mapped(directory / SCALES_FILE))
        if rows.codes.dtype != np.int8 or rows.codes.ndim != 2 or rows.scales.shape != (len(rows.codes),):
            raise ValueError(f"{directory / VECTORS_FILE} and {SCALES_FILE} do not hold int8 rows and their scales")
        return rows
