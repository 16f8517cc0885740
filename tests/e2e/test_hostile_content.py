"""A hostile document in a real Chromium: links, handlers and markup stay text, and the CSP
stops inline script even if markup were to slip into the page.

tests/e2e/test_chat.py already shows ``<script>`` and ``<img onerror>`` in passages and the
document panel as text; this adds ``javascript:`` links, SVG, iframes and forms, in every
field the page shows (title, publisher, source, passage, panel), and the CSP's own check.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from ccqa.api.app import create_app
from ccqa.config import Settings
from ccqa.data import Answer, Document
from tests.e2e.chat_fake import HOSTILE_SENTENCE, ChatFakeQA

pytestmark = pytest.mark.e2e

LINKS = ('<a href="javascript:window.__pwned=10">click me</a> '
         '[also me](javascript:window.__pwned=11) javascript:window.__pwned=12 '
         '<svg onload="window.__pwned=13"></svg> <iframe srcdoc="<script>parent.__pwned=14'
         '</script>"></iframe> <form action="javascript:window.__pwned=15"><button>go</button>'
         '</form> <body onload="window.__pwned=16"> <details open ontoggle="window.__pwned=17">')
HOSTILE_TEXT = ("Hostile links document\n\n" + HOSTILE_SENTENCE + " " + LINKS
                + "\n\nThe end, <script>window.__pwned=18</script>.")


class LinksFakeQA(ChatFakeQA):
    """ChatFakeQA whose hostile document carries script-bearing links in every field."""

    def __init__(self) -> None:
        super().__init__()
        self.hostile = Document(
            doc_id="hostile", path="hostile.html", text=HOSTILE_TEXT,
            title='<a href="javascript:window.__pwned=20">Hostile</a>',
            source="javascript:window.__pwned=21",
            publisher='<svg onload="window.__pwned=22">', date="<img src=x onerror=alert(1)>")

    def ask(self, question: str, **kwargs: Any) -> Answer:
        if "hostile" in question.lower():  # the whole document is the cited passage
            return self._found(question, kwargs.get("mode", "hybrid"),
                               [(self.hostile, HOSTILE_SENTENCE, HOSTILE_TEXT)])
        return super().ask(question, **kwargs)


@pytest.fixture
def app() -> Flask:
    return create_app(Settings(), qa=LinksFakeQA())


def live_markup(page: Page) -> dict[str, object]:
    """What in the page could run script: links, handlers, embedded documents, the flag."""
    return page.evaluate("""() => ({
        pwned: typeof window.__pwned,
        scriptLinks: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
            .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action')
                      || e.getAttribute('formaction'))
            .filter(v => /^\\s*(javascript|data|vbscript):/i.test(v || '')),
        handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
            .filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
        embedded: document.querySelectorAll('svg, iframe, object, embed, form, img, details').length,
        scripts: document.scripts.length,
    })""")


def test_javascript_links_and_handlers_in_a_document_stay_text(page: Page) -> None:
    own = live_markup(page)  # the page's own: its form, its two scripts, its data: favicon
    assert own["pwned"] == "undefined" and own["handlers"] == [] and own["scripts"] == 2
    box = page.get_by_label("Your question")
    box.fill("What does the hostile document say?")
    box.press("Enter")
    reply = page.locator(".turn").last.locator(".msg-reply")
    expect(reply.locator(".passage-text")).to_contain_text('<a href="javascript:window.__pwned=10">')
    expect(reply.locator(".passage-title")).to_have_text(
        '<a href="javascript:window.__pwned=20">Hostile</a>')
    expect(reply.locator(".passage-source")).to_contain_text("javascript:window.__pwned=21")

    reply.locator(".open-doc").first.click()
    body = page.locator("#doc-panel-body")
    expect(body).to_contain_text("<svg onload=")
    expect(body).to_contain_text("<script>window.__pwned=18</script>")
    expect(page.locator("#doc-panel")).to_contain_text("<img src=x onerror=alert(1)>")
    page.get_by_text("click me", exact=False).first.click()  # clicking the "link" does nothing

    assert live_markup(page) == own  # nothing from the document became markup
    assert page.url.startswith("http://127.0.0.1:")


def test_csp_blocks_inline_script_that_slipped_into_the_page(
        browser: Browser, live_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(live_server)
        expect(page.get_by_label("Your question")).to_be_visible()
        page.evaluate("""() => {
            window.__violations = [];
            document.addEventListener('securitypolicyviolation',
                e => window.__violations.push(e.effectiveDirective));
            const holder = document.createElement('div');
            holder.innerHTML = '<img src="data:," onerror="window.__pwned=30">'
                + '<a id="js-link" href="javascript:window.__pwned=31">x</a>';
            document.body.appendChild(holder);
            const script = document.createElement('script');
            script.textContent = 'window.__pwned = 32';
            document.body.appendChild(script);
        }""")
        page.locator("#js-link").click()
        deadline = time.monotonic() + 5
        while len(page.evaluate("window.__violations")) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(50)  # the violation events are queued tasks
        assert page.evaluate("typeof window.__pwned") == "undefined"
        violations = set(page.evaluate("window.__violations"))
        assert {"script-src-elem", "script-src-attr"} <= violations, violations
    finally:
        context.close()
