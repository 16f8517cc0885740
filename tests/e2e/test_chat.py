"""The chat page in a real headless Chromium against the live app (fake QA service)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser_setup import chromium_executable
from tests.e2e.chat_fake import HOSTILE_SENTENCE, ChatFakeQA

pytestmark = pytest.mark.e2e

GDP_QUESTION = "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"
Shoot = Callable[..., Path]


def ask(page: Page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def last_reply(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".turn").last.locator(".msg-reply")


def assert_no_horizontal_overflow(page: Page) -> None:
    widths = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
        viewport: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                         && e.getClientRects().length && !e.closest('.visually-hidden'))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)})""")
    assert widths["page"] <= widths["viewport"], widths
    assert widths["body"] <= widths["viewport"], widths
    assert not widths["wide"], widths


def test_gdp_question_is_answered_with_a_citation_that_opens_the_document(
        page: Page, shoot: Shoot) -> None:
    expect(page.get_by_role("button", name=GDP_QUESTION)).to_be_visible()
    shoot(page, "01-welcome")

    ask(page, GDP_QUESTION)
    reply = last_reply(page)
    expect(reply.locator(".answer-text")).to_contain_text("7.39192 trillion")
    expect(reply.locator(".passages-heading")).to_have_text("Sources")
    expect(reply.locator(".passage").first.locator("mark.highlight")).to_contain_text(
        "7.39192 trillion yuan in 2021")
    expect(page.locator("#announcer")).to_contain_text("7.39192 trillion")
    marker = reply.get_by_role("button", name="Source 1", exact=False)
    expect(marker).to_have_text("[1]")
    shoot(page, "02-answer")

    marker.click()
    panel = page.locator("#doc-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#doc-panel-title")).to_have_text(
        "Construction of Chengdu-Chongqing Economic Circle Accelerates Across the Board")
    expect(page.locator("#doc-panel-title")).to_be_focused()
    highlighted = page.locator("#doc-cited mark.highlight")
    expect(highlighted).to_contain_text("7.39192 trillion yuan in 2021")
    expect(page.locator("#doc-cited")).to_contain_text("30.8% of the economic aggregate")
    expect(highlighted).to_be_in_viewport()
    shoot(page, "03-document-panel")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(marker).to_be_focused()

    reply.get_by_role("button", name="Open passage 2", exact=False).click()
    expect(page.locator("#doc-cited mark.highlight")).to_contain_text("300 cooperation agreements")
    page.get_by_role("button", name="Close document").click()
    expect(panel).to_be_hidden()


def test_unanswerable_question_shows_not_found_and_related_passages(
        page: Page, shoot: Shoot) -> None:
    ask(page, "Who won the 1998 football World Cup?")
    reply = last_reply(page)
    expect(reply.locator(".not-found")).to_have_text("Not found in the documents.")
    expect(reply.get_by_role("heading", name="Related passages")).to_be_visible()
    expect(reply.locator(".passage")).to_have_count(2)
    expect(reply.locator(".answer")).to_have_count(0)
    expect(reply.locator(".cite")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("Not found in the documents.")
    shoot(page, "04-not-found")


def test_hostile_document_and_question_render_as_visible_text(
        page: Page, shoot: Shoot) -> None:
    question = 'What does the hostile document say? <img src=x onerror="window.__pwned=3">'
    ask(page, question)
    reply = last_reply(page)
    expect(page.locator(".user-text").last).to_have_text(question)
    expect(reply.locator(".answer-text")).to_contain_text("<script>window.__pwned=1</script>")
    expect(reply.locator(".passage-title")).to_have_text(
        '<b>Hostile</b> <img src=x onerror="window.__pwned=4">')
    expect(reply.locator(".passage-source")).to_have_text("<script>window.__pwned=5</script>")

    reply.locator(".open-doc").first.click()
    body = page.locator("#doc-panel-body")
    expect(body).to_contain_text('<img src=x onerror="window.__pwned=2">')
    expect(body).to_contain_text("<b>bold</b>")
    expect(page.locator("#doc-cited mark.highlight")).to_have_text(HOSTILE_SENTENCE)
    expect(reply.locator(".passage mark.highlight")).to_have_text(HOSTILE_SENTENCE)
    shoot(page, "05-hostile-document")

    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("b").count() == 0
    assert page.evaluate("[...document.scripts].map(s => s.getAttribute('src'))") == ["static/i18n.js", "static/app.js"]


def test_follow_up_sends_history_and_new_conversation_clears_it(
        page: Page, fake_qa: ChatFakeQA) -> None:
    page.get_by_role("button", name=GDP_QUESTION).click()
    expect(page.locator(".answer-text")).to_have_count(1)
    expect(page.locator("#welcome")).to_be_hidden()
    ask(page, "And what was the growth rate?")
    expect(page.locator(".answer-text")).to_have_count(2)
    ask(page, "How many cooperation agreements?")
    expect(page.locator(".answer-text")).to_have_count(3)
    assert [c["history"] for c in fake_qa.calls] == [
        (), (GDP_QUESTION,), (GDP_QUESTION, "And what was the growth rate?")]

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".turn")).to_have_count(0)
    expect(page.locator("#welcome")).to_be_visible()
    expect(page.get_by_label("Your question")).to_be_focused()
    ask(page, "How many cooperation agreements?")
    expect(page.locator(".answer-text")).to_have_count(1)
    assert fake_qa.calls[-1]["history"] == ()


def test_shift_enter_adds_a_line_and_enter_sends(page: Page, fake_qa: ChatFakeQA) -> None:
    box = page.get_by_label("Your question")
    box.click()
    page.keyboard.type("What was the GDP")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("in 2021?")
    expect(box).to_have_value("What was the GDP\nin 2021?")
    expect(page.locator(".turn")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator(".user-text")).to_have_text("What was the GDP\nin 2021?")
    expect(page.locator(".answer-text")).to_be_visible()
    expect(box).to_have_value("")
    assert fake_qa.calls[-1]["question"] == "What was the GDP\nin 2021?"


def test_loading_state_then_api_error_is_shown_readably(
        page: Page, fake_qa: ChatFakeQA, shoot: Shoot) -> None:
    fake_qa.gate.clear()
    try:
        ask(page, GDP_QUESTION)
        expect(page.locator(".msg-reply.is-loading")).to_contain_text("Searching the documents")
        expect(page.locator("#send")).to_be_disabled()
        shoot(page, "06-loading")
    finally:
        fake_qa.gate.set()
    expect(page.locator(".answer-text")).to_contain_text("7.39192 trillion")
    expect(page.locator("#send")).to_be_enabled()

    ask(page, "Please break the index")
    error = last_reply(page)
    expect(error).to_have_class("msg msg-reply is-error")
    expect(error.locator(".error-text")).to_have_text(
        "No index found in index/: run `ccqa build` first.")
    expect(page.get_by_label("Your question")).to_have_value("Please break the index")
    shoot(page, "07-error")


def test_page_fits_a_375px_screen(mobile_page: Page, shoot: Shoot) -> None:
    page = mobile_page
    expect(page.get_by_role("button", name=GDP_QUESTION)).to_be_visible()
    assert_no_horizontal_overflow(page)
    shoot(page, "08-mobile-welcome")

    ask(page, GDP_QUESTION)
    expect(page.locator(".answer-text")).to_contain_text("7.39192 trillion")
    ask(page, "Who won the 1998 football World Cup?")
    expect(page.locator(".not-found")).to_be_visible()
    assert_no_horizontal_overflow(page)
    shoot(page, "09-mobile-not-found")
    page.locator(".turn").first.scroll_into_view_if_needed()
    page.locator(".turn").first.evaluate("turn => turn.scrollIntoView()")
    shoot(page, "09-mobile-answer")

    marker = page.locator(".cite").first
    marker.click()
    expect(page.locator("#doc-cited mark.highlight")).to_be_in_viewport()
    assert page.locator(".chat-column").evaluate("column => column.inert")
    assert_no_horizontal_overflow(page)
    shoot(page, "10-mobile-document")
    page.keyboard.press("Escape")
    expect(page.locator("#doc-panel")).to_be_hidden()
    expect(marker).to_be_focused()


def test_missing_chromium_fails_with_install_instructions() -> None:
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_executable(["/nonexistent/chromium"])
