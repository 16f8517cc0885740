"""Files made once per installation and reused: the ONNX export of the packaged model (about
11 s and 600 MB of PyTorch) and CC-CEDICT read into terms (1.4 s). ``ccqa setup`` (run by
``make``) makes them; a build that finds one missing or damaged makes it then.

Each file is saved under its own sha256 and a small record names the current one and its
sha256, checked on every use: two processes making the same file at once (test workers) never
see each other's half-written bytes, and a damaged file is made again.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from ccqa.files import file_sha256, locked, write_atomically

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """Where this installation's files live: inside its environment (``.venv/share/ccqa/cache``),
    beside the installed model and dictionary they are made from, so a new environment starts clean."""
    return Path(sys.prefix) / "share" / "ccqa" / "cache"


def cached_file(cache_dir: Path, key: str, suffix: str, make: Callable[[Path], None]) -> tuple[Path, str]:
    """The cached file for ``key`` (its path and sha256); ``make(path)`` writes it first when
    the cache has none, or its bytes no longer have the recorded sha256. ``key`` names
    everything the bytes depend on. Raises ``OSError`` when the folder cannot be written."""
    found = _intact(cache_dir, key)
    if found is not None:
        return found
    cache_dir.mkdir(parents=True, exist_ok=True)
    with locked(cache_dir / f".{key}.lock"):
        found = _intact(cache_dir, key)  # another process may have made it while we waited
        if found is not None:
            return found
        log.info("making %s once, in %s", key, cache_dir)
        staging = cache_dir / f".{key}.making{suffix}"
        make(staging)
        sha256 = file_sha256(staging)
        path = cache_dir / f"{key}-{sha256[:16]}{suffix}"
        staging.replace(path)
        write_atomically(cache_dir / f"{key}.json", json.dumps({"file": path.name, "sha256": sha256}))
        return path, sha256


def _intact(cache_dir: Path, key: str) -> tuple[Path, str] | None:
    """The recorded file for ``key`` if its bytes still have the recorded sha256."""
    try:
        record = json.loads((cache_dir / f"{key}.json").read_text("utf-8"))
        path, sha256 = cache_dir / str(record["file"]), str(record["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        if path.parent == cache_dir and file_sha256(path) == sha256:
            return path, sha256
    except OSError:
        pass
    log.warning("the cached %s does not match its recorded sha256; making it again", path)
    return None
