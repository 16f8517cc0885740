"""The chat page in a real headless Chromium against the real engine and the seed index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from ccqa.api.app import create_app

pytestmark = pytest.mark.e2e
Shoot = Callable[..., Path]


@pytest.fixture
def app(seed_settings, seed_qa) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(seed_settings, qa=seed_qa)


def ask(page: Page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def test_real_answer_cites_the_seed_article_and_opens_it_highlighted(page: Page, shoot: Shoot) -> None:
    ask(page, "What was the GDP of the Chengdu-Chongqing economic circle in 2021?")
    reply = page.locator(".turn").last.locator(".msg-reply")
    expect(reply.locator(".answer-text")).to_contain_text("7.39192 trillion yuan")
    expect(reply.locator(".passage").first).to_contain_text("Construction of Chengdu-Chongqing Economic Circle")
    expect(reply.locator(".passage").first.locator("mark.highlight")).to_contain_text("7.39192 trillion")
    shoot(page, "real-02-answer")
    reply.get_by_role("button", name="Source 1", exact=False).click()
    highlighted = page.locator("#doc-cited mark.highlight")
    expect(highlighted).to_contain_text("7.39192 trillion yuan in 2021")
    expect(highlighted).to_be_in_viewport()
    shoot(page, "real-03-document-panel")

    ask(page, "and what share of the whole country did it account for?")
    follow_up = page.locator(".turn").last.locator(".msg-reply")
    expect(follow_up.locator(".answer-text")).to_contain_text("6.5%")

    ask(page, "Who won the 2022 World Cup?")
    not_found = page.locator(".turn").last.locator(".msg-reply")
    expect(not_found.locator(".not-found")).to_contain_text("could not find an answer")
    expect(not_found.get_by_role("heading", name="Related passages")).to_be_visible()
    expect(not_found.locator(".answer")).to_have_count(0)
    shoot(page, "real-04-not-found")
