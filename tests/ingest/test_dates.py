"""Dates as documents write them, in English and Chinese, normalised to ISO."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccqa.ingest.corpus import read_document
from ccqa.ingest.dates import find_dates, iso_date


@pytest.mark.parametrize(("text", "iso"), [
    ("CHENGDU, March 3, 2024 — The trains", "2024-03-03"),
    ("Published: 2025-06-01", "2025-06-01"),
    ("Updated 15 Aug 2022", "2022-08-15"),
    ("Release date: 20 March 2023", "2023-03-20"),
    ("Xinhua | 2022/1/7", "2022-01-07"),
    ("Sept. 2021 edition", "2021-09"),
    ("2024年5月8日　来源：重庆日报", "2024-05-08"),
    ("发布日期：2025年3月20日", "2025-03-20"),
    ("發布日期：2023年9月", "2023-09"),
    ("二〇二四年五月八日", "2024-05-08"),
    ("二〇二三年十二月三十一日", "2023-12-31"),
])
def test_dates_are_read_in_the_forms_documents_use(text: str, iso: str) -> None:
    assert iso_date(text) == iso


@pytest.mark.parametrize("text", ["in 2021 the GDP grew", "Table 1. GDP, 2019-2021", "（2023年第2期）",
                                  "CHONGQING, Jan. 17 (Xinhua)", "2024-13-01", "March 45, 2024"])
def test_years_ranges_and_impossible_dates_are_not_dates(text: str) -> None:
    assert iso_date(text) is None


def test_every_date_of_a_text_is_found_once_in_order() -> None:
    found = find_dates("Opened 26 December 2015; extended on 2016-06-30 and in 2020年7月.")
    assert [f.iso for f in found] == ["2015-12-26", "2016-06-30", "2020-07"]


EVAL = Path(__file__).resolve().parents[2] / "eval"
DEVELOPMENT_FILES = [path for folder in ("collection", "heldout") for path in sorted((EVAL / folder).iterdir())
                     if path.is_file() and path.name != "catalog.json"]


@pytest.mark.parametrize("path", DEVELOPMENT_FILES, ids=lambda path: path.name)
def test_every_development_document_states_the_date_its_catalog_gives(path: Path) -> None:
    """Each document of eval/ says its date in its own first lines (dateline, "Published:", 发布日期);
    read without the catalog, ccqa finds that date, in every format and script."""
    catalog = json.loads((path.parent / "catalog.json").read_text(encoding="utf-8"))
    document = read_document(path, path.parent, catalog={})
    assert document.structure.date == catalog[path.name]["date"]
