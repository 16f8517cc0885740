"""The reader as a PyTorch model: multilingual-e5-small cut to its first ``LAYERS`` layers, the
top ``TRAINED_LAYERS`` of them fine-tuned, with two heads on the last layer: a relevance logit
read from the first token and start/end logits for every token.

Only the fine-tuned layers and heads are trained and shipped (``reader.safetensors``, a few MB);
the frozen layers come from the base model made at setup. ``export_reader_onnx`` merges both
into the int8 ONNX graph that serving runs (``ccqa.answer.reader``). Training lives in
``bench/train_reader.py``; PyTorch is imported only here and there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.cache import cached_file
from ccqa.embed.e5_base import base_model_sha256, ensure_base_model, reader_kept_ids
from ccqa.embed.vocabulary import VOCABULARY_VERSION
from ccqa.errors import ModelError
from ccqa.files import file_sha256, write_atomically

LAYERS = 8  # of e5-small's 12: measured faster at equal accuracy (bench/README.md "The reader answering alone")
TRAINED_LAYERS = 2
MAX_LENGTH = 160
READER_FILE = "reader.safetensors"
READER_RECORD = "reader.json"
ONNX_FILE = "reader-int8.onnx"


def load_base(base_folder: Path) -> Any:
    """The frozen part: e5-small's embeddings and first ``LAYERS`` layers, no pooler."""
    from transformers import XLMRobertaConfig, XLMRobertaModel

    config = XLMRobertaConfig.from_pretrained(str(base_folder), num_hidden_layers=LAYERS)
    return XLMRobertaModel.from_pretrained(str(base_folder), config=config, add_pooling_layer=False)


def build_reader(base_folder: Path) -> Any:
    """The reader module (base cut to ``LAYERS`` + heads), heads freshly initialised."""
    import torch

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = load_base(base_folder)
            hidden = self.encoder.config.hidden_size
            self.relevance = torch.nn.Linear(hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def top(self, hidden: Any, mask: Any) -> tuple[Any, Any, Any]:
            """Run the trained layers from the frozen layers' output; the three heads' logits."""
            extended = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * -1e4
            for layer in self.encoder.encoder.layer[LAYERS - TRAINED_LAYERS:]:
                out = layer(hidden, attention_mask=extended)
                hidden = out[0] if isinstance(out, tuple) else out
            spans = self.span(hidden)
            return self.relevance(hidden[:, 0]).squeeze(-1), spans[..., 0], spans[..., 1]

        def bottom(self, input_ids: Any, mask: Any) -> Any:
            """The frozen layers' output (computed once per pair in training)."""
            extended = (1.0 - mask[:, None, None, :].float()) * -1e4
            hidden = self.encoder.embeddings(input_ids=input_ids)
            for layer in self.encoder.encoder.layer[:LAYERS - TRAINED_LAYERS]:
                out = layer(hidden, attention_mask=extended)
                hidden = out[0] if isinstance(out, tuple) else out
            return hidden

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any, Any]:
            return self.top(self.bottom(input_ids, attention_mask), attention_mask)

    return Reader()


def trained_state(reader: Any) -> dict[str, Any]:
    """The tensors that training changes: the top layers and the heads."""
    keep = tuple(f"encoder.encoder.layer.{i}." for i in range(LAYERS - TRAINED_LAYERS, LAYERS))
    return {k: v for k, v in reader.state_dict().items() if k.startswith(keep) or k.startswith(("relevance.", "span."))}


def save_trained(reader: Any, folder: Path, record: dict[str, Any]) -> str:
    """Write ``reader.safetensors`` (fp16) and its record (data, command, seed, figures, sha256)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().float().numpy().astype(np.float16) for k, v in trained_state(reader).items()}
    save_file(tensors, str(folder / READER_FILE))
    digest = file_sha256(folder / READER_FILE)
    write_atomically(folder / READER_RECORD, json.dumps({**record, "sha256": digest, "layers": LAYERS,
                                                         "trained_layers": TRAINED_LAYERS}, indent=1) + "\n")
    return digest


def load_trained(reader: Any, folder: Path, check: bool = True) -> Any:
    """Put the shipped trained tensors into ``reader``, after checking their sha256."""
    import torch
    from safetensors.numpy import load_file

    path = folder / READER_FILE
    record = json.loads((folder / READER_RECORD).read_text("utf-8"))
    if check and file_sha256(path) != record["sha256"]:
        raise ModelError(f"{path} does not match the sha256 in {READER_RECORD}: restore it from the repository")
    state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in load_file(str(path)).items()}
    missing = set(trained_state(reader)) - set(state)
    if missing:
        raise ModelError(f"{path} lacks {sorted(missing)[:3]}...: it was trained for another reader shape")
    reader.load_state_dict(state, strict=False)
    return reader


def export_reader_onnx(base_folder: Path, trained_folder: Path, destination: Path) -> None:
    """Merge base and trained tensors into one graph and quantise it to int8 (per channel).
    Run once (``ensure_reader_onnx``); readers only load the result."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    reader = load_trained(build_reader(base_folder), trained_folder).eval()
    # the embedding rows of the reader's vocabulary only (``ccqa.embed.vocabulary``); <pad> keeps id 1
    full = reader.encoder.embeddings.word_embeddings
    cut = torch.nn.Embedding(len(kept := reader_kept_ids(base_folder)), full.embedding_dim, padding_idx=1)
    cut.weight.data = full.weight.data[torch.tensor(kept)].clone()
    reader.encoder.embeddings.word_embeddings = cut
    destination.parent.mkdir(parents=True, exist_ok=True)
    fp32 = destination.with_suffix(".fp32.onnx")
    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(reader, (ids, torch.ones_like(ids)), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["relevance", "start", "end"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                        "relevance": {0: "batch"}, "start": {0: "batch", 1: "tokens"},
                                        "end": {0: "batch", 1: "tokens"}})
    partial = destination.with_suffix(".partial.onnx")
    quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    partial.replace(destination)


def reader_record(trained_folder: Path) -> dict[str, Any]:
    """A trained reader's record: data, command, seed, calibration, sha256."""
    return dict(json.loads((trained_folder / READER_RECORD).read_text("utf-8")))


def ensure_reader_onnx(cache_dir: Path, trained_folder: Path) -> tuple[Path, Path]:
    """The reader's int8 graph and the base model folder, made once in the setup cache
    (``ccqa.cache``) and remade only when the trained tensors or the base weights change or the
    graph no longer has its recorded sha256. Returns (graph, base folder)."""
    if not ((trained_folder / READER_FILE).is_file() and (trained_folder / READER_RECORD).is_file()):
        raise ModelError(f"{trained_folder} holds no trained reader ({READER_FILE} and {READER_RECORD}): "
                         "point CCQA_READER_PATH at one, or set CCQA_READER=false")
    trained_sha = file_sha256(trained_folder / READER_FILE)
    if trained_sha != reader_record(trained_folder)["sha256"]:
        raise ModelError(f"{trained_folder / READER_FILE} does not match its recorded sha256: restore it")
    base = ensure_base_model(cache_dir)
    key = f"reader-{trained_sha[:16]}-{base_model_sha256(base)[:16]}-{VOCABULARY_VERSION}"
    graph, _ = cached_file(cache_dir, key, ".onnx", lambda path: export_reader_onnx(base, trained_folder, path))
    return graph, base
