"""The passage store: documents and passage columns, saved and mapped back exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccqa.data import Document, Passage, Span
from ccqa.index.passages import PassageTable

EN = Document("en", "en.txt", "English", "One. Two three.", lang="en")
ZH = Document("zh", "zh.txt", "中文", "成渝。双城。", lang="zh", date="2024-05")
PASSAGES = [
    Passage("a" * 16, "en", 0, 15, EN.text, 0, (Span(0, 4), Span(5, 15)), None, "en"),
    Passage("b" * 16, "zh", 0, 6, ZH.text, 0, (Span(0, 3), Span(3, 6)), 2, "zh"),
]


def test_rows_build_the_passages_they_were_made_from() -> None:
    table = PassageTable.from_passages(PASSAGES, [EN, ZH])
    assert list(table) == PASSAGES and table[-1] == PASSAGES[-1]
    assert table.sentence_count() == 4 and table.block_of(1) == (1, 0)
    assert table.row_of("b" * 16) == 1 and table.row_of("nope") is None
    with pytest.raises(IndexError):
        table[2]


def test_saved_store_loads_with_its_documents_passages_and_languages(tmp_path: Path) -> None:
    PassageTable.from_passages(PASSAGES, [EN, ZH]).save(tmp_path)
    loaded = PassageTable.load(tmp_path, format_version=4)
    assert loaded.documents == [EN, ZH] and list(loaded) == PASSAGES


def test_documents_saved_before_languages_were_recorded_get_theirs_detected(tmp_path: Path) -> None:
    PassageTable.from_passages(PASSAGES, [EN, ZH]).save(tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    (tmp_path / "documents.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "lang"}) + "\n"
                                                      for r in rows), encoding="utf-8")
    assert [d.lang for d in PassageTable.load(tmp_path, format_version=3).documents] == ["en", "zh"]


def test_columns_that_are_not_passage_columns_are_refused(tmp_path: Path) -> None:
    import numpy as np

    PassageTable.from_passages(PASSAGES, [EN, ZH]).save(tmp_path)
    np.save(tmp_path / "passages.npy", np.zeros(3), allow_pickle=False)
    with pytest.raises(ValueError, match="passage columns"):
        PassageTable.load(tmp_path, format_version=4)
