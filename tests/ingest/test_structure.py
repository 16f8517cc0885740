"""A document's structure read from its text: each kind of unit where its author put it."""

from __future__ import annotations

from ccqa.data import Document
from ccqa.ingest.context import heading_path, lead_in, row_reading, table_view, unit_text
from ccqa.ingest.structure import structure_of

NEWS = """China-Europe trains from Chengdu and Chongqing top 4,800 trips
Xinhua | 2022-01-17
CHONGQING, Jan. 17 (Xinhua) -- Trains serving Chengdu and Chongqing made more than 4,800 trips in 2021.
That was about 30 percent of all such trips in the country.
"We sit at one table now," an official said.
"""

BRIEF = """Chengdu-Chongqing Economic Circle: Mid-Year Statistical Brief
Updated 15 Aug 2022

## 3. Ports

Chongqing Port is the largest port on the upper Yangtze.

Key figures:
- Chongqing Port cargo throughput, 2021: 198.04 million tonnes
- Share of containers from Yibin Port transshipped at Guoyuan: 90%

Table 2. Freight by year
Unit: 10,000 tonnes

| Year | Chengdu | Chongqing |
| --- | --- | --- |
| 2019 | 1,580 | — |
| 2020 | 1,611 | 2,030 |
"""

BULLETIN = """STATISTICAL BULLETIN No. 3/2023
Chengdu and Chongqing: Gross Domestic Product, 2017-2022
Release date: 20 March 2023

This bulletin brings together the annual GDP of the two core cities of the
Chengdu-Chongqing economic circle as published in their statistical
communiques. Chongqing means the whole municipality. Values are at current
prices; growth rates are real, at comparable prices. With the 2022 results,
Chengdu's GDP passed the 2-trillion-yuan mark for the first time.

Table 1. GDP of Chengdu and Chongqing by year
Unit: 100 million yuan

Year      Chengdu    Chongqing
2021     19916.98     27894.02
2022     20817.50     29129.03

Notes:
(1) 2022 values are preliminary and will be
    revised with the annual accounts.
"""

CHINESE_BRIEF = """川渝毗邻地区合作平台建设情况简报
2023年4月6日

一、总体情况

川渝两省市在毗邻地区共规划布局10个区域合作平台。

二、万达开川渝统筹发展示范区

（一）总体方案
2023年3月11日，两省市联合印发总体方案。
重点任务：
1. 共筑山青水美的绿色生态屏障
2. 共建互联互通的基础设施网络
"""

REPOST = """Jinsha Eurasia Supply Chain Co., Ltd.
Home | About Us | Rail Services | Contact
China-Europe trains top 4,800 trips
Source: Xinhua | Posted: 2022-01-18
CHONGQING, Jan. 17 (Xinhua) -- Trains made more than 4,800 trips in 2021.

Share: WeChat | Weibo | LinkedIn
Copyright 2022 Jinsha Eurasia Supply Chain
Shu ICP Bei 2021009876-1
"""


def document(text: str) -> Document:
    return Document("d", "d.txt", "D", text, structure=structure_of(text))


def kinds(doc: Document) -> list[tuple[str, str]]:
    return [(u.kind, doc.text[u.start:u.end]) for u in doc.structure.units]


def test_a_news_item_has_its_headline_dateline_and_one_paragraph_a_line() -> None:
    doc = document(NEWS)
    assert kinds(doc)[:4] == [
        ("title", "China-Europe trains from Chengdu and Chongqing top 4,800 trips"),
        ("dateline", "Xinhua | 2022-01-17"),
        ("dateline", "CHONGQING, Jan. 17 (Xinhua) -- "),
        ("paragraph", "Trains serving Chengdu and Chongqing made more than 4,800 trips in 2021."),
    ]
    assert [k for k, _ in kinds(doc)].count("paragraph") == 3
    assert doc.structure.date == "2022-01-17"


def test_a_brief_has_numbered_headings_lists_with_their_lead_in_and_a_captioned_table() -> None:
    doc = document(BRIEF)
    units = doc.structure.units
    assert doc.structure.date == "2022-08-15"
    items = [i for i, u in enumerate(units) if u.kind == "list_item"]
    assert len(items) == 2 and {lead_in(doc, i) for i in items} == {"Key figures:"}
    assert heading_path(doc, items[0]) == ["3. Ports"]
    rows = [i for i, u in enumerate(units) if u.kind == "table_row"]
    assert len(rows) == 2
    view = table_view(doc, rows[0])
    assert view is not None
    assert (view.caption, view.unit_note, view.header, view.cells) == (
        "Table 2. Freight by year", "Unit: 10,000 tonnes", ("Year", "Chengdu", "Chongqing"), ("2019", "1,580", "—"))
    assert row_reading(view) == ("Table 2. Freight by year (Unit: 10,000 tonnes) — "
                                 "Year: 2019 · Chengdu: 1,580 · Chongqing: —")
    cell = units[rows[1]].cells[2]
    assert doc.text[cell.start:cell.end] == "2,030"  # cells point at the source exactly


def test_a_hard_wrapped_bulletin_joins_its_lines_and_reads_aligned_columns_as_a_table() -> None:
    doc = document(BULLETIN)
    found = kinds(doc)
    assert [k for k, _ in found[:3]] == ["title", "title", "dateline"]
    paragraph = next(t for k, t in found if k == "paragraph")
    assert paragraph.startswith("This bulletin") and paragraph.endswith("for the first time.")
    rows = [i for i, u in enumerate(doc.structure.units) if u.kind == "table_row"]
    view = table_view(doc, rows[1])
    assert view is not None and view.cells == ("2022", "20817.50", "29129.03") and view.header[1] == "Chengdu"
    (item,) = [t for k, t in found if k == "list_item"]
    assert item.endswith("revised with the annual accounts.")  # its indented continuation is part of it


def test_chinese_headings_nest_by_their_numbering_and_list_items_follow_their_lead_in() -> None:
    doc = document(CHINESE_BRIEF)
    assert doc.structure.date == "2023-04-06"
    units = doc.structure.units
    items = [i for i, u in enumerate(units) if u.kind == "list_item"]
    assert [unit_text(doc, units[i]) for i in items] == ["共筑山青水美的绿色生态屏障", "共建互联互通的基础设施网络"]
    assert heading_path(doc, items[0]) == ["二、万达开川渝统筹发展示范区", "（一）总体方案"]
    assert lead_in(doc, items[1]) == "重点任务："


def test_a_repost_keeps_site_lines_apart_from_the_article() -> None:
    doc = document(REPOST)
    found = kinds(doc)
    assert ("title", "China-Europe trains top 4,800 trips") in found
    assert ("line", "Home | About Us | Rail Services | Contact") in found
    assert ("line", "Shu ICP Bei 2021009876-1") in found
    assert ("paragraph", "Trains made more than 4,800 trips in 2021.") in found
    assert doc.structure.date == "2022-01-18"


def test_plain_paragraphs_stay_paragraphs() -> None:
    text = "The railway opened in 2015. It is 308 km long.\n\nTrains run every hour."
    assert [k for k, _ in kinds(document(text))] == ["paragraph", "paragraph"]
    assert document(text).structure.date is None


def test_every_unit_lies_inside_the_text_in_order() -> None:
    for text in (NEWS, BRIEF, BULLETIN, CHINESE_BRIEF, REPOST):
        units = structure_of(text).units
        assert all(0 <= u.start < u.end <= len(text) for u in units)
        assert [u.start for u in units] == sorted(u.start for u in units)
        assert all(text[u.start:u.end] == text[u.start:u.end].strip() for u in units if u.kind != "dateline")


def test_a_long_headline_on_the_first_line_is_the_title_not_an_answer() -> None:
    text = ("Press Release: Rail-Sea Intermodal Trains on the New International Land-Sea Trade Corridor Pass 25,000 Trips\n"
            "Operation Organization Center of the New International Land-Sea Trade Corridor\n"
            "Release date: 2023-03-27\n"
            "The 25,000th rail-sea intermodal train left Qinzhou Port Station on Thursday, March 23.\n")
    structure = structure_of(text)
    assert [u.kind for u in structure.units] == ["title", "title", "dateline", "paragraph"]
    assert structure.date == "2023-03-27"
