"""Word files: paragraphs, headings by their style, list paragraphs, and tables row by row."""

from __future__ import annotations

import io
import re
from typing import Any

from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Composer, Extracted, first_line_title
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_text_size, check_zip

_HEADING_STYLE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.IGNORECASE)


def read_docx(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """Each paragraph and table row of a Word file one block, with the unit its style gives:
    Title, Heading N, List ..., Caption; a table's first row is its header. The zip is checked
    against ``limits`` before python-docx inflates any of it."""
    import docx
    from docx.table import Table

    check_zip(data, limits, "DOCX")
    composer = Composer()
    try:
        document = docx.Document(io.BytesIO(data))
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                _compose_table(item, composer)
            else:
                kind, level = _paragraph_kind(item.style.name if item.style is not None else "", composer)
                composer.block(kind, item.text, level)
        title = (document.core_properties.title or "").strip()
    except MemoryError:  # the reading process's limit, not a corrupt file
        raise
    except Exception as exc:  # noqa: BLE001  python-docx raises zip, XML and key errors
        raise BadDocument(f"corrupt DOCX: {exc}") from None
    if not composer.units:
        raise BadDocument("empty document")
    check_text_size(composer.text, limits)
    first = composer.text[composer.units[0].start:composer.units[0].end]
    return Extracted(composer.text, " ".join(title.split()) or first_line_title(first), units=tuple(composer.units))


def _paragraph_kind(style: str, composer: Composer) -> tuple[str, int]:
    if style == "Title":
        return "title", 1
    if match := _HEADING_STYLE.match(style):
        level = int(match.group(1))
        if level == 1 and not any(u.kind in ("title", "heading") for u in composer.units):
            return "title", 1
        return "heading", level + 1
    if style.startswith("List"):
        return "list_item", 0
    if style == "Caption":
        return "caption", 0
    return "paragraph", 0


def _compose_table(table: Any, composer: Composer) -> None:
    for number, row in enumerate(table.rows):
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        composer.row("table_header" if number == 0 else "table_row", cells)
