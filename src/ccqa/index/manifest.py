"""``manifest.json``: what an index version holds and how it was made, checked on every load.

Typed fields throughout; a manifest of formats 1-3 (whose encoder, vector and lexical records
sat in a free-form ``extra`` dict) reads into the same fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ccqa.embed.onnx_encoder import OnnxRecord
from ccqa.embed.torch_encoder import TORCH_VARIANT
from ccqa.errors import IndexCorrupt, IndexMismatch, IndexMissing
from ccqa.files import file_sha256, write_atomically
from ccqa.index.lexical import LexicalParams

MANIFEST = "manifest.json"
FORMAT_VERSION = 6
READABLE_FORMATS = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class EmbeddedCounts:
    """How many texts the build that made this version sent to the encoder (the rest were reused)."""

    passages: int = 0
    sentences: int = 0


@dataclass(frozen=True)
class Manifest:
    """What an index version holds and how it was made."""

    format_version: int
    model_name: str
    model_sha256: str
    dimension: int
    chunking: dict[str, Any]
    documents: dict[str, dict[str, str]]  # doc_id -> {"path", "content_hash"}
    passage_count: int
    sentence_count: int
    dense_index: str
    built_at: str
    build_seconds: float
    vectors: str = TORCH_VARIANT  # the encoder variant that made every vector of this version
    onnx: OnnxRecord | None = None  # the encoder file saved with the version, if any
    lexical: LexicalParams | None = None  # None: a version from before lexical parameters were recorded
    embedded: EmbeddedCounts = EmbeddedCounts()
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["onnx"] = self.onnx.to_dict() if self.onnx else None
        d["lexical"] = self.lexical.to_dict() if self.lexical else None
        d["embedded"] = {"passages": self.embedded.passages, "sentences": self.embedded.sentences}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        """Read any readable format; formats 1-3 kept four records in ``extra``."""
        extra = d.get("extra") or {}
        onnx = d.get("onnx", extra.get("onnx"))
        lexical = d.get("lexical", extra.get("lexical"))
        embedded = d.get("embedded", extra.get("embedded")) or {}
        plain = {f.name: d[f.name] for f in fields(cls)
                 if f.name in d and f.name not in ("onnx", "lexical", "embedded", "vectors")}
        return cls(
            **plain,
            vectors=str(d.get("vectors", extra.get("vectors", TORCH_VARIANT))),
            onnx=OnnxRecord.from_dict(onnx) if onnx else None,
            lexical=LexicalParams.from_dict(lexical) if lexical else None,
            embedded=EmbeddedCounts(int(embedded.get("passages", 0)), int(embedded.get("sentences", 0))),
        )


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"no index in {directory} (no {MANIFEST}): run `ccqa build`")
    try:
        return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexCorrupt(f"{path} is not a valid manifest ({exc}): run `ccqa build --full`") from exc


def write_manifest(directory: Path, manifest: Manifest) -> Manifest:
    """Record the sha256 of every other file in ``directory``, then write the manifest, last."""
    files = {
        str(path.relative_to(directory)): file_sha256(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = Manifest(**{**{f.name: getattr(manifest, f.name) for f in fields(manifest)}, "files": files})
    write_atomically(directory / MANIFEST, json.dumps(manifest.to_dict(), indent=2, sort_keys=True))
    return manifest


def check_compatible(manifest: Manifest, model_name: str, model_sha256: str, where: Path) -> None:
    if manifest.format_version not in READABLE_FORMATS:
        raise IndexMismatch(
            f"the index in {where} has format {manifest.format_version}, this ccqa reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}: run `ccqa build --full`"
        )
    if manifest.model_sha256 != model_sha256 or manifest.model_name != model_name:
        raise IndexMismatch(
            f"the index in {where} was built with model {manifest.model_name} (weights sha256 "
            f"{manifest.model_sha256[:12]}…), but the model in use is {model_name} (sha256 "
            f"{model_sha256[:12]}…): run `ccqa build --full` to rebuild it with this model"
        )


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Check each file against the manifest's sha256; name the first that is wrong."""
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file():
            raise IndexCorrupt(f"index file missing: {path}; run `ccqa build --full`")
        if file_sha256(path) != expected:
            raise IndexCorrupt(f"index file corrupt (checksum mismatch): {path}; run `ccqa build --full`")
