"""PDFs read as a person reads the page: paragraphs whole, Chinese lines joined without spaces,
running headers and page numbers gone, two columns in turn, tables placed, pages exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccqa.errors import BadDocument
from tests.sample_files import make_placed_pdf, read, wrapped

ENGLISH = ("The river ports of the economic circle handled more cargo in 2022 than in any earlier year, even "
           "though shipping on the upper Yangtze was disrupted by low water during the summer drought, and "
           "software accounted for 35.3 percent of the new investment in the ports.")


def test_a_wrapped_paragraph_is_one_paragraph_with_its_sentences_whole(tmp_path: Path) -> None:
    page = [(72, 740, 16, "Port throughput"), *wrapped(ENGLISH, 72, 700),
            *wrapped("A second paragraph follows after a gap.", 72, 620)]
    doc = read(tmp_path, "ports.pdf", make_placed_pdf([page]))
    assert doc.text.split("\n\n") == ["Port throughput", ENGLISH, "A second paragraph follows after a gap."]
    assert [u.kind for u in doc.structure.units][:2] == ["title", "paragraph"]


def test_a_line_end_hyphen_is_undone_unless_the_compound_stands_whole(tmp_path: Path) -> None:
    lines = ["The statistics office said this week that it measured the devel-",
             "opment of the new stations along the Chengdu-Chongqing high-",
             "speed railway and of other high-speed lines through the year."]
    page = [(72, 700 - 12 * i, 10, line) for i, line in enumerate(lines)]
    doc = read(tmp_path, "h.pdf", make_placed_pdf([page]))
    assert doc.text == ("The statistics office said this week that it measured the development of the new "
                        "stations along the Chengdu-Chongqing high-speed railway and of other high-speed lines "
                        "through the year.")


def test_chinese_lines_join_without_a_space_and_words_split_by_the_break_are_whole(tmp_path: Path) -> None:
    lines = ["2024年，成渝地区双城经济圈实现地区生产总值8.6万亿元，比上年增长5.6%，是西部经济最活跃的省",
             "份之一。"]
    doc = read(tmp_path, "zh.pdf", make_placed_pdf([[(72, 700, 10, lines[0]), (72, 688, 10, lines[1])]]))
    assert doc.text == lines[0] + lines[1]


def test_running_headers_footers_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    pages = [[(72, 770, 8, "Chengdu-Chongqing Statistics Bulletin 2023"),
              *wrapped(f"Body text of page {n} says that the freight trains ran often and carried more goods "
                       f"than before in the year.", 72, 700),
              (300, 30, 8, f"Page {n}")] for n in (1, 2, 3)]
    doc = read(tmp_path, "b.pdf", make_placed_pdf(pages))
    assert "Bulletin" not in doc.text and "Page" not in doc.text
    assert [doc.text[p.start:p.end][:22] for p in doc.pages] == ["Body text of page 1 sa"[:22],
                                                                  "Body text of page 2 sa"[:22],
                                                                  "Body text of page 3 sa"[:22]]


def test_two_columns_are_read_column_by_column(tmp_path: Path) -> None:
    left = "The left column tells of Chengdu and its airports, which together served more passengers than ever before."
    right = "The right column tells of Chongqing and its river port, which handled more containers than ever before."
    page = [*wrapped(left, 60, 700, width=40), *wrapped(right, 330, 700, width=40),
            *wrapped("It ends here with one more paragraph of text to fill the column well enough.", 60, 600, width=40),
            *wrapped("And the right one ends here with one more paragraph of text to fill it.", 330, 600, width=40)]
    doc = read(tmp_path, "cols.pdf", make_placed_pdf([page]))
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[0] == left and paragraphs[2] == right


def test_a_paragraph_across_a_page_break_is_whole_and_each_page_range_exact(tmp_path: Path) -> None:
    first = "Container traffic grew faster than bulk cargo and the ports at Luzhou and Yibin continued"
    second = "to feed containers to Chongqing for onward shipment to Shanghai."
    doc = read(tmp_path, "p.pdf", make_placed_pdf([[(72, 80, 10, first)], [(72, 740, 10, second)]]))
    assert doc.text == f"{first} {second}"
    one, two = doc.pages
    assert doc.text[one.start:one.end] == first and doc.text[two.start:two.end] == second
    assert doc.page_at(doc.text.index("Shanghai")) == 2 and doc.page_at(doc.text.index("Luzhou")) == 1


def test_radicals_named_by_a_font_map_come_out_as_ideographs(tmp_path: Path) -> None:
    doc = read(tmp_path, "r.pdf", make_placed_pdf([[(72, 700, 10, "地区⽣产总值，⼈均收⼊，3⽉14⽇，⺠营经济，⻓江")]]))
    assert doc.text == "地区生产总值，人均收入，3月14日，民营经济，长江"


def test_aligned_columns_become_a_table_with_its_caption_and_header(tmp_path: Path) -> None:
    rows = [("Year", "Chengdu", "Chongqing"), ("2021", "19916.98", "27894.02"), ("2022", "20817.50", "29129.03")]
    page = [(72, 720, 10, "Table 1. GDP by year"),
            *[(x, 700 - 12 * i, 10, cell) for i, row in enumerate(rows) for x, cell in zip((72, 200, 330), row)]]
    doc = read(tmp_path, "t.pdf", make_placed_pdf([page]))
    assert doc.text.split("\n\n")[1:] == ["Year | Chengdu | Chongqing", "2021 | 19916.98 | 27894.02",
                                          "2022 | 20817.50 | 29129.03"]
    table = doc.structure.tables[0]
    assert table.caption is not None and doc.text[table.caption.start:table.caption.end] == "Table 1. GDP by year"
    assert [doc.text[c.start:c.end] for c in table.header] == ["Year", "Chengdu", "Chongqing"]


def test_a_font_with_only_a_predefined_chinese_encoding_is_decoded(tmp_path: Path) -> None:
    doc = read(tmp_path, "gb.pdf", make_placed_pdf([[(72, 700, 10, "成渝地区双城经济圈建设规划纲要")]], font="ucs2"))
    assert doc.text == "成渝地区双城经济圈建设规划纲要"


def test_a_font_without_any_unicode_map_is_reported_unreadable(tmp_path: Path) -> None:
    with pytest.raises(BadDocument, match="unreadable text"):
        read(tmp_path, "x.pdf", make_placed_pdf([[(72, 700, 10, "成渝地区双城经济圈建设规划纲要")]], font="unmapped"))
