"""HTML pages: the main text (no navigation, scripts or boilerplate), one paragraph a block."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Extracted, decode_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


def read_html(data: bytes) -> Extracted:
    """The main text of a page (no navigation, scripts or boilerplate), one paragraph a block.

    Paragraphs, headings, list items and table rows are separated by a blank line.
    """
    import trafilatura
    from lxml import html as lxml_html

    match = _META_CHARSET.search(data[:4096])
    source = decode_text(data, match.group(1).decode("ascii", "replace") if match else None)
    if not source.strip():
        raise BadDocument("empty document")
    source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)  # lxml refuses str with a declaration
    try:
        extracted = trafilatura.bare_extraction(
            source, include_comments=False, include_tables=True, favor_recall=True
        )
        tree = lxml_html.fromstring(source)
    except Exception as exc:  # noqa: BLE001  lxml and trafilatura raise many kinds on bad markup
        raise BadDocument(f"unreadable HTML: {exc}") from None
    body = getattr(extracted, "body", None)
    blocks = list(_html_blocks(body)) if body is not None else []
    if not blocks:
        raise BadDocument("no main text found in the HTML page")
    return Extracted("\n\n".join(blocks), _html_title(tree))


def _html_title(tree: Any) -> str | None:
    for element in (tree.find(".//title"), tree.find(".//h1")):
        if element is not None and (title := " ".join(element.text_content().split())):
            return title
    return None


def _html_blocks(element: Any) -> Iterator[str]:
    """Paragraph texts from trafilatura's output tree (``head``, ``p``, ``list``, ``table``)."""
    for child in element:
        if child.tag == "list":
            yield from _html_blocks(child)
        elif child.tag == "table":
            for row in child.iter("row"):
                cells = [_inline_text(cell) for cell in row.iter("cell")]
                if line := " | ".join(cell.replace("\n", " ") for cell in cells if cell):
                    yield line
        elif child.tag == "item" and child.find("list") is not None:
            if text := _inline_text(child, skip="list"):
                yield text
            for nested in child.findall("list"):
                yield from _html_blocks(nested)
        elif text := _inline_text(child):
            yield text


def _inline_text(element: Any, skip: str = "") -> str:
    """An element's text with ``<lb/>`` as a newline and other whitespace collapsed."""
    pieces: list[str] = []

    def walk(node: Any) -> None:
        pieces.append(re.sub(r"\s+", " ", node.text or ""))
        for child in node:
            if child.tag == "lb":
                pieces.append("\n")
            elif child.tag != skip:
                walk(child)
            pieces.append(re.sub(r"\s+", " ", child.tail or ""))

    walk(element)
    lines = (line.strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)
