"""What a chat user expects besides answers: the documents the bot knows (and searching in
one), an address for each answer that opens it again, the conversation kept across a reload,
a citation to copy, and earlier answers sent with a follow-up."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chat_fake import ChatFakeQA
from tests.e2e.conftest import open_page
from tests.e2e.test_chat import GDP_QUESTION, Shoot, ask, assert_no_horizontal_overflow, last_reply

pytestmark = pytest.mark.e2e

FOLLOW_UP = "And what was the growth rate?"
OFF_TOPIC = "Who won the 1998 football World Cup?"


@pytest.fixture
def fresh_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A desktop page of its own (a new browser context: empty sessionStorage, like a new tab
    a link is pasted into), with the clipboard allowed."""
    opened, check_and_close = open_page(browser, live_server, 1280, 900)
    opened.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.rstrip("/"))
    yield opened
    check_and_close()


def answered_then_not_found(page: Page) -> None:
    """Two turns: the starter GDP question answered, an off-topic one not found."""
    page.get_by_role("button", name=GDP_QUESTION).click()
    expect(page.locator(".answer-text")).to_have_count(1)
    ask(page, OFF_TOPIC)
    expect(page.locator(".not-found")).to_have_count(1)


def test_documents_view_lists_each_document_and_opens_one_to_search_in(
        page: Page, shoot: Shoot) -> None:
    page.get_by_role("button", name="Documents").click()
    panel = page.locator("#doc-panel")
    expect(panel.locator(".doc-list-item")).to_have_count(6)
    circle = panel.locator(".doc-list-item").first
    expect(circle.locator(".doc-list-title")).to_have_text(
        "Construction of Chengdu-Chongqing Economic Circle Accelerates Across the Board")
    expect(circle.locator(".doc-list-meta")).to_have_text(
        "The People's Government of Sichuan Province (English edition) · 2022-06 · English")
    chinese = panel.locator(".doc-list-item").last
    expect(chinese.locator(".doc-list-meta")).to_have_text("四川省人民政府 · 2022-01 · Chinese")
    expect(panel.locator(".doc-panel-meta")).to_have_text("6 documents")
    shoot(page, "20-documents-view")

    circle.get_by_role("button").click()
    expect(page.locator("#doc-panel-title")).to_have_text(
        "Construction of Chengdu-Chongqing Economic Circle Accelerates Across the Board")
    expect(panel.locator(".doc-text")).to_contain_text("arrive in one hour")
    search = page.get_by_label("Search in this document")
    search.fill("chongqing")
    expect(panel.locator("mark.search-hit")).to_have_count(
        page.evaluate("document.querySelector('.doc-text').textContent.toLowerCase().split('chongqing').length - 1"))
    count = panel.locator("mark.search-hit").count()
    assert count >= 5
    expect(panel.locator("#doc-search-count")).to_have_text(f"{count} matches")
    expect(panel.locator("mark.search-hit.is-current")).to_have_count(1)
    first = panel.locator("mark.search-hit").first
    expect(first).to_have_class("search-hit is-current")
    search.press("Enter")  # the next match
    expect(panel.locator("mark.search-hit").nth(1)).to_have_class("search-hit is-current")
    expect(panel.locator("mark.search-hit").nth(1)).to_be_in_viewport()
    shoot(page, "21-document-searched")
    search.fill("no such words anywhere")
    expect(panel.locator("#doc-search-count")).to_have_text("No matches")
    search.fill("")
    expect(panel.locator("mark.search-hit")).to_have_count(0)
    expect(panel.locator(".doc-text")).to_contain_text("arrive in one hour")


def test_an_answers_address_opens_the_same_answer_when_pasted(
        browser: Browser, live_server: str, fresh_page: Page, fake_qa: ChatFakeQA, shoot: Shoot) -> None:
    page = fresh_page
    page.goto(live_server)
    page.get_by_role("button", name=GDP_QUESTION).click()
    expect(page.locator(".answer-text")).to_have_count(1)
    ask(page, FOLLOW_UP)
    expect(page.locator(".answer-text")).to_have_count(2)
    address = page.url  # the address bar follows the conversation
    assert parse_qs(urlsplit(address).query) == {"h": [GDP_QUESTION], "q": [FOLLOW_UP]}
    last_reply(page).get_by_role("button", name="Copy link to this answer").click()
    expect(last_reply(page).locator(".copy-status")).to_have_text("Link copied: it opens this answer.")
    assert page.evaluate("navigator.clipboard.readText()") == address
    page.locator(".turn").first.get_by_role("button", name="Copy link to this answer").click()
    first_address = page.evaluate("navigator.clipboard.readText()")
    assert parse_qs(urlsplit(first_address).query) == {"q": [GDP_QUESTION]}
    shown = page.locator(".answer-text").all_text_contents()

    calls_before = len(fake_qa.calls)
    pasted, check_and_close = open_page(browser, live_server, 1280, 900)  # another tab, nothing stored
    pasted.goto(address)
    expect(pasted.locator(".answer-text")).to_have_count(2)
    assert pasted.locator(".answer-text").all_text_contents() == shown
    assert pasted.locator(".user-text").all_text_contents() == [GDP_QUESTION, FOLLOW_UP]
    replayed = fake_qa.calls[calls_before:]
    assert [c["question"] for c in replayed] == [GDP_QUESTION, FOLLOW_UP]
    assert replayed[1]["history"] == (GDP_QUESTION,)
    shoot(pasted, "22-shared-answer")
    check_and_close()


def test_the_conversation_is_kept_across_a_reload_without_asking_again(
        page: Page, fake_qa: ChatFakeQA) -> None:
    answered_then_not_found(page)
    calls = len(fake_qa.calls)
    page.reload()
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator("#welcome")).to_be_hidden()
    expect(page.locator(".answer-value")).to_have_text("7.39192 trillion yuan")
    expect(page.locator(".not-found")).to_have_text("Not found in the documents.")
    assert len(fake_qa.calls) == calls  # shown from the tab's storage, not asked again
    ask(page, FOLLOW_UP)  # the conversation goes on with what was restored
    expect(page.locator(".answer-text")).to_have_count(2)  # its reply is in: the call was made
    assert fake_qa.calls[-1]["history"] == (GDP_QUESTION, OFF_TOPIC)

    page.get_by_role("button", name="New conversation").click()
    assert urlsplit(page.url).query == ""
    page.reload()
    expect(page.locator("#welcome")).to_be_visible()
    expect(page.locator(".turn")).to_have_count(0)


def test_copy_citation_puts_the_quote_its_source_and_its_address_on_the_clipboard(
        fresh_page: Page, live_server: str) -> None:
    fresh_page.goto(live_server)
    fresh_page.get_by_role("button", name=GDP_QUESTION).click()
    reply = last_reply(fresh_page)
    reply.get_by_role("button", name="Copy citation").click()
    expect(reply.locator(".copy-status")).to_have_text("Citation copied.")
    copied = fresh_page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("\u201cAccording to statistics released at the beginning of this year")
    assert ("\u201d \u2014 Construction of Chengdu-Chongqing Economic Circle Accelerates Across the Board, "
            "The People's Government of Sichuan Province (English edition), 2022-06.") in copied
    assert copied.endswith("?q=What+was+the+GDP+of+the+Chengdu-Chongqing+economic+circle+in+2021%3F")


def test_a_follow_up_sends_the_earlier_answers_with_the_earlier_questions(
        page: Page, fake_qa: ChatFakeQA) -> None:
    answered_then_not_found(page)
    ask(page, FOLLOW_UP)
    expect(page.locator(".answer-text")).to_have_count(2)  # its reply is in: the call was made
    assert fake_qa.calls[-1]["history"] == (GDP_QUESTION, OFF_TOPIC)
    assert fake_qa.calls[-1]["answers"] == ("7.39192 trillion yuan", "")


def test_not_found_never_shows_a_large_bold_answer(page: Page) -> None:
    ask(page, OFF_TOPIC)
    reply = last_reply(page)
    expect(reply.locator(".not-found")).to_be_visible()
    expect(reply.locator(".answer-short, .answer-value, .answer, .reply-label")).to_have_count(0)
    expect(reply.get_by_role("heading", name="Related passages")).to_be_visible()
    expect(reply.get_by_role("button", name="Copy citation")).to_have_count(0)


def test_documents_view_and_search_fit_a_375px_screen(mobile_page: Page, shoot: Shoot) -> None:
    mobile_page.get_by_role("button", name="Documents").click()
    expect(mobile_page.locator(".doc-list-item")).to_have_count(6)
    assert_no_horizontal_overflow(mobile_page)
    mobile_page.locator(".doc-list-item").last.get_by_role("button").click()
    expect(mobile_page.locator("#doc-panel-title")).to_have_text("成渝地区双城经济圈建设成效明显")
    search = mobile_page.get_by_label("Search in this document")
    search.fill("增长")
    expect(mobile_page.locator("mark.search-hit")).to_have_count(2)
    expect(mobile_page.locator("#doc-search-count")).to_have_text("2 matches")
    assert_no_horizontal_overflow(mobile_page)
    shoot(mobile_page, "23-document-search-375px")
    mobile_page.get_by_role("button", name="Close").click()
    expect(mobile_page.locator("#doc-panel")).to_be_hidden()
    expect(mobile_page.get_by_role("button", name="Documents")).to_be_focused()
