"""The durable file helpers: atomic replacement and exclusive locks."""

from __future__ import annotations

from pathlib import Path

from ccqa.files import file_sha256, locked, try_lock, write_atomically


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "catalog.json"
    target.write_text("old")
    write_atomically(target, "new text")
    write_atomically(tmp_path / "blob", b"\x00\x01")
    assert target.read_text() == "new text" and (tmp_path / "blob").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob", "catalog.json"]
    assert file_sha256(tmp_path / "blob") == "b413f47d13ee2fe6c845b2ee141af81de858df4ec549a58b7970bb96645bc8d2"


def test_a_held_lock_is_refused_to_others_until_released(tmp_path: Path) -> None:
    lock = tmp_path / "sub" / ".lock"
    held = try_lock(lock)
    assert held is not None
    assert try_lock(lock) is None
    held.close()
    with locked(lock):
        assert try_lock(lock) is None
    again = try_lock(lock)
    assert again is not None
    again.close()
