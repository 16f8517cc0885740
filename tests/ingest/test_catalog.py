"""corpus/catalog.json: metadata beside the documents, and clear errors when it is malformed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccqa.errors import CcqaError
from ccqa.ingest.catalog import CATALOG_NAME, load_catalog
from ccqa.ingest.corpus import read_document, scan_corpus
from tests.sample_files import write


def test_catalog_title_wins_over_the_documents_own(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.md", "# Own heading\n\nText.")
    write(
        tmp_path / CATALOG_NAME,
        json.dumps({"./sub/a.md": {"title": "Catalog title", "date": "2022"}}),
    )
    doc = read_document(tmp_path / "sub" / "a.md", tmp_path)  # catalog None: loaded from the dir
    assert (doc.title, doc.date, doc.publisher, doc.path) == (
        "Catalog title",
        "2022",
        None,
        "sub/a.md",
    )



@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ("[1, 2]", "must be a JSON object"),
        ('{"a.txt": "title"}', "must be an object"),
        ('{"a.txt": {"date": 2022}}', "date that is not a string"),
    ],
)
def test_malformed_catalog_raises_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / CATALOG_NAME, content)
    with pytest.raises(CcqaError, match=re.escape(message)):
        load_catalog(tmp_path)
    with pytest.raises(CcqaError, match=re.escape(message)):
        scan_corpus(tmp_path)



def test_missing_catalog_is_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == {}
