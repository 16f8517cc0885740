"""The repository stands alone: its documents name only files inside the clone."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP = {".venv", ".git", "node_modules", "results"}
PATH_LIKE = re.compile(r"(?:`|\]\(|\s)((?:\.\./|\./)[^\s`)\"']+)")


def documents() -> list[Path]:
    return [p for p in REPO.rglob("*.md") if not SKIP & set(p.relative_to(REPO).parts)]


def test_no_document_points_outside_the_clone() -> None:
    outside = []
    for document in documents():
        for match in PATH_LIKE.finditer(document.read_text(encoding="utf-8")):
            target = (document.parent / match.group(1)).resolve()
            if not target.is_relative_to(REPO):
                outside.append(f"{document.relative_to(REPO)}: {match.group(1)}")
    assert outside == []
    assert len(documents()) >= 5


def test_the_conventions_live_in_the_repository() -> None:
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "## The architecture is a pipeline" in contributing and "## Tests" in contributing
    assert "`CONTRIBUTING.md`" in (REPO / "README.md").read_text(encoding="utf-8")
