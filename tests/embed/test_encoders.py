"""The ONNX serving encoder: same vectors as PyTorch, verified by sha256, no PyTorch import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ccqa.config import Settings
from ccqa.embed import build_encoder
from ccqa.embed.model import verified_model_path
from ccqa.embed.onnx_encoder import OnnxEncoder, OnnxRecord, export_onnx
from ccqa.embed.torch_encoder import TORCH_VARIANT, TorchEncoder
from ccqa.errors import CcqaError, ModelError
from ccqa.files import file_sha256
from ccqa.index import versions
from ccqa.ingest.context import passage_search_text, sentence_search_texts
from ccqa.service import QA
from tests.index_fixtures import SEED

QUESTIONS = [
    "What was the GDP of the Chengdu-Chongqing economic circle?",
    "Which two cities anchor the economic circle?",
    "How fast did foreign trade grow?",
    "a",
    "When was the plan approved, and by whom was it announced at the meeting in the western region?",
]


def texts_to_compare() -> list[str]:
    """Questions, the seed article's lines and sentence pieces: short and long, ~150 texts."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces = [s.strip() + "." for line in lines for s in line.split(". ") if len(s.strip()) > 3]
    return QUESTIONS + lines + pieces


@pytest.fixture(scope="module")
def model_path() -> Path:
    settings = Settings()
    return verified_model_path(settings.model_path, settings.model_sha256)


@pytest.fixture(scope="module")
def fp32_export(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("onnx") / "encoder.onnx"
    return path, export_onnx(model_path, path, quantize=False)


def _onnx_record(settings: Settings) -> tuple[Path, OnnxRecord]:
    """The published version's folder and the manifest's record of its ONNX encoder."""
    version = versions.current_dir(settings.index_dir)
    return version, OnnxRecord.from_dict(json.loads((version / "manifest.json").read_text())["onnx"])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_fp32_onnx_encoder_agrees_with_pytorch(fp32_export: tuple[Path, str], model_path: Path,
                                               real_encoder: TorchEncoder) -> None:
    path, sha256 = fp32_export
    assert sha256 == file_sha256(path)
    texts = texts_to_compare()
    expected = real_encoder.encode(texts)
    encoder = OnnxEncoder(path, model_path, sha256, texts_at_once=2)
    batched = encoder.encode(texts)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    assert batched.shape == expected.shape == (len(texts), 384)
    assert cosines(batched, expected).min() >= 0.9999
    assert cosines(one_by_one, expected).min() >= 0.9999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_index_carries_a_verified_int8_encoder_close_to_pytorch(seed_settings: Settings, model_path: Path,
                                                                real_encoder: TorchEncoder) -> None:
    version, record = _onnx_record(seed_settings)
    assert record.file == "encoder.onnx"
    assert record.sha256 == file_sha256(version / "encoder.onnx")
    encoder = OnnxEncoder(version / record.file, model_path, record.sha256)
    texts = texts_to_compare()
    similarity = cosines(np.vstack([encoder.encode([t]) for t in texts]), real_encoder.encode(texts))
    assert similarity.min() >= (0.98 if record.quantized else 0.9999)


def test_serving_uses_onnx_when_the_index_has_it(seed_settings: Settings) -> None:
    qa = QA.open(seed_settings)
    assert type(qa.encoder).__name__ == "OnnxEncoder"
    assert qa.ask(QUESTIONS[0]).found
    assert isinstance(QA.open(replace(seed_settings, encoder="torch")).encoder, TorchEncoder)


def _copy_index(seed_settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    index_dir = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index_dir)
    return replace(seed_settings, index_dir=index_dir), versions.current_dir(index_dir)


def test_tampered_encoder_file_is_refused(seed_settings: Settings, tmp_path: Path) -> None:
    settings, version = _copy_index(seed_settings, tmp_path)
    onnx = version / "encoder.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(CcqaError, match="encoder.onnx"):
        QA.open(settings)
    # Even with the file list of the manifest rewritten to match, the encoder's own sha256 refuses it.
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["files"]["encoder.onnx"] = file_sha256(onnx)
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="sha256"):
        QA.open(settings)


def test_onnx_encoder_required_but_missing_is_a_clear_error(seed_settings: Settings, tmp_path: Path) -> None:
    settings, version = _copy_index(seed_settings, tmp_path)
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["onnx"] = None
    del manifest["files"]["encoder.onnx"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    (version / "encoder.onnx").unlink()
    with pytest.raises(ModelError, match="no encoder.onnx"):
        QA.open(replace(settings, encoder="onnx"))
    assert isinstance(QA.open(settings).encoder, TorchEncoder)  # auto falls back to PyTorch
    with pytest.raises(CcqaError, match="CCQA_ENCODER"):
        QA.open(replace(settings, encoder="tensorflow"))


def test_serving_path_does_not_import_torch(seed_settings: Settings) -> None:
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ccqa.config import Settings\n"
        "from ccqa.service import QA\n"
        "qa = QA.open(Settings(index_dir=Path(sys.argv[1]), cache_size=0))\n"
        f"answer = qa.ask({QUESTIONS[0]!r})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "print(type(qa.encoder).__name__, answer.found, heavy)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", program, str(seed_settings.index_dir)],
                            env=env, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "OnnxEncoder True []"


def _served_encoder(settings: Settings, model_path: Path, texts_at_once: int = 1) -> OnnxEncoder:
    version, record = _onnx_record(settings)
    return OnnxEncoder(version / record.file, model_path, record.sha256, texts_at_once=texts_at_once)


def test_a_text_gets_the_same_vector_alone_or_among_others(seed_settings: Settings, model_path: Path) -> None:
    """int8 scales each run's activations together: texts are run one by one so that a
    passage's vector never depends on the texts it was built beside."""
    encoder = _served_encoder(seed_settings, model_path, texts_at_once=2)
    texts = texts_to_compare()
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)
    assert encoder.encode(list(reversed(texts)))[0] == pytest.approx(together[-1], abs=1e-6)


def test_the_build_embeds_documents_with_the_encoder_that_serves_questions(seed_settings: Settings) -> None:
    qa = QA.open(seed_settings)
    index = qa.index
    assert index.manifest.vectors == qa.encoder.variant
    for row in (0, len(index) // 2, len(index) - 1):
        passage = index.passages[row]
        document = index.documents[passage.doc_id]
        embedded = qa.encoder.encode([passage_search_text(document, passage)])[0]
        assert np.allclose(index.passage_vectors[row], embedded, atol=1e-6)
        sentences = qa.encoder.encode(sentence_search_texts(document, passage))
        assert np.allclose(index.sentence_vectors_of(row), sentences, atol=5e-3)  # stored as int8


def test_build_encoder_is_onnx_on_the_cpu_and_pytorch_where_asked_or_where_the_index_came_from(
        seed_settings: Settings, model_path: Path) -> None:
    version, record = _onnx_record(seed_settings)
    assert isinstance(build_encoder(Settings(), model_path, version, record), OnnxEncoder)
    assert isinstance(build_encoder(Settings(build_threads=3), model_path, version, record, "onnx-x"), OnnxEncoder)
    assert build_encoder(Settings(build_threads=3), model_path, version, record).texts_at_once == 3  # type: ignore[attr-defined]
    for settings, previous in ((Settings(device="cuda"), None), (Settings(encoder="torch"), None),
                               (Settings(), TORCH_VARIANT)):
        assert isinstance(build_encoder(settings, model_path, version, record, previous), TorchEncoder)


def test_an_incremental_build_does_not_start_pytorch(seed_settings: Settings, tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(seed_settings.corpus_dir, corpus)
    shutil.copytree(seed_settings.index_dir, index_dir)
    (corpus / "corridor.txt").write_text("The Western Land-Sea Corridor links Chongqing with Singapore by rail "
                                         "and sea.", encoding="utf-8")
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ccqa.index.build import build_index\n"
        "from ccqa.config import Settings\n"
        "report = build_index(Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))\n"
        "print(report.added, report.passages_embedded, heavy)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", program, str(corpus), str(index_dir)],
                            env=env, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['corridor'] 1 []"
    answer = QA.open(replace(seed_settings, corpus_dir=corpus, index_dir=index_dir)).ask(
        "What does the Western Land-Sea Corridor link?")
    assert answer.found and answer.passages[0].citation.doc_id == "corridor"
