"""The installation's cache: a one-time step is done once, reused while its checksum holds,
and done again when its file is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccqa.cache import cached_file
from ccqa.embed.onnx_encoder import ONNX_FILE, write_onnx_encoder
from ccqa.files import file_sha256


def test_a_cached_file_is_made_once_and_reused(tmp_path: Path) -> None:
    made: list[Path] = []

    def make(path: Path) -> None:
        made.append(path)
        path.write_bytes(b"exported")

    first = cached_file(tmp_path, "thing-v1", ".bin", make)
    second = cached_file(tmp_path, "thing-v1", ".bin", make)
    assert first == second and len(made) == 1
    path, sha256 = first
    assert path.read_bytes() == b"exported" and file_sha256(path) == sha256
    assert json.loads((tmp_path / "thing-v1.json").read_text())["sha256"] == sha256


def test_a_damaged_cached_file_is_made_again(tmp_path: Path) -> None:
    calls: list[int] = []

    def make(path: Path) -> None:
        calls.append(1)
        path.write_bytes(b"good bytes")

    path, sha256 = cached_file(tmp_path, "thing-v1", ".bin", make)
    path.write_bytes(b"bad bytes!")  # a disk error, a partial copy, a hand edit
    again, sha256_again = cached_file(tmp_path, "thing-v1", ".bin", make)
    assert len(calls) == 2 and sha256_again == sha256 and again.read_bytes() == b"good bytes"


def test_another_key_is_another_file(tmp_path: Path) -> None:
    first, _ = cached_file(tmp_path, "thing-v1", ".bin", lambda p: p.write_bytes(b"one"))
    second, _ = cached_file(tmp_path, "thing-v2", ".bin", lambda p: p.write_bytes(b"two"))
    assert first != second and first.read_bytes() == b"one" and second.read_bytes() == b"two"


def test_a_failed_make_leaves_no_record(tmp_path: Path) -> None:
    def fail(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("export crashed")

    with pytest.raises(RuntimeError):
        cached_file(tmp_path, "thing-v1", ".bin", fail)
    assert not (tmp_path / "thing-v1.json").exists()
    path, _ = cached_file(tmp_path, "thing-v1", ".bin", lambda p: p.write_bytes(b"whole"))
    assert path.read_bytes() == b"whole"


def test_a_full_build_copies_the_cached_export_instead_of_exporting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exports: list[Path] = []

    def fake_export(model_path: Path, destination: Path, quantize: bool) -> str:
        exports.append(destination)
        destination.write_bytes(b"onnx graph")
        return file_sha256(destination)

    monkeypatch.setattr("ccqa.embed.onnx_encoder.export_onnx", fake_export)
    cache = tmp_path / "cache"
    records = []
    for name in ("v1", "v2", "v3"):  # three full builds: nothing to reuse from a previous version
        version = tmp_path / name
        version.mkdir()
        records.append(write_onnx_encoder(version, tmp_path / "model", None, None, "ab" * 32, cache))
        assert (version / ONNX_FILE).read_bytes() == b"onnx graph"
    assert len(exports) == 1 and exports[0].parent == cache
    assert records[0] == records[1] == records[2]


def test_an_unwritable_cache_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_export(model_path: Path, destination: Path, quantize: bool) -> str:
        destination.write_bytes(b"onnx graph")
        return file_sha256(destination)

    monkeypatch.setattr("ccqa.embed.onnx_encoder.export_onnx", fake_export)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    record = write_onnx_encoder(tmp_path, tmp_path / "model", None, None, "ab" * 32, blocker / "cache")
    assert (tmp_path / ONNX_FILE).read_bytes() == b"onnx graph" and record.sha256 == file_sha256(tmp_path / ONNX_FILE)
