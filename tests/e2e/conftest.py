"""Browser-test fixtures: a real headless Chromium, and the app served on 127.0.0.1.

The app comes from the ``app`` fixture, which ``live_server`` serves; a test module that
overrides ``app`` (for instance with the real index) reuses everything else unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from ccqa.api.app import create_app
from ccqa.config import Settings
from tests.e2e.browser_setup import CHROMIUM_ARGS, chromium_executable
from tests.e2e.chat_fake import ChatFakeQA
from tests.live import serve_in_thread

SHOTS_DIR = Path("/tmp/ccqa-shots")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def fake_qa() -> ChatFakeQA:
    return ChatFakeQA()


@pytest.fixture
def app(fake_qa: ChatFakeQA) -> Flask:
    """The app under test; override this fixture to drive the page against another engine."""
    return create_app(Settings(), qa=fake_qa)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its base URL."""
    with serve_in_thread(app) as port:
        yield f"http://127.0.0.1:{port}/"


def open_page(browser: Browser, base_url: str, width: int, height: int, locale: str = "en-US"
              ) -> tuple[Page, Callable[[], None]]:
    """A fresh page that refuses any request off ``base_url``; the check reports problems.

    ``locale`` is the browser's language (what ``navigator.languages`` reports)."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  reduced_motion="reduce", locale=locale)
    page = context.new_page()
    external: list[str] = []
    problems: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 503" not in message.text:
            problems.append(message.text)

    page.route("**/*", only_local)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def check_and_close() -> None:
        context.close()
        assert not external, f"the page tried to reach other hosts: {external}"
        assert not problems, f"the page logged errors (CSP violations included): {problems}"

    return page, check_and_close


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A desktop-sized page on the live server's chat page."""
    yield from _chat_page(browser, live_server, 1280, 900)


@pytest.fixture
def chinese_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A desktop-sized page in a browser whose language is Chinese (zh-CN)."""
    yield from _chat_page(browser, live_server, 1280, 900, locale="zh-CN")


@pytest.fixture
def mobile_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A 375px-wide page on the live server's chat page."""
    yield from _chat_page(browser, live_server, 375, 740)


def _chat_page(browser: Browser, base_url: str, width: int, height: int,
               locale: str = "en-US") -> Iterator[Page]:
    opened, check_and_close = open_page(browser, base_url, width, height, locale)
    opened.goto(base_url)
    yield opened
    check_and_close()


@pytest.fixture
def shoot(tmp_path: Path) -> Callable[..., Path]:
    """Screenshot the page into tmp_path, with a copy in /tmp/ccqa-shots/ to look at."""

    def shoot(page: Page, name: str, **options: Any) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), **options)
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS_DIR / path.name)
        return path

    return shoot
