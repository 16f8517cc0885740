"""Index fixtures: a deterministic fake encoder for fast tests, a tiny corpus indexed with it, and
the real model and seed index built once per session."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ccqa.config import Settings
from ccqa.index.build import BuildReport, build_index
from ccqa.ingest.passages import approximate_token_count
from ccqa.lang.terms import words

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "chengdu-chongqing-economic-circle-accelerates.txt"


class HashingEncoder:
    """Bag-of-words vectors from word hashes: similar words give similar vectors, no model."""

    name = "hashing"
    dimension = 64
    variant = "hashing"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        out[:, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


TOKEN = "s3cret-admin-token-0123456789abcdef"  # the admin token of tiny_settings
TINY_CORPUS = {  # three short documents, enough for most tests
    "railway.txt": "The Chengdu-Chongqing high-speed railway opened in 2015. Trains take about one hour.",
    "tea.md": "# Sichuan tea\n\nSichuan grows green tea on misty hills. The harvest starts in March.",
    "river.txt": "The Yangtze River flows through Chongqing. Ships carry containers downstream.",
}


MONORAIL = "The Zephyr monorail between Jiangbei and Yubei opened in 2031 with twelve stations."


def fast_build(settings: Settings) -> BuildReport:
    return build_index(settings, encoder=HashingEncoder(), count_tokens=approximate_token_count)


def tiny_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """A three-document corpus with a catalog entry, indexed with the fake encoder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY_CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "catalog.json").write_text(json.dumps({"river.txt": {"title": "The River"}}), encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        admin_token=TOKEN,
        max_upload_bytes=4096,
        reload_interval_s=3600.0,
        cache_size=0,
    )
    settings = Settings(**{**settings.__dict__, **overrides})
    fast_build(settings)
    return settings


def seed_corpus(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, directory / SEED.name)
    shutil.copy(REPO / "corpus" / "catalog.json", directory / "catalog.json")
    return directory


@pytest.fixture(scope="session")
def real_encoder():  # type: ignore[no-untyped-def]
    """The packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    from ccqa.embed.model import verified_model_path
    from ccqa.embed.torch_encoder import TorchEncoder

    settings = Settings()
    return TorchEncoder(verified_model_path(settings.model_path, settings.model_sha256))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at a real index of the seed article, built once per test run the way
    `ccqa build` builds it (the int8 ONNX encoder of ``ccqa setup``). Parallel workers
    (pytest-xdist) share it: the first builds it under a lock, the others read it; tests
    that change an index copy it first."""
    from ccqa.files import locked
    from ccqa.index import versions
    from ccqa.index.build import build_index

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    root = shared / "seed-index"
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", cache_size=0,
                        reload_interval_s=0.0)
    with locked(shared / "seed-index.lock"):
        if versions.current_version(settings.index_dir) is None:
            seed_corpus(settings.corpus_dir)
            build_index(settings)
    yield settings


COLLECTION = REPO / "eval" / "collection"


@pytest.fixture(scope="session")
def collection_qa(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The development collection (``eval/collection``, 35 documents in both languages) as
    `ccqa build` indexes it, built once per test run and shared by the parallel workers."""
    from ccqa.files import locked
    from ccqa.index import versions
    from ccqa.index.build import build_index
    from ccqa.service import QA

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    settings = Settings(corpus_dir=COLLECTION, index_dir=shared / "collection-index", cache_size=0,
                        reload_interval_s=3600.0)
    with locked(shared / "collection-index.lock"):
        if versions.current_version(settings.index_dir) is None:
            build_index(settings)
    return QA.open(settings)


@pytest.fixture(scope="session")
def seed_qa(seed_settings: Settings):  # type: ignore[no-untyped-def]
    """The seed index as `ccqa serve` answers from it (the ONNX encoder saved with it)."""
    from ccqa.service import QA

    return QA.open(seed_settings)


def qa_over(tmp_path: Path, documents: dict[str, str], catalog: dict[str, Any] | None = None) -> Any:
    """A QA service over ``documents`` (file name -> text), indexed with the fake encoder."""
    from ccqa.service import QA

    corpus = tmp_path / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    if catalog:
        (corpus / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_size=0, reload_interval_s=3600.0)
    fast_build(settings)
    return QA.open(settings, encoder=HashingEncoder())
