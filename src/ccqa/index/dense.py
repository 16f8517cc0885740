"""Dense vectors behind one small interface, and FAISS as the store that implements it.

The index asks a vector store for five things (search, scores of given rows, the stored
vectors, a copy with rows appended, save) and loads one back from its folder; another store
(an HNSW library, a server) is a class with those methods plus a line in ``build_dense`` and
``load_dense``: Qdrant is one (ccqa.index.qdrant, chosen with ``CCQA_DENSE``).

Measured on real embeddings (bench/perf_faiss.py, bench/README.md "Performance"): exact search
costs 1.4 ms at 25k passages and 6.6 ms at 100k; HNSW32 (efConstruction 80, efSearch 256)
0.55-0.9 ms with recall@10 >= 0.994 and recall@50 >= 0.989 of exact search up to 100k.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ccqa.errors import CcqaError

HNSW_THRESHOLD = 20_000  # passages; below it exact search takes about 1 ms or less
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80  # 160 gains ~0.003 recall@10 but doubles the (re)build: 36 s at 100k
HNSW_EF_SEARCH = 256
FAISS_FILE = "dense.faiss"


class DenseIndex(Protocol):
    """Passage vectors (row i = passage i), searched by inner product."""

    @property
    def kind(self) -> str: ...  # recorded in the manifest ("IndexFlatIP", "IndexHNSWFlat")

    def __len__(self) -> int: ...
    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]: ...
    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray: ...
    def vectors(self) -> np.ndarray: ...
    def appended(self, vectors: np.ndarray) -> DenseIndex | None: ...
    def save(self, directory: Path) -> None: ...


def _faiss() -> Any:
    import faiss

    return faiss


class FaissDense:
    """A FAISS inner-product index: exact below ``HNSW_THRESHOLD`` rows, HNSW above.

    >>> dense = FaissDense.build(np.eye(3, dtype=np.float32))
    >>> dense.search(np.array([0.0, 1.0, 0.0], dtype=np.float32), 2)[0].tolist()
    [1, 0]
    """

    def __init__(self, index: Any) -> None:
        self.index = index
        self._vectors = _stored_vectors(index)  # a view: keeps ``index`` alive with it

    @classmethod
    def build(cls, vectors: np.ndarray) -> FaissDense:
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dimension = vectors.shape[1]
        if len(vectors) >= HNSW_THRESHOLD:
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @classmethod
    def load(cls, directory: Path) -> FaissDense:
        """Memory-map the saved index read-only: its vectors stay in the page cache, shared by workers."""
        faiss = _faiss()
        index = faiss.read_index(str(directory / FAISS_FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)

    @property
    def kind(self) -> str:
        return type(self.index).__name__

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` rows by inner product; FAISS's -1 padding (n > rows) is dropped."""
        n = min(n, len(self))
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), n)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._vectors[rows], dtype=np.float32) @ query.astype(np.float32)

    def vectors(self) -> np.ndarray:
        return self._vectors

    def appended(self, vectors: np.ndarray) -> FaissDense | None:
        """A copy of this HNSW index with ``vectors`` added after its rows: a build that only
        adds documents extends the graph (milliseconds at 100k) instead of building it again
        (16 s). None for an exact index, which is rebuilt as cheaply as it is copied."""
        if not hasattr(self.index, "hnsw"):
            return None
        faiss = _faiss()
        # An owned copy: this one may be a read-only mapping, and FAISS aborts the process on an
        # add to a mapped index (clone_index keeps the mapping); a serialised round trip copies it.
        index = faiss.deserialize_index(faiss.serialize_index(self.index))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return FaissDense(index)

    def save(self, directory: Path) -> None:
        _faiss().write_index(self.index, str(directory / FAISS_FILE))


def build_dense(vectors: np.ndarray, store: str = "") -> DenseIndex:
    """The vector store a new index version keeps its passage vectors in: ``store`` is
    ``CCQA_DENSE`` ("" or "faiss": FAISS in the version folder; "qdrant:memory" or
    "qdrant://host:6333": Qdrant, ccqa.index.qdrant)."""
    from ccqa.index import qdrant

    if qdrant.is_qdrant(store):
        return qdrant.QdrantDense.build(vectors, store)
    if store not in ("", "faiss"):
        raise CcqaError(f"CCQA_DENSE={store!r} is not a vector store: use faiss, qdrant:memory "
                        "or qdrant://host:6333")
    return FaissDense.build(vectors)


def store_kind(store: str) -> str:
    """The ``kind`` of the store ``CCQA_DENSE`` names: what a build compares with the served one."""
    from ccqa.index import qdrant

    return "qdrant" if qdrant.is_qdrant(store) else "faiss"


def load_dense(directory: Path) -> DenseIndex:
    """The store a version was built with, found by its file."""
    from ccqa.index import qdrant

    if (directory / qdrant.QDRANT_FILE).exists():
        return qdrant.QdrantDense.load(directory)
    return FaissDense.load(directory)


def _stored_vectors(index: Any) -> np.ndarray:
    """The float32 vectors inside a flat or HNSW-flat FAISS index, as a read-only array view
    (no copy: with ``IO_FLAG_MMAP_IFC`` they stay in the page cache, shared by workers)."""
    faiss = _faiss()
    storage = faiss.downcast_index(index.storage) if hasattr(index, "storage") else index
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    address = faiss.rev_swig_ptr(storage.get_xb(), 1).__array_interface__["data"][0]
    return np.asarray(_Pinned(index, address, (index.ntotal, index.d)))


class _Pinned:
    """Memory owned by a FAISS index, seen by numpy: the array's base holds the index alive."""

    def __init__(self, owner: Any, address: int, shape: tuple[int, int]) -> None:
        self.owner = owner
        self.__array_interface__ = {"data": (address, True), "shape": shape, "typestr": "<f4", "version": 3}
