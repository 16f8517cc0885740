"""The model as shipped, on PyTorch through sentence-transformers: for a GPU (``--device
cuda``), for ``CCQA_ENCODER=torch``, for an index an older ccqa embedded this way, and to
export the ONNX encoder. Loaded on first use, so constructing one costs nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.config import MODEL_NAME
from ccqa.embed.model import MAX_SEQ_LENGTH, model_dimension, normalise
from ccqa.errors import ModelError

TORCH_VARIANT = "torch-fp32"  # also what an index made before variants were recorded holds


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

    def __init__(self, model_path: Path, device: str = "cpu") -> None:
        self.model_path = model_path
        self.device = device
        self.name = MODEL_NAME
        self.dimension = model_dimension(model_path)
        self.variant = TORCH_VARIANT
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
            check_torch_device(self.device)
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
