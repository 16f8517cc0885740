"""What the page shows for each kind of answer: the exact answer, table rows, earlier years,
reposts, Chinese answers and the Chinese page (real Chromium, fake QA service)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.chat_fake import ZH_CORRIDOR, ZH_SENTENCE
from tests.e2e.test_chat import GDP_QUESTION, ask, assert_no_horizontal_overflow, last_reply

pytestmark = pytest.mark.e2e

Shoot = Callable[..., Path]
ZH_QUESTION = "2021年成渝地区双城经济圈地区生产总值是多少？"


def test_exact_answer_is_shown_first_and_marked_in_its_sentence(page: Page, shoot: Shoot) -> None:
    ask(page, GDP_QUESTION)
    reply = last_reply(page)
    expect(reply.locator(".answer-short .answer-value")).to_have_text("7.39192 trillion yuan")
    expect(reply.locator(".answer-short .answer-year")).to_have_text("Figure for 2021")
    expect(reply.locator(".answer-text mark.answer-span")).to_have_text("7.39192 trillion yuan")
    expect(reply.locator(".answer-text")).to_contain_text("an increase of 8.5%")
    value_size = reply.locator(".answer-value").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    text_size = reply.locator(".answer-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert value_size > text_size
    shoot(page, "11-exact-answer")


def test_earlier_figures_are_listed_with_their_year_and_open_their_source(page: Page) -> None:
    ask(page, GDP_QUESTION)
    reply = last_reply(page)
    expect(reply.get_by_role("heading", name="Earlier figures")).to_be_visible()
    item = reply.locator(".earlier-item")
    expect(item).to_have_count(1)
    expect(item.locator(".earlier-year")).to_have_text("2020")
    expect(item.locator(".earlier-value")).to_have_text("6.6 trillion yuan")
    item.locator(".cite").click()
    expect(page.locator("#doc-panel-title")).to_have_text("Economic circle statistics, 2020 edition")
    expect(page.locator("#doc-cited mark.highlight")).to_contain_text("6.6 trillion yuan")


def test_a_reposted_passage_names_where_else_it_was_published(page: Page) -> None:
    ask(page, GDP_QUESTION)
    first = last_reply(page).locator(".passage").first
    expect(first.locator(".also-in")).to_have_text("Also published in: Reposted: GDP figures")
    expect(last_reply(page).locator(".also-in")).to_have_count(1)


def test_a_table_answer_is_shown_as_its_table_row_with_the_cell_marked(
        page: Page, shoot: Shoot) -> None:
    ask(page, "What was the container throughput of Guoyuan port in 2023?")
    reply = last_reply(page)
    table = reply.locator(".answer-row .row-table")
    expect(table.locator("figcaption")).to_contain_text("Table 2 Container throughput")
    expect(table.locator(".row-table-unit")).to_have_text("Unit: 10,000 TEU")
    expect(table.locator("th")).to_have_text(["Port", "2022", "2023"])
    expect(table.locator("td")).to_have_text(["Chongqing Guoyuan Port", "142.5", "156.8"])
    expect(table.locator("td.answer-cell mark.answer-span")).to_have_text("156.8")
    expect(reply.locator(".answer-short .answer-value")).to_have_text("156.8")
    source_table = reply.locator(".passage .row-table")
    expect(source_table.locator("td")).to_have_count(3)
    expect(source_table.locator("mark")).to_have_count(0)
    shoot(page, "12-table-answer")

    reply.locator(".answer-row .cite").click()
    expect(page.locator("#doc-panel-body .doc-row td")).to_have_count(3)
    expect(page.locator("#doc-cited")).to_contain_text("Chongqing Guoyuan Port | 2022: 142.5")


def test_a_chinese_browser_gets_the_chinese_page_and_chinese_answers(
        chinese_page: Page, shoot: Shoot) -> None:
    page = chinese_page
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="向文档提问")).to_be_visible()
    expect(page.get_by_role("button", name=ZH_QUESTION)).to_be_visible()
    expect(page.get_by_role("button", name=GDP_QUESTION)).to_be_hidden()
    shoot(page, "13-chinese-welcome")

    page.get_by_role("button", name=ZH_QUESTION).click()
    reply = last_reply(page)
    expect(reply.locator(".reply-label")).to_have_text("答案")
    expect(reply.locator(".answer-value")).to_have_text("73919.2亿元")
    expect(reply.locator(".answer-year")).to_have_text("2021年的数据")
    expect(reply.locator(".answer-text")).to_have_text(ZH_SENTENCE)
    expect(reply.locator(".answer-text")).to_have_attribute("lang", "zh-CN")
    expect(reply.locator(".passages-heading")).to_have_text("出处")
    expect(reply.locator(".answer-language")).to_have_count(0)
    shoot(page, "14-chinese-answer")

    reply.get_by_role("button", name="出处 1", exact=False).click()
    expect(page.locator("#doc-panel-title")).to_have_text("成渝地区双城经济圈建设成效明显")
    expect(page.locator("#doc-cited mark.highlight")).to_have_text(ZH_SENTENCE)
    expect(page.locator("#doc-panel-body .doc-text")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="关闭文档").click()
    expect(page.locator("#doc-panel")).to_be_hidden()
    assert_no_horizontal_overflow(page)


def test_the_language_switch_changes_the_page_and_is_remembered(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="切换到中文", exact=False).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_label("你的问题")).to_be_visible()
    expect(page.get_by_role("button", name="新对话")).to_be_visible()
    expect(page.get_by_role("button", name=ZH_QUESTION)).to_be_visible()

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="Switch to English", exact=False).click()
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.get_by_role("button", name=GDP_QUESTION)).to_be_visible()


def test_an_answer_quoted_from_a_chinese_source_says_so(page: Page, shoot: Shoot) -> None:
    ask(page, "How many trains ran on the western land-sea corridor?")
    reply = last_reply(page)
    expect(reply.locator(".answer-text")).to_have_text(ZH_CORRIDOR)
    expect(reply.locator(".answer-value")).to_have_text("超过2万列")
    expect(reply.locator(".answer-language")).to_have_text("Quoted from a Chinese source.")
    expect(reply.locator(".passage-text")).to_have_attribute("lang", "zh-CN")
    shoot(page, "15-chinese-source")


def test_a_figure_dated_only_by_its_report_says_so_in_both_languages(page: Page) -> None:
    ask(page, "How many cooperation agreements have been signed?")
    reply = last_reply(page)
    expect(reply.locator(".answer-value")).to_have_text("more than 300 cooperation agreements")
    expect(reply.locator(".answer-year")).to_have_text("Reported in 2022")
    page.get_by_role("button", name="切换到中文 (Switch to Chinese)").click()
    box = page.get_by_label("你的问题")
    box.fill("How many cooperation agreements have been signed?")
    box.press("Enter")
    expect(page.locator(".turn")).to_have_count(2)
    expect(last_reply(page).locator(".answer-year")).to_have_text("2022年发布的数据")


def test_an_answer_more_likely_wrong_than_right_says_so_and_a_likely_one_does_not(page: Page) -> None:
    """``confidence`` is the probability that the sentence answers (calibrated on held-out
    writers): under one half the page says the answer is uncertain, with that rate."""
    ask(page, "perhaps the GDP of the circle in 2021?")
    expect(last_reply(page).locator(".answer-uncertain")).to_have_text(
        "Uncertain: answers as sure as this one are right about 30% of the time. Check the source.")
    ask(page, GDP_QUESTION)
    expect(last_reply(page).locator(".answer-short .answer-value")).to_have_text("7.39192 trillion yuan")
    expect(last_reply(page).locator(".answer-uncertain")).to_have_count(0)
