"""Passage vectors searched in Qdrant: a server or cluster (``qdrant://host:6333``) for a corpus
larger than one machine should hold, or the client's embedded mode (``qdrant:memory``) in tests.

An optional extra (``pip install 'ccqa[qdrant]'``), chosen with ``CCQA_DENSE``. The version
folder keeps the vectors as a memory-mapped ``dense_vectors.npy`` beside ``dense.qdrant.json``
(where the collection lives): fusion rescoring a few rows and incremental builds read them
there, so only the nearest-neighbour search goes to Qdrant. A collection is named after the
sha256 of its vectors, so publishing the same vectors twice uploads nothing again.

Measured (bench/dense_stores.py, bench/README.md "Dense stores"): the embedded mode searches
by brute force in numpy, tens of milliseconds at 20,000 passages; it is for tests, not serving.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.errors import CcqaError, IndexCorrupt

QDRANT_FILE = "dense.qdrant.json"
VECTORS_FILE = "dense_vectors.npy"
EMBEDDED = "qdrant:memory"
UPLOAD_BATCH = 1024


def is_qdrant(store: str) -> bool:
    return store == EMBEDDED or store.startswith(("qdrant://", "qdrants://"))


def _client(location: str) -> Any:
    """A client for ``location``: the embedded mode, or the server at that URL (HTTP or HTTPS)."""
    try:
        from qdrant_client import QdrantClient
    except ImportError:
        raise CcqaError(f"CCQA_DENSE={location!r} needs the Qdrant client: pip install 'ccqa[qdrant]'") from None
    if location == EMBEDDED:
        return QdrantClient(location=":memory:")
    scheme, _, rest = location.partition("://")
    return QdrantClient(url=("https://" if scheme == "qdrants" else "http://") + rest)


class QdrantDense:
    """A Qdrant collection of the passage vectors (point id = row), searched by dot product.

    >>> dense = QdrantDense.build(np.eye(3, dtype=np.float32), "qdrant:memory")  # doctest: +SKIP
    >>> dense.search(np.array([0.0, 1.0, 0.0], dtype=np.float32), 2)[0].tolist()  # doctest: +SKIP
    [1, 0]
    """

    def __init__(self, client: Any, location: str, collection: str, vectors: np.ndarray) -> None:
        self._client, self._pid = client, os.getpid()
        self.location, self.collection = location, collection
        self._vectors = vectors

    @property
    def client(self) -> Any:
        """This process's client: a server's connections are not shared with forked workers
        (the embedded collection, plain memory, is)."""
        if self._pid != os.getpid() and self.location != EMBEDDED:
            self._client, self._pid = _client(self.location), os.getpid()
        return self._client

    @classmethod
    def build(cls, vectors: np.ndarray, location: str) -> QdrantDense:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        collection = "ccqa-" + hashlib.sha256(vectors.tobytes() + str(vectors.shape).encode()).hexdigest()[:24]
        client = _client(location)
        _ensure_collection(client, collection, vectors)
        return cls(client, location, collection, vectors)

    @classmethod
    def load(cls, directory: Path) -> QdrantDense:
        """The collection this version names, checked to hold as many points as it has rows."""
        try:
            meta = json.loads((directory / QDRANT_FILE).read_text(encoding="utf-8"))
            location, collection = str(meta["location"]), str(meta["collection"])
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"{directory / QDRANT_FILE}: {exc}; run `ccqa build --full`") from exc
        vectors = np.load(directory / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        client = _client(location)
        if location == EMBEDDED:  # nothing outlives the process: upload the version's vectors
            _ensure_collection(client, collection, vectors)
        elif not client.collection_exists(collection) or \
                client.count(collection, exact=True).count != len(vectors):
            raise IndexCorrupt(f"Qdrant at {location} has no complete collection {collection} for "
                               f"{directory}: run `ccqa build --full` with CCQA_DENSE={location}")
        return cls(client, location, collection, vectors)

    @property
    def kind(self) -> str:
        return "qdrant"

    def __len__(self) -> int:
        return len(self._vectors)

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        n = min(n, len(self))
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        points = self.client.query_points(self.collection, query=np.asarray(query, dtype=np.float32).tolist(),
                                          limit=n, with_payload=False, with_vectors=False).points
        return (np.array([int(p.id) for p in points], dtype=np.int64),
                np.array([p.score for p in points], dtype=np.float32))

    def scores(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._vectors[rows], dtype=np.float32) @ query.astype(np.float32)

    def vectors(self) -> np.ndarray:
        return self._vectors

    def appended(self, vectors: np.ndarray) -> QdrantDense | None:
        """None: a new collection is uploaded (named by its vectors; the old one stays for readers)."""
        return None

    def save(self, directory: Path) -> None:
        np.save(directory / VECTORS_FILE, np.ascontiguousarray(self._vectors, dtype=np.float32), allow_pickle=False)
        meta = {"location": self.location, "collection": self.collection, "points": len(self)}
        (directory / QDRANT_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _ensure_collection(client: Any, collection: str, vectors: np.ndarray) -> None:
    """Create and fill ``collection`` unless it already holds exactly these rows."""
    from qdrant_client import models

    if client.collection_exists(collection):
        if client.count(collection, exact=True).count == len(vectors):
            return
        client.delete_collection(collection)
    client.create_collection(collection, vectors_config=models.VectorParams(
        size=int(vectors.shape[1]), distance=models.Distance.DOT))
    for start in range(0, len(vectors), UPLOAD_BATCH):
        batch = np.asarray(vectors[start:start + UPLOAD_BATCH], dtype=np.float32)
        client.upsert(collection, points=models.Batch(ids=list(range(start, start + len(batch))),
                                                      vectors=batch.tolist()), wait=True)
