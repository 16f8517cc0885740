"""Near-duplicate passages: the same text published twice (a repost with other navigation and
footer lines, a release quoted in full). Found at build time with MinHash over term shingles
and banded locality-sensitive hashing, confirmed by the shingles' Jaccard similarity; each group
is led by the passage of the earliest-dated document (the original), the others point at it.

>>> groups = duplicate_groups([["a", "b", "c", "d", "e", "f"], ["a", "b", "c", "d", "e", "f"], ["x"]], ["2020", "2021", ""])
>>> groups.tolist()
[-1, 0, -1]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

SHINGLE = 3  # terms a shingle spans
MIN_SHINGLES = 6  # shorter passages ("Share: WeChat | Weibo") are left alone
PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs with Jaccard 0.8 meet in a band with probability ~0.9996
THRESHOLD = 0.8  # Jaccard similarity of shingle sets that makes two passages one text
_PRIME = (1 << 61) - 1


def duplicate_groups(passage_terms: Sequence[Sequence[str]], dates: Sequence[str]) -> np.ndarray:
    """For each passage, the row of the passage it duplicates (-1: none); ``dates`` are the
    passages' documents' dates (ISO, "" unknown): the earliest is the original, then the first row."""
    shingles = [_shingles(t) for t in passage_terms]
    eligible = [i for i, s in enumerate(shingles) if len(s) >= MIN_SHINGLES]
    leader = np.full(len(passage_terms), -1, dtype=np.int64)
    if len(eligible) < 2:
        return leader
    signatures = _signatures([shingles[i] for i in eligible])
    parent = {i: i for i in eligible}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows_per_band = PERMUTATIONS // BANDS
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = {}
        part = signatures[:, band * rows_per_band : (band + 1) * rows_per_band]
        for position, row in enumerate(eligible):
            buckets.setdefault(part[position].tobytes(), []).append(row)
        for members in buckets.values():
            for other in members[1:]:
                first = members[0]
                if root(first) != root(other) and _jaccard(shingles[first], shingles[other]) >= THRESHOLD:
                    parent[root(other)] = root(first)
    groups: dict[int, list[int]] = {}
    for row in eligible:
        groups.setdefault(root(row), []).append(row)
    for members in groups.values():
        if len(members) > 1:
            original = min(members, key=lambda r: (dates[r] or "9999", r))
            for row in members:
                if row != original:
                    leader[row] = original
    return leader


def _shingles(terms: Sequence[str]) -> set[int]:
    return {_hash(" ".join(terms[i : i + SHINGLE])) for i in range(max(0, len(terms) - SHINGLE + 1))}


def _hash(text: str) -> int:
    """A hash that is the same in every process (Python's own is salted per run)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little") % _PRIME


def _signatures(shingle_sets: list[set[int]]) -> np.ndarray:
    """MinHash signatures: for each permutation (a*x + b mod p), the least value over the shingles."""
    rng = np.random.default_rng(20261201)  # fixed: a build always finds the same groups
    a = rng.integers(1, 1 << 31, PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, PERMUTATIONS, dtype=np.uint64)
    out = np.empty((len(shingle_sets), PERMUTATIONS), dtype=np.uint64)
    for i, shingles in enumerate(shingle_sets):
        values = np.fromiter(shingles, dtype=np.uint64, count=len(shingles)) % np.uint64(1 << 31)
        out[i] = ((np.outer(values, a) + b) % np.uint64(_PRIME)).min(axis=0)
    return out


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
