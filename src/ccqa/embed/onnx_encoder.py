"""The model on ONNX Runtime: exported and quantised at build time, saved with the index,
used to embed documents and questions without PyTorch.

A text is always encoded on its own (no padding, no neighbours): int8 quantises each run's
activations with one scale, so a batch would make a text's vector depend on the texts beside
it. On its own, a passage gets the vector that a question of the same words gets, in a full
build and in an incremental one alike. Builds run several texts at once instead.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.cache import cached_file
from ccqa.config import MODEL_NAME
from ccqa.embed.model import load_tokenizer, model_dimension, normalise
from ccqa.errors import ModelError
from ccqa.files import file_sha256

log = logging.getLogger(__name__)

ONNX_OPSET = 17  # LayerNormalization as one op; onnxruntime 1.32 runs opsets up to 23
ONNX_FILE = "encoder.onnx"
# int8 or fp32, for documents and questions alike: chosen by SQuAD dev retrieval quality and
# build speed (bench/README.md, issue 6).
ONNX_QUANTIZED = True
PROGRESS_EVERY = 2000  # texts between progress lines of a build


@dataclass(frozen=True)
class OnnxRecord:
    """The ONNX encoder file an index version carries, as its manifest records it."""

    file: str
    sha256: str
    quantized: bool

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "quantized": self.quantized}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OnnxRecord:
        return cls(str(d.get("file", ONNX_FILE)), str(d["sha256"]), bool(d.get("quantized", False)))


def write_onnx_encoder(directory: Path, model_path: Path, reuse_from: Path | None,
                       previous: OnnxRecord | None, model_sha256: str = "",
                       cache_dir: Path | None = None) -> OnnxRecord:
    """Put ``encoder.onnx`` into a new index version; returns its manifest record.

    The previous version's file is copied when it is the same variant and still intact
    (an incremental build then needs no PyTorch at all); else the installation's cached export
    (``ccqa.cache``, checked by sha256); the model is exported afresh only when neither is
    there (or the cache folder cannot be written).
    """
    destination = directory / ONNX_FILE
    if reuse_from is not None and previous is not None and previous.quantized == ONNX_QUANTIZED:
        source = reuse_from / previous.file
        if source.is_file() and file_sha256(source) == previous.sha256:
            shutil.copyfile(source, destination)
            return OnnxRecord(ONNX_FILE, previous.sha256, ONNX_QUANTIZED)
    if cache_dir is not None and model_sha256:
        try:
            cached, sha256 = prepare_export(model_path, model_sha256, cache_dir)
        except OSError as exc:
            log.warning("cannot keep the ONNX export in %s (%s); exporting into the index only", cache_dir, exc)
        else:  # the version is verified again, whole, before it is published
            shutil.copyfile(cached, destination)
            return OnnxRecord(ONNX_FILE, sha256, ONNX_QUANTIZED)
    sha256 = export_onnx(model_path, destination, quantize=ONNX_QUANTIZED)
    return OnnxRecord(ONNX_FILE, sha256, ONNX_QUANTIZED)


def prepare_export(model_path: Path, model_sha256: str, cache_dir: Path) -> tuple[Path, str]:
    """The installation's export of the model (``ccqa.cache``), made now if missing or damaged."""
    def make(path: Path) -> None:
        export_onnx(model_path, path, quantize=ONNX_QUANTIZED)

    return cached_file(cache_dir, export_key(model_sha256), ".onnx", make)


def export_key(model_sha256: str) -> str:
    """What decides the exported bytes: the weights, the opset, int8 or not, and the versions
    of the exporter and the quantiser (from package metadata, without importing them)."""
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "none"

    return (f"encoder-{model_sha256[:16]}-opset{ONNX_OPSET}-{'int8' if ONNX_QUANTIZED else 'fp32'}"
            f"-torch{version('torch')}-ort{version('onnxruntime')}")


def export_onnx(model_path: Path, destination: Path, quantize: bool) -> str:
    """Export the model, with mean pooling and L2 normalisation inside the graph, to ONNX.

    The graph takes ``input_ids`` and ``attention_mask`` (any batch size and length) and
    returns the final normalised embeddings. ``quantize`` applies dynamic int8 quantisation
    with per-channel weights. Needs PyTorch (build time only); returns the file's sha256.
    """
    import torch
    import transformers
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

    transformers.utils.logging.disable_progress_bar()
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
    """The exported model on ONNX Runtime: no PyTorch import.

    >>> encoder = OnnxEncoder(Path("index/versions/v1/encoder.onnx"), model_path, sha256)  # doctest: +SKIP
    >>> encoder.encode(["What was the GDP in 2021?"]).shape  # doctest: +SKIP
    (1, 384)

    ``threads`` is ONNX Runtime's threads per text (a server's worker: 1); ``texts_at_once``
    how many texts run side by side (a build: one per core). The file is checked against
    ``expected_sha256`` (when given) from the very bytes the session is built from.
    """

    def __init__(self, onnx_path: Path, model_path: Path, expected_sha256: str | None = None,
                 threads: int = 1, texts_at_once: int = 1) -> None:
        self.onnx_path = onnx_path
        self.model_path = model_path
        self.expected_sha256 = expected_sha256
        self.threads = threads
        self.texts_at_once = max(1, texts_at_once)
        self.name = MODEL_NAME
        self.dimension = model_dimension(model_path)
        # the file's bytes are the variant: vectors are reused only from the very same file
        self.variant = f"onnx-{expected_sha256[:16]}" if expected_sha256 else f"onnx-{onnx_path}"
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
                self._check_sha256(hashlib.sha256(model).hexdigest())
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
        """Each text on its own (``batch_size`` is not used: see the module's docstring)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._session is None:
            self.load()
        if len(texts) == 1:
            return normalise(self._run(self._tokenizer.encode(texts[0]).ids))
        token_ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with ThreadPoolExecutor(self.texts_at_once) as pool:  # ONNX Runtime lets go of the GIL
            for row, vector in enumerate(pool.map(self._run, token_ids)):
                out[row] = vector
                if progress and (row + 1) % PROGRESS_EVERY == 0:
                    log.info("encoded %d/%d texts", row + 1, len(texts))
        return normalise(out)

    def _run(self, ids: list[int]) -> np.ndarray:
        """One forward pass over one text's token ids."""
        input_ids = np.asarray([ids], dtype=np.int64)
        mask = np.ones_like(input_ids)
        return np.asarray(self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])
