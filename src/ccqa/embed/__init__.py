"""Turn texts into L2-normalised vectors: the ``Encoder`` interface, and which encoder a build
or a server takes.

Two encoders implement it: ONNX Runtime (``onnx_encoder.py``: int8, saved with each index
version, builds and serving without PyTorch) and PyTorch (``torch_encoder.py``: the model as
shipped, for a GPU and as the fallback). Both load lazily, so constructing one costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ccqa.config import Settings
from ccqa.embed.onnx_encoder import ONNX_FILE, OnnxEncoder, OnnxRecord
from ccqa.embed.torch_encoder import TORCH_VARIANT, TorchEncoder
from ccqa.errors import CcqaError, ModelError

ENCODER_CHOICES = ("auto", "onnx", "torch")


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dimension: int
    variant: str  # which weights made the vectors: an index reuses only vectors of its own variant

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


def serving_encoder(settings: Settings, model_path: Path, version_dir: Path,
                    record: OnnxRecord | None) -> Encoder:
    """The encoder ``settings.encoder`` asks for: ONNX when the index carries one ("auto",
    "onnx"), else PyTorch ("torch", or "auto" without an ``encoder.onnx``)."""
    choice = _checked_choice(settings)
    if choice == "onnx" and record is None:
        raise ModelError(f"CCQA_ENCODER=onnx, but the index in {version_dir} has no {ONNX_FILE}: "
                         "run `ccqa build --full` to export it, or set CCQA_ENCODER=auto")
    if choice == "torch" or record is None or (choice == "auto" and settings.device != "cpu"):
        return TorchEncoder(model_path, device=settings.device)
    encoder = OnnxEncoder(version_dir / record.file, model_path, record.sha256, settings.threads)
    return encoder.verify()


def build_encoder(settings: Settings, model_path: Path, version_dir: Path, record: OnnxRecord,
                  previous_variant: str | None = None) -> Encoder:
    """The encoder a build embeds with: the version's own ONNX file on the CPU, every core
    busy with one text each. PyTorch for another device (``--device cuda``), for
    CCQA_ENCODER=torch, and for an incremental build of an index whose vectors PyTorch made
    (an older ccqa's): its vectors stay one kind, and ``ccqa build --full`` moves it over."""
    if _checked_choice(settings) == "torch" or settings.device != "cpu" or previous_variant == TORCH_VARIANT:
        return TorchEncoder(model_path, device=settings.device)
    texts_at_once = settings.build_threads or os.cpu_count() or 1
    return OnnxEncoder(version_dir / record.file, model_path, record.sha256, threads=1,
                       texts_at_once=texts_at_once)


def _checked_choice(settings: Settings) -> str:
    if settings.encoder not in ENCODER_CHOICES:
        raise CcqaError(f"CCQA_ENCODER={settings.encoder!r} is not one of {', '.join(ENCODER_CHOICES)}")
    return settings.encoder
