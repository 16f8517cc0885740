"""PDF files read as a person reads the page: paragraphs rebuilt from the characters' positions
(pdfplumber), running headers, footers and page numbers left out, two columns read in turn,
ruled and aligned tables placed where they stand, each page's range in the text.

pypdf opens the file first and holds it to the limits (``pdf_text``); a page too large to lay
out within them, or a file pdfplumber cannot lay out, is read as pypdf extracts it. A font
without a Unicode map (pdfminer then gives "(cid:N)") makes the document unreadable text, reported
in the build instead of indexed as garbage.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Extracted, first_line_title
from ccqa.ingest.formats.pdf_layout import Item, TableBlock, lay_out, with_aligned_tables
from ccqa.ingest.formats.pdf_lines import CJK, Line, in_reading_order, page_lines, running_lines
from ccqa.ingest.formats.pdf_text import CheckedPdf, checked_pdf, read_pdf_text
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_text_size

log = logging.getLogger(__name__)

UNMAPPED = re.compile(r"\(cid:\d+\)")
MAX_UNREADABLE = 0.02  # share of characters without a Unicode value past which the text is unreadable


def read_pdf(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """The PDF's text as its pages show it, with units and page ranges (see the module)."""
    checked = checked_pdf(data, limits)
    laid_out = set(checked.small_pages) >= set(checked.page_texts)
    extracted = _laid_out(data, checked) if laid_out else None
    if extracted is None:
        extracted = read_pdf_text(data, checked)
    check_text_size(extracted.text, limits)
    return extracted


def _laid_out(data: bytes, checked: CheckedPdf) -> Extracted | None:
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a warning per character of some fonts
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages, tables, heights, widths = [], [], [], []
            for number in sorted(checked.page_texts):
                page = pdf.pages[number - 1]
                found = _tables_of(page, number)
                tables.append(found)
                pages.append(page_lines(page.chars, number, [tuple(t.bbox) for t, _ in found]))
                heights.append(float(page.height))
                widths.append(float(page.width))
    except BadDocument:
        raise
    except Exception as exc:  # noqa: BLE001  pdfminer raises many kinds; pypdf's reading remains
        log.warning("the layout of a PDF could not be read (%s): read as plain text", exc)
        return None
    _refuse_unmapped(pages)
    body = _body_size([line for lines in pages for line in lines])
    running = running_lines(pages, heights, body)
    items: list[Item] = []
    for p, (lines, found) in enumerate(zip(pages, tables, strict=True)):
        kept = in_reading_order([line for i, line in enumerate(lines) if (p, i) not in running], widths[p])
        items += _placed(kept, [block for _, block in found])
    laid = lay_out(with_aligned_tables(items))
    if not laid.text.strip():
        return None  # nothing laid out: pypdf's reading decides
    first = laid.text[laid.units[0].start:laid.units[0].end] if laid.units else laid.text
    return Extracted(laid.text, checked.title or first_line_title(first), laid.pages, laid.units)


def _tables_of(page: Any, number: int) -> list[tuple[Any, TableBlock]]:
    """The ruled tables pdfplumber finds on the page, each with its rows of cell texts (a cell's
    lines joined as a paragraph's are); a "table" of one row or one column is a frame, not a table."""
    if not (page.rects or page.lines):
        return []
    found = []
    for table in page.find_tables():
        rows = tuple(tuple(_cell_text(cell) for cell in row) for row in table.extract())
        rows = tuple(row for row in rows if any(row))
        if len(rows) >= 2 and max(len(row) for row in rows) >= 2:
            x0, top, x1, _ = table.bbox
            found.append((table, TableBlock(number, float(top), float(x0), float(x1), rows)))
    return found


def _cell_text(cell: str | None) -> str:
    lines = [line.strip() for line in (cell or "").split("\n") if line.strip()]
    text = ""
    for line in lines:
        glue = "" if not text or CJK.match(text[-1]) and CJK.match(line[0]) or text.endswith("-") else " "
        text += glue + line
    return text


def _placed(lines: list[Line], tables: list[TableBlock]) -> list[Item]:
    """The page's lines with each table put before the first line below it in its column."""
    items: list[Item] = list(lines)
    for table in sorted(tables, key=lambda t: t.top, reverse=True):
        centre = (table.x0 + table.x1) / 2
        at = next((i for i, item in enumerate(items) if isinstance(item, Line) and item.top > table.top
                   and item.column[0] - 1 <= centre <= item.column[1] + 1), None)
        items.insert(len(items) if at is None else at, table)
    return items


def _body_size(lines: list[Line]) -> float:
    sizes: dict[float, int] = {}
    for line in lines:
        sizes[line.size] = sizes.get(line.size, 0) + len(line.text)
    return max(sizes, key=lambda s: sizes[s]) if sizes else 10.0


def _refuse_unmapped(pages: list[list[Line]]) -> None:
    """Text whose font gives no Unicode values is reported, never indexed as mojibake."""
    text = "".join(line.text for lines in pages for line in lines)
    unmapped = len(UNMAPPED.findall(text)) + text.count("\ufffd")
    if unmapped and unmapped > MAX_UNREADABLE * max(len(UNMAPPED.sub("x", text)), 1):
        raise BadDocument(f"unreadable text: {unmapped:,} characters of its fonts have no Unicode "
                          "value (a font without a ToUnicode map or a known encoding)")
