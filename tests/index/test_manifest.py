"""The manifest: typed fields round-trip, older formats' records read into them, bad files refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ccqa.embed.onnx_encoder import OnnxRecord
from ccqa.errors import IndexCorrupt, IndexMismatch, IndexMissing
from ccqa.index.lexical import LexicalParams
from ccqa.index.manifest import (
    EmbeddedCounts,
    Manifest,
    check_compatible,
    read_manifest,
    verify_files,
    write_manifest,
)

MANIFEST = Manifest(
    format_version=4, model_name="m", model_sha256="s" * 64, dimension=384, chunking={"max_tokens": 200},
    documents={"a": {"path": "a.txt", "content_hash": "h"}}, passage_count=3, sentence_count=7,
    dense_index="IndexFlatIP", built_at="2026-12-01T00:00:00Z", build_seconds=1.5, vectors="onnx-abc",
    onnx=OnnxRecord("encoder.onnx", "f" * 64, True), lexical=LexicalParams(), embedded=EmbeddedCounts(3, 7))


def test_written_manifest_reads_back_equal_with_the_checksum_of_every_other_file(tmp_path: Path) -> None:
    (tmp_path / "part.npy").write_bytes(b"data")
    written = write_manifest(tmp_path, MANIFEST)
    assert set(written.files) == {"part.npy"}
    assert read_manifest(tmp_path) == written
    verify_files(tmp_path, written)
    (tmp_path / "part.npy").write_bytes(b"other")
    with pytest.raises(IndexCorrupt, match="part.npy"):
        verify_files(tmp_path, written)


def test_a_format_3_manifest_reads_its_extra_records_into_the_typed_fields(tmp_path: Path) -> None:
    old = {k: v for k, v in MANIFEST.to_dict().items() if k not in ("onnx", "vectors", "embedded", "lexical")}
    old["format_version"] = 3
    old["extra"] = {"onnx": MANIFEST.onnx.to_dict(), "vectors": "onnx-abc",  # type: ignore[union-attr]
                    "embedded": {"passages": 3, "sentences": 7}, "lexical": LexicalParams().to_dict()}
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    assert read_manifest(tmp_path) == replace(MANIFEST, format_version=3)


def test_a_manifest_from_before_vector_records_holds_pytorch_vectors(tmp_path: Path) -> None:
    old = {k: v for k, v in MANIFEST.to_dict().items() if k not in ("onnx", "vectors", "embedded", "lexical")}
    (tmp_path / "manifest.json").write_text(json.dumps({**old, "format_version": 1}))
    manifest = read_manifest(tmp_path)
    assert manifest.vectors == "torch-fp32" and manifest.onnx is None and manifest.lexical is None


def test_missing_or_garbled_manifests_say_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="ccqa build"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="ccqa build --full"):
        read_manifest(tmp_path)


def test_another_model_or_an_unknown_format_is_a_mismatch(tmp_path: Path) -> None:
    check_compatible(MANIFEST, "m", "s" * 64, tmp_path)
    with pytest.raises(IndexMismatch, match="built with model"):
        check_compatible(MANIFEST, "m", "t" * 64, tmp_path)
    with pytest.raises(IndexMismatch, match="format 99"):
        check_compatible(replace(MANIFEST, format_version=99), "m", "s" * 64, tmp_path)
