"""Chinese questions, Chinese documents in either script, and questions whose answer is only in
the other language's documents, over a small collection written here."""

from __future__ import annotations

import pytest

from ccqa.lang.bilingual import magnitude_forms
from tests.index_fixtures import qa_over

RELEASE_ZH = """2023年成渝地区双城经济圈经济运行情况

发布日期：2024年3月6日

2023年，成渝地区双城经济圈实现地区生产总值81986.7亿元，比上年增长6.1%。
其中，重庆市实现地区生产总值30145.8亿元。
"""
NEWS_TRADITIONAL = """川渝通辦事項持續擴容

2025年1月10日

川渝兩地已推出三批川渝通辦事項，共311項，累計辦件量超過1600萬件。
"""
RAILWAY_EN = """Chengdu-Chongqing intercity railway

The Chengdu-Chongqing intercity railway opened on 26 December 2015. The line is 308 km long and
trains run at up to 300 km/h, linking the two cities in about one hour.
"""
TEA_EN = "Sichuan tea\n\nSichuan grows green tea on misty hills. The harvest starts in March.\n"


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return qa_over(tmp_path_factory.mktemp("bilingual"), {
        "release-2023-zh.md": RELEASE_ZH, "tongban-trad.txt": NEWS_TRADITIONAL,
        "railway.txt": RAILWAY_EN, "tea.txt": TEA_EN})


def test_a_chinese_question_is_answered_from_a_chinese_document_with_the_exact_figure(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("2023年成渝地区双城经济圈地区生产总值是多少？")
    assert answer.found and answer.lang == "zh" and answer.answer.lang == "zh"
    assert answer.answer.span is not None and answer.answer.span.text == "81986.7亿元"


def test_a_question_in_simplified_characters_finds_a_traditional_document(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("川渝通办事项累计办件量有多少？")
    assert answer.found and answer.answer.doc_id == "tongban-trad"
    assert "超過1600萬件" in answer.answer.text  # quoted as written, in traditional characters


def test_an_english_question_finds_its_answer_in_a_chinese_document(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What was the GDP of the Chengdu-Chongqing economic circle in 2023?")
    assert answer.found and answer.answer.doc_id == "release-2023-zh" and answer.answer.lang == "zh"
    assert answer.answer.span is not None and answer.answer.span.text == "81986.7亿元"


def test_a_chinese_question_finds_its_answer_in_an_english_document(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("成渝城际铁路全长多少公里？")
    assert answer.found and answer.answer.doc_id == "railway" and answer.answer.lang == "en"
    assert answer.answer.span is not None and answer.answer.span.text.startswith("308 km")


@pytest.mark.parametrize("question", ["重庆市市长是谁？", "2015年经济圈地区生产总值是多少？",
                                      "What was the GDP of the economic circle in 2015?"])
def test_chinese_questions_the_documents_do_not_answer_are_not_found(qa, question: str) -> None:  # type: ignore[no-untyped-def]
    assert not qa.ask(question).found


def test_a_figure_with_a_scale_word_is_carried_in_the_other_languages_scales() -> None:
    assert magnitude_forms("Did GDP pass 8.19867 trillion yuan?", "zh") == ["8.19867万亿", "81986.7亿"]
    assert magnitude_forms("突破8万亿元", "en") == ["8000 billion", "8 trillion"]
    assert magnitude_forms("地區生產總值81986.7億元", "en") == ["8198.67 billion", "8.19867 trillion"]
    assert magnitude_forms("more than 4,800 trips in 2021", "zh") == []


def test_a_chinese_question_is_answered_from_an_english_only_collection(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The seed corpus is English: a Chinese speaker's question still finds its sentence."""
    qa = qa_over(tmp_path, {"railway.txt": RAILWAY_EN, "tea.txt": TEA_EN})
    answer = qa.ask("成渝城际铁路全长多少公里？")
    assert answer.found and answer.lang == "zh" and answer.answer.lang == "en"
    assert answer.answer.span is not None and answer.answer.span.text.startswith("308 km")
