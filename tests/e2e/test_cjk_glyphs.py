"""Chinese text on the page is drawn with glyphs, not boxes ("tofu"), in the English and the
Chinese page, on a phone and on a desktop: Debian's chromium has no CJK font of its own, and
`make test` installs fonts-noto-cjk for it.

Without a font for them, every Chinese character is drawn as the same missing-glyph box: two
different characters then give the same pixels. With one, they differ from each other and from
the box drawn for a code point no font has."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import open_page

pytestmark = pytest.mark.e2e

NO_GLYPH = "\U000f0000"  # a private-use code point: no font draws it, so it shows as a box


@pytest.fixture(params=[(375, 740), (1280, 900)], ids=["375px", "desktop"])
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["en-US", "zh-CN"], ids=["english-page", "chinese-page"])
def sized_page(request: pytest.FixtureRequest, browser: Browser, live_server: str,
               viewport: tuple[int, int]) -> Iterator[Page]:
    opened, check_and_close = open_page(browser, live_server, *viewport, locale=request.param)
    opened.goto(live_server)
    yield opened
    check_and_close()


def glyph_pixels(page: Page, host_selector: str, characters: list[str]) -> list[bytes]:
    """Each character drawn large in the font and language of the page's own element, one at a
    time at the same whole-pixel place (so that equal drawings give equal bytes), as PNG bytes."""
    out = []
    for character in characters:
        page.evaluate("""([selector, character]) => {
            const host = document.querySelector(selector);
            const probe = document.createElement('span');
            probe.id = 'glyph-probe';
            probe.textContent = character;
            probe.lang = host.closest('[lang]').lang;
            probe.style.cssText = 'position:fixed;left:8px;top:8px;z-index:99;display:block;' +
                'font-size:40px;line-height:48px;width:56px;height:56px;text-align:left;' +
                'background:#fff;color:#000;padding:0;margin:0';
            probe.style.fontFamily = getComputedStyle(host).fontFamily;
            probe.style.fontWeight = getComputedStyle(host).fontWeight;
            document.body.appendChild(probe);
        }""", [host_selector, character])
        out.append(page.locator("#glyph-probe").screenshot())
        page.evaluate("document.getElementById('glyph-probe').remove()")
    return out


def test_chinese_text_is_drawn_with_glyphs_not_boxes(sized_page: Page) -> None:
    chinese_page = sized_page.evaluate("document.documentElement.lang") == "zh-CN"
    if chinese_page:  # the page's own Chinese words: its title and a starter question
        host = ".masthead-title"
        expect(sized_page.locator(host)).to_have_text("向文档提问")
        words = sized_page.locator(host).text_content() or ""
    else:  # the English page's Chinese words: the language switch
        host = "#lang-switch"
        expect(sized_page.locator(host)).to_have_text("中文")
        words = sized_page.locator(host).text_content() or ""
    first, second = words[0], words[1]
    drawn_first, drawn_second, box = glyph_pixels(sized_page, host, [first, second, NO_GLYPH])
    assert drawn_first != drawn_second, f"{first} and {second} are drawn alike: boxes, no CJK font"
    assert drawn_first != box and drawn_second != box
    chinese_question = sized_page.locator(".suggestion[lang='zh-CN']").first
    if chinese_page:
        expect(chinese_question).to_be_visible()
        q_first, q_second = glyph_pixels(sized_page, ".suggestions[data-lang='zh'] .suggestion", ["成", "渝"])
        assert q_first != q_second
