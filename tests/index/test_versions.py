"""Index versions: CURRENT moves only on publish, old versions are pruned, one build at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccqa.errors import BuildLocked, IndexMissing
from ccqa.index import versions


def staged_version(index_dir: Path) -> str:
    name = versions.new_version_name()
    staged = versions.staging_dir(index_dir, name)
    (staged / "manifest.json").write_text("{}")
    versions.publish(index_dir, staged, name)
    return name


def test_publishing_points_current_at_the_new_version(tmp_path: Path) -> None:
    assert versions.current_version(tmp_path) is None
    with pytest.raises(IndexMissing, match="ccqa build"):
        versions.current_dir(tmp_path)
    first = staged_version(tmp_path)
    second = staged_version(tmp_path)
    assert first < second  # names sort in build order
    assert versions.current_version(tmp_path) == second
    assert versions.current_dir(tmp_path) == tmp_path / "versions" / second


def test_stale_staging_folders_and_all_but_the_newest_versions_are_removed(tmp_path: Path) -> None:
    names = [staged_version(tmp_path) for _ in range(4)]
    abandoned = versions.staging_dir(tmp_path, versions.new_version_name())
    removed = versions.remove_stale(tmp_path)
    assert abandoned.name in removed and not abandoned.exists()
    kept = sorted(p.name for p in (tmp_path / "versions").iterdir())
    assert kept == names[-2:]


def test_a_second_build_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    with versions.build_lock(tmp_path):
        assert versions.build_running(tmp_path)
        with pytest.raises(BuildLocked, match="--wait"), versions.build_lock(tmp_path):
            pass
    assert not versions.build_running(tmp_path)
