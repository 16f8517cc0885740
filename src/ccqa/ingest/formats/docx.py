"""Word files: paragraphs (headings included) and table rows, one block each."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Extracted, first_line_title


def read_docx(data: bytes) -> Extracted:
    """Paragraphs (headings included) and table rows of a Word file, one block each."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_docx_rows(item))
            elif text := item.text.strip():
                blocks.append(text)
        title = (document.core_properties.title or "").strip()
    except Exception as exc:  # noqa: BLE001  python-docx raises zip, XML and key errors
        raise BadDocument(f"corrupt DOCX: {exc}") from None
    if not blocks:
        raise BadDocument("empty document")
    text = "\n\n".join(blocks)
    return Extracted(text, " ".join(title.split()) or first_line_title(blocks[0]))


def _docx_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            if text := " ".join(cell.text.split()):
                cells.append(text)
        if cells:
            yield " | ".join(cells)
