"""The Qdrant dense store (CCQA_DENSE=qdrant...), in the client's embedded mode: it finds what
FAISS finds, a build keeps its vectors there and `ccqa ask` answers from it with the same top-5
passages as FAISS on the seed article, and switching store rebuilds without embedding again."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ccqa.config import Settings
from ccqa.errors import CcqaError
from ccqa.index import Index
from ccqa.index.build import build_index
from ccqa.index.dense import FaissDense, build_dense, load_dense
from ccqa.index.qdrant import EMBEDDED, QDRANT_FILE, VECTORS_FILE, QdrantDense
from ccqa.index.versions import current_dir
from ccqa.ingest.passages import approximate_token_count
from ccqa.service import QA
from tests.index_fixtures import REPO, HashingEncoder, fast_build, tiny_settings


def unit_rows(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_qdrant_finds_the_same_rows_and_scores_as_exact_faiss() -> None:
    vectors = unit_rows(300)
    faiss, qdrant = build_dense(vectors), build_dense(vectors, EMBEDDED)
    assert isinstance(faiss, FaissDense) and isinstance(qdrant, QdrantDense) and len(qdrant) == 300
    for query in unit_rows(20, seed=1):
        rows, scores = qdrant.search(query, 10)
        expected_rows, expected_scores = faiss.search(query, 10)
        assert rows.tolist() == expected_rows.tolist()
        np.testing.assert_allclose(scores, expected_scores, atol=1e-5)
    assert len(qdrant.search(vectors[0], 1000)[0]) == 300  # more than it holds: every row, once
    np.testing.assert_allclose(qdrant.scores(vectors[0], np.array([0, 5])), vectors[[0, 5]] @ vectors[0], atol=1e-6)


def test_a_saved_qdrant_store_loads_back_by_its_files(tmp_path: Path) -> None:
    vectors = unit_rows(50)
    build_dense(vectors, EMBEDDED).save(tmp_path)
    meta = json.loads((tmp_path / QDRANT_FILE).read_text())
    assert meta["location"] == EMBEDDED and meta["points"] == 50 and not (tmp_path / "dense.faiss").exists()
    loaded = load_dense(tmp_path)
    assert isinstance(loaded, QdrantDense) and loaded.search(vectors[7], 1)[0].tolist() == [7]
    np.testing.assert_array_equal(loaded.vectors(), vectors)


def test_an_unknown_store_is_refused_with_what_to_use() -> None:
    with pytest.raises(CcqaError, match="CCQA_DENSE='milvus://x' is not a vector store"):
        build_dense(unit_rows(3), "milvus://x")


def test_the_setting_is_read_from_ccqa_dense() -> None:
    assert Settings.from_env({"CCQA_DENSE": "qdrant://qdrant:6333"}).dense == "qdrant://qdrant:6333"
    assert Settings.from_env({}).dense == ""


def test_switching_the_store_rebuilds_without_embedding_and_back(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path)  # FAISS
    faiss_dir = current_dir(settings.index_dir)
    encoder = HashingEncoder()

    qdrant_settings = replace(settings, dense=EMBEDDED)
    report = build_index(qdrant_settings, encoder=encoder, count_tokens=approximate_token_count)
    assert report.published and report.passages_embedded == 0 and encoder.calls in ([], [0], [0, 0])
    version = current_dir(settings.index_dir)
    assert (version / QDRANT_FILE).is_file() and (version / VECTORS_FILE).is_file()
    index = Index.load(version, *_model(settings, version))
    assert index.manifest.dense_index == "qdrant" and isinstance(index.dense, QdrantDense)
    faiss_index = Index.load(faiss_dir, *_model(settings, faiss_dir))
    np.testing.assert_array_equal(index.passage_vectors, faiss_index.passage_vectors)
    assert not build_index(qdrant_settings, encoder=encoder, count_tokens=approximate_token_count).published
    back = fast_build(settings)  # CCQA_DENSE unset again: FAISS
    assert back.published and (current_dir(settings.index_dir) / "dense.faiss").is_file()


def _model(settings: Settings, version: Path) -> tuple[str, str]:
    manifest = json.loads((version / "manifest.json").read_text())
    return manifest["model_name"], manifest["model_sha256"]


def test_ccqa_ask_gives_the_same_top_5_from_qdrant_as_from_faiss_on_the_seed(
        seed_settings: Settings, tmp_path: Path) -> None:
    """The session's FAISS seed index, copied and rebuilt into Qdrant (its vectors reused)."""
    qdrant_settings = replace(seed_settings, index_dir=tmp_path / "index", dense=EMBEDDED)
    shutil.copytree(seed_settings.index_dir, qdrant_settings.index_dir, ignore=shutil.ignore_patterns(".build.lock"))
    report = build_index(qdrant_settings)
    assert report.published and report.passages_embedded == 0
    questions = [json.loads(line)["q"] for line in (REPO / "eval" / "seed_dev.jsonl").read_text().splitlines() if line]
    faiss_qa, qdrant_qa = QA.open(seed_settings), QA.open(qdrant_settings)
    assert isinstance(qdrant_qa.index.dense, QdrantDense) and isinstance(faiss_qa.index.dense, FaissDense)
    for mode in ("dense", "hybrid"):
        for question in questions:
            faiss_top = [h.passage.passage_id for h in faiss_qa.retrieve(question, question, k=5, mode=mode).hits]
            qdrant_top = [h.passage.passage_id for h in qdrant_qa.retrieve(question, question, k=5, mode=mode).hits]
            assert qdrant_top == faiss_top, (mode, question)
        answer = qdrant_qa.ask(questions[0], mode=mode)
        assert answer.to_dict() == faiss_qa.ask(questions[0], mode=mode).to_dict()
