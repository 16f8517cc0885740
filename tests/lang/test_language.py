"""The language seam: detection, each language's sentences and terms, and the registry."""

from __future__ import annotations

import pytest

from ccqa.lang import LANGUAGES, detect_language, language, split_sentences
from ccqa.lang.terms import term_set, terms


@pytest.mark.parametrize(("text", "lang"), [
    ("What was the GDP of the economic circle in 2021?", "en"),
    ("成渝地区双城经济圈2021年GDP是多少？", "zh"),
    ("成渝地區雙城經濟圈建設規劃綱要", "zh"),
    (("The Planning Outline for the Construction of the Chengdu-Chongqing Economic Circle "
     "(成渝地区双城经济圈建设规划纲要) was issued in October 2021."), "en"),
    ("2021", "en"),
    ("", "en"),
])
def test_language_is_detected_from_the_script_that_carries_the_text(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_every_registered_language_has_its_rules_and_unknown_codes_fall_back_to_english() -> None:
    assert set(LANGUAGES) == {"en", "zh"}
    assert language("xx") is language(None) is LANGUAGES["en"]
    assert language("zh").name == "Chinese"


def test_english_sentences_keep_abbreviations_inside() -> None:
    text = "Dr. Li met Mr. Wang on Jan. 5. They signed 12 deals."
    assert [text[s:e] for s, e in split_sentences(text, "en")] == [
        "Dr. Li met Mr. Wang on Jan. 5.", "They signed 12 deals."]


def test_chinese_sentences_end_at_their_own_punctuation_and_quotes() -> None:
    text = "成渝地区双城经济圈建设加速推进。你知道吗？“太好了！”他说。"
    assert [text[s:e] for s, e in split_sentences(text, "zh")] == [
        "成渝地区双城经济圈建设加速推进。", "你知道吗？", "“太好了！”", "他说。"]


def test_english_terms_are_stemmed_content_words() -> None:
    assert terms("What was the GDP of the economic circle?") == ["gdp", "econom", "circl"]
    assert term_set("Railways railway") == frozenset({"railway"})


def test_chinese_text_is_segmented_into_words_and_latin_words_inside_it_are_stemmed() -> None:
    found = terms("成渝地区双城经济圈 railways 2021")
    assert {"成渝", "双城", "经济圈", "成渝地区双城经济圈", "railway", "2021"} <= set(found)
    assert "成" not in found and "的" not in terms("成渝的经济")  # words, not characters; no function words


def test_traditional_and_simplified_text_give_the_same_terms() -> None:
    assert terms("成渝地區雙城經濟圈建設規劃綱要") == terms("成渝地区双城经济圈建设规划纲要")


def test_the_regions_own_words_stay_whole() -> None:
    for word in ("双城经济圈", "中欧班列", "川渝通办", "复兴号"):
        assert word in terms(f"关于{word}的报道")


def test_chinese_sentences_end_at_semicolons_too() -> None:
    text = "第一产业增加值6202.2亿元，增长3.3%；第二产业增加值31248.0亿元。"
    assert [text[s:e] for s, e in split_sentences(text, "zh")] == ["第一产业增加值6202.2亿元，增长3.3%；",
                                                                  "第二产业增加值31248.0亿元。"]


def test_chinese_questions_and_values_read_by_their_own_rules() -> None:
    chinese = language("zh")
    assert (chinese.expected_type("成渝中线高铁全长多少公里？"), chinese.expected_kind("成渝中线高铁全长多少公里？")) == (
        "number", "distance")
    assert chinese.expected_type("天府国际机场是哪一天正式投运的？") == "date"
    assert chinese.expected_kind("重庆市市长是谁？") == "person"
    text = "经济圈实现地区生产总值81986.7亿元，增长6.1%，全长約292公里，預計達2萬億元左右。"
    assert [text[a:b] for a, b in chinese.value_spans(text, "number")] == [
        "81986.7亿元", "6.1%", "約292公里", "達2萬億元左右"]
    assert [chinese.value_kind(v) for v in ("81986.7亿元", "6.1%", "約292公里")] == ["money", "percent", "distance"]
    # a quantity keeps its magnitude and measure word, in either script
    text = "辦了約2.7萬件，江豚1,249頭，出栏4567.1万头，壽命81.5歲，企业突破1.2万家。"
    assert [text[a:b] for a, b in chinese.value_spans(text, "number")] == [
        "約2.7萬件", "1,249頭", "4567.1万头", "81.5歲", "突破1.2万家"]
    assert chinese.is_follow_up("那2024年呢？") and chinese.is_follow_up("它的设计时速是多少？")
    assert chinese.points_back("其中，四川部分实现地区生产总值57350.2亿元。")


def test_each_language_reads_its_answer_cues() -> None:
    english = language("en")
    assert english.expected_type("How many trains ran?") == "number"
    assert english.expected_type("When did the line open?") == "date"
    assert english.expected_type("Who is the mayor?") == "name"
    assert english.points_back("It accounted for 6.5%.") and not english.points_back("Chongqing grew.")
    assert english.is_follow_up("and how much was invested?") and not english.is_follow_up("How long is the line?")


def test_a_question_for_a_person_is_read_in_either_script() -> None:
    chinese = language("zh")
    assert chinese.asks_for_person("成都东部新区管委会主任是谁？")
    assert chinese.asks_for_person("成都東部新區管委會主任是誰？")
    assert not chinese.asks_for_person("成都東部新區何時設立？")
