"""Which year a sentence's figure is about."""

from __future__ import annotations

from ccqa.answer.years import sentence_years, years_in
from ccqa.data import Document
from ccqa.ingest.passages import passages_for
from ccqa.ingest.structure import structure_of


def years_of(text: str, catalog_date: str | None = None) -> list[set[str]]:
    document = Document("d", "d.txt", "D", text, date=catalog_date, structure=structure_of(text))
    return [sentence_years(document, p, i) for p in passages_for(document) for i in range(len(p.sentences))]


def test_years_named_in_a_text_and_ranges() -> None:
    assert years_in("from 2019 to 2021年, 2,030 tonnes, code 12019") == {"2019", "2021"}
    assert years_in("Table 1. GDP, 2019-2021") == {"2019", "2020", "2021"}


def test_a_sentence_without_a_year_takes_the_last_year_before_it_then_the_documents_date() -> None:
    text = "Freight trains\nXinhua | 2022-01-17\nTrains made 4,800 trips in 2021. They carried 400,000 TEUs.\n" \
           "That was a record for them.\n\nThe new line opens soon."
    assert years_of(text) == [{"2021"}, {"2021"}, {"2021"}, {"2021"}]


def test_last_year_counts_from_the_documents_date() -> None:
    assert years_of("Published: 2024-02-01\n\nExports grew 9 percent last year.") == [{"2023"}]


def test_a_table_row_is_about_its_year_cell_or_its_columns_year() -> None:
    by_row = "| Year | Chengdu |\n| --- | --- |\n| 2019 | 1,580 |\n| 2020 | 1,611 |\n"
    assert years_of(by_row) == [{"2019"}, {"2020"}]
    by_column = "表1 主要指标\n\n| 指标 | 2024年 |\n| --- | --- |\n| 地区生产总值 | 87193.0 |\n"
    assert years_of(by_column) == [{"2024"}]


def test_the_catalog_date_is_the_last_resort() -> None:
    assert years_of("The station has 15 platforms.", catalog_date="2023-09") == [{"2023"}]


def test_a_year_the_sentence_compares_with_is_not_its_own() -> None:
    text = ("Published: 2023-02-01\n\nIndustry grew in 2022. The ratio of the three industries was 8.3 : 38.5 : 53.2, "
            "with the secondary share 0.3 points higher than in 2021.")
    assert years_of(text) == [{"2022"}, {"2022"}]
