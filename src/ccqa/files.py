"""Durable file operations shared by the index, the corpus catalog and the admin jobs.

One way each: a checksum, an atomic replace (a reader sees the old file or the new one, whole),
a directory fsync (a rename survives a crash), and an exclusive ``flock`` (held across
processes, released when the holder exits, even by a crash).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace ``path`` with ``content``, fsynced, so that a reader sees the old file or the
    new one, whole; the directory entry is made durable too."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file below ``root``, then ``root`` itself."""
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(root)


def try_lock(path: Path) -> IO[str] | None:
    """``path`` opened and exclusively locked, or None when another holder has it.

    The caller keeps the handle while it needs the lock; closing it releases the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``path`` for the block, waiting for it if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
