"""The index directory: numbered versions, an atomic ``CURRENT`` pointer, and a build lock.

    index/CURRENT              name of the version being served (replaced atomically)
    index/versions/<name>/     one complete index (see index.py)
    index/versions/.tmp-<name> a build in progress; never read, removed by the next build
    index/.build.lock          held by the one build allowed at a time

A build writes a new version beside the old one and moves ``CURRENT`` only once the new
version is complete and loads; a build killed at any moment leaves ``CURRENT`` untouched.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from ccqa.errors import BuildLocked, IndexMissing
from ccqa.files import fsync_dir, fsync_tree, locked, try_lock, write_atomically

CURRENT = "CURRENT"
VERSIONS = "versions"
LOCK = ".build.lock"
STAGING_PREFIX = ".tmp-"
KEEP_VERSIONS = 2  # the current one and the one before it, for readers still on it


def current_version(index_dir: Path) -> str | None:
    """The served version's name, or None when nothing was ever built."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_dir(index_dir: Path) -> Path:
    name = current_version(index_dir)
    if name is None:
        raise IndexMissing(f"no index in {index_dir}: run `ccqa build` first")
    path = index_dir / VERSIONS / name
    if not path.is_dir():
        raise IndexMissing(f"{index_dir / CURRENT} names version {name}, which is missing: run `ccqa build --full`")
    return path


def new_version_name() -> str:
    """Names sort in build order (microseconds), with a random tail against clashes."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now % 1 * 1e6):06d}Z"
    return stamp + "-" + secrets.token_hex(3)


def staging_dir(index_dir: Path, name: str) -> Path:
    path = index_dir / VERSIONS / (STAGING_PREFIX + name)
    path.mkdir(parents=True, exist_ok=False)
    return path


def publish(index_dir: Path, staged: Path, name: str) -> Path:
    """Rename the staged build into place, then point ``CURRENT`` at it atomically."""
    final = index_dir / VERSIONS / name
    fsync_tree(staged)
    staged.rename(final)
    fsync_dir(final.parent)
    write_atomically(index_dir / CURRENT, name + "\n")
    return final


def remove_stale(index_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Drop abandoned staging directories and all but the newest ``keep`` versions."""
    versions = index_dir / VERSIONS
    if not versions.is_dir():
        return []
    current = current_version(index_dir)
    removed = []
    for path in versions.iterdir():
        if path.name.startswith(STAGING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    finished = sorted((p for p in versions.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    for path in finished[keep:]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = False) -> Iterator[None]:
    """One build at a time: the second waits (``wait``) or is refused with BuildLocked."""
    lock = index_dir / LOCK
    if wait:
        with locked(lock):
            yield
        return
    held = try_lock(lock)
    if held is None:
        raise BuildLocked(
            f"another build is running on {index_dir} (lock {lock}); wait for it to finish or pass --wait"
        )
    with held:
        yield


def build_running(index_dir: Path) -> bool:
    """Whether any process holds the build lock (taken and released at once to find out)."""
    held = try_lock(index_dir / LOCK)
    if held is None:
        return True
    held.close()
    return False
