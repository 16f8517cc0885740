"""HTML pages: the main text (no navigation, scripts or boilerplate), one paragraph a block."""

from __future__ import annotations

import re
from typing import Any

from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Composer, Extracted, decode_text
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_html, check_text_size

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


def read_html(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """The main text of a page (no navigation, scripts or boilerplate), one paragraph a block,
    with the units its markup gives. Blocks are separated by a blank line; a table row is its
    cells joined by " | ". Pages over ``limits``' size or nesting are refused unparsed."""
    import trafilatura
    from lxml import html as lxml_html

    check_html(data, limits)
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
    except MemoryError:  # the reading process's limit, not bad markup
        raise
    except Exception as exc:  # noqa: BLE001  lxml and trafilatura raise many kinds on bad markup
        raise BadDocument(f"unreadable HTML: {exc}") from None
    body = getattr(extracted, "body", None)
    composer = Composer()
    if body is not None:
        _compose(body, composer)
    if not composer.units:
        raise BadDocument("no main text found in the HTML page")
    check_text_size(composer.text, limits)
    return Extracted(composer.text, _html_title(tree), units=tuple(composer.units))


def _html_title(tree: Any) -> str | None:
    for element in (tree.find(".//title"), tree.find(".//h1")):
        if element is not None and (title := " ".join(element.text_content().split())):
            return title
    return None


def _compose(element: Any, composer: Composer) -> None:
    """Units from trafilatura's output tree: ``head`` a heading (h1: the title), ``p`` a
    paragraph, ``item`` a list item, ``table`` its caption, header and rows."""
    for child in element:
        if child.tag == "list":
            _compose(child, composer)
        elif child.tag == "table":
            _compose_table(child, composer)
        elif child.tag == "head":
            level = int(child.get("rend", "h2")[1:] or 2) if re.fullmatch(r"h[1-6]", child.get("rend", "")) else 2
            kind = "title" if level == 1 and not any(u.kind == "title" for u in composer.units) else "heading"
            composer.block(kind, _inline_text(child), level)
        elif child.tag == "item":
            composer.block("list_item", _inline_text(child, skip="list"))
            for nested in child.findall("list"):
                _compose(nested, composer)
        else:
            composer.block("paragraph", _inline_text(child))


def _compose_table(table: Any, composer: Composer) -> None:
    """A caption row (one heading cell, the others empty) becomes the caption; rows of heading
    cells the header; the other rows are table rows, cell by cell."""
    for row in table.iter("row"):
        cells = [_inline_text(cell).replace("\n", " ") for cell in row.iter("cell")]
        heads = [cell.get("role") == "head" for cell in row.iter("cell")]
        if sum(1 for c in cells if c) == 1 and cells[0] and heads[0] and len(cells) > 1:
            composer.block("caption", cells[0])
        elif cells and all(heads):
            composer.row("table_header", cells)
        else:
            composer.row("table_row", cells)


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
