"""Reposts: the same text published twice is found at build time and shown once."""

from __future__ import annotations

from pathlib import Path

from ccqa.index.duplicates import duplicate_groups
from ccqa.lang.terms import terms
from tests.index_fixtures import fast_build, qa_over

ARTICLE = ("China-Europe freight trains serving Chengdu and Chongqing made more than 4,800 trips in 2021, "
           "about 30 percent of all such trips in the country, local authorities said on Monday.")


def test_a_near_copy_is_grouped_with_the_earliest_and_different_text_is_not() -> None:
    copy = ARTICLE.replace("on Monday", "on Monday morning")
    other = "The Yangtze River flows through Chongqing, and ships carry containers downstream to Shanghai."
    groups = duplicate_groups([terms(t) for t in (copy, ARTICLE, other)], ["2022-01-18", "2022-01-17", "2022-01-01"])
    assert groups.tolist() == [1, -1, -1]  # the copy points at the original, published a day earlier


def test_short_lines_are_never_grouped() -> None:
    assert duplicate_groups([terms("Share: WeChat | Weibo")] * 2, ["", ""]).tolist() == [-1, -1]


def test_a_repost_shows_once_with_where_else_it_was_published(tmp_path: Path) -> None:
    original = f"China-Europe trains\nXinhua | 2022-01-17\n{ARTICLE}\n"
    repost = f"Jinsha Logistics\nHome | News | About us | Contact\n{ARTICLE}\nCopyright 2022 Jinsha Logistics\n"
    qa = qa_over(tmp_path, {"xinhua.txt": original, "repost.txt": repost,
                            "tea.txt": "Sichuan grows green tea on misty hills. The harvest starts in March."})
    answer = qa.ask("How many China-Europe freight train trips did Chengdu and Chongqing make in 2021?")
    cards = [p for p in answer.passages if "4,800 trips" in p.text]
    assert len(cards) == 1
    assert cards[0].citation.doc_id == "xinhua" and [c.doc_id for c in cards[0].also_in] == ["repost"]
    report = fast_build(qa.settings)
    assert report.duplicates == [{"path": "repost.txt", "of": "xinhua.txt", "passages": 1}]
