"""Which year a sentence's figure is about."""

from __future__ import annotations

from ccqa.answer.years import figure_year, sentence_years, years_in
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


def figure_years_of(text: str, catalog_date: str | None = None) -> list[tuple[str | None, bool]]:
    document = Document("d", "d.txt", "D", text, date=catalog_date, structure=structure_of(text))
    return [figure_year(document, p, i, i) for p in passages_for(document) for i in range(len(p.sentences))]


def test_a_figure_is_shown_with_the_year_its_own_words_give_not_the_documents() -> None:
    text = ("Published: 2022-06-01\n\nAccording to statistics released at the beginning of this year, the "
            "economic circle achieved a GDP of 7.39192 trillion yuan in 2021.")
    assert figure_years_of(text) == [("2021", False)]
    assert figure_years_of("发布日期：2022-06-01\n\n2021年，地区生产总值达到73919.2亿元。") == [("2021", False)]


def test_a_table_column_gives_the_figures_year() -> None:
    by_column = "表1 主要指标\n\n| 指标 | 2024年 |\n| --- | --- |\n| 地区生产总值 | 87193.0 |\n"
    assert figure_years_of(by_column, catalog_date="2025-03") == [("2024", False)]


def test_relative_words_count_from_the_documents_date() -> None:
    assert figure_years_of("Published: 2024-02-01\n\nExports grew 9 percent last year.") == [("2023", False)]
    assert figure_years_of("发布日期：2024-02-01\n\n去年出口增长9%。") == [("2023", False)]


def test_a_figure_without_a_year_of_its_own_is_labelled_with_the_report_date_as_such() -> None:
    text = ("Published: 2022-06-01\n\nIt took only 40 days from the approval of the report on November 14, "
            "2020 to the start of the construction.")
    assert figure_years_of(text) == [("2022", True)]
    assert figure_years_of("The station has 15 platforms.", catalog_date="2023-09") == [("2023", True)]
    assert figure_years_of("The station has 15 platforms.") == [(None, False)]


def test_a_year_compared_with_is_not_the_figures_year() -> None:
    text = "Published: 2024-02-01\n\nThe share was 38.5 percent in 2023, higher than in 2021."
    assert figure_years_of(text) == [("2023", False)]


def test_a_year_the_sentence_names_wins_over_this_year_for_answering_too() -> None:
    text = ("Published: 2022-06-01\n\nAccording to statistics released at the beginning of this year, GDP "
            "reached 7.39192 trillion yuan in 2021.")
    assert years_of(text) == [{"2021"}]


def test_the_start_of_a_running_total_is_not_the_figures_year() -> None:
    text = ("Published: 2022-01-17\n\nSince the first train left Chongqing in March 2011, the two cities have "
            "seen more than 18,000 trips.")
    assert figure_years_of(text) == [("2022", True)]
    assert figure_years_of("发布日期：2022-01-17\n\n自2011年开行以来，两地累计开行超过1.8万列。") == [("2022", True)]
    assert figure_years_of("Trade rose from 2019 to 2021 by 30 percent.") == [("2021", False)]
