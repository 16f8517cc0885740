"""PDF files: each page's text with pypdf, with each page's offsets in the document."""

from __future__ import annotations

import io
import logging
import re

from ccqa.data import Page
from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Extracted, first_line_title

log = logging.getLogger(__name__)


def read_pdf(data: bytes) -> Extracted:
    """Text of each page with pypdf, pages joined by a blank line, with each page's offsets."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except DependencyError as exc:  # AES without the cryptography package
                raise BadDocument(f"encrypted PDF ({exc})") from None
            if not opened:
                raise BadDocument("encrypted PDF")
        page_count = len(reader.pages)
        meta_title = reader.metadata.title if reader.metadata else None
    except BadDocument:
        raise
    except Exception as exc:  # noqa: BLE001  pypdf raises many kinds on bad files
        raise BadDocument(f"corrupt PDF: {exc}") from None
    text, pages = "", []
    for number in range(1, page_count + 1):
        try:
            page_text = _clean_pdf_text(reader.pages[number - 1].extract_text())
        except Exception as exc:  # noqa: BLE001  one broken page should not lose the others
            log.warning("page %d of a PDF could not be read: %s", number, exc)
            continue
        if not page_text:
            continue
        text += "\n\n" if text else ""
        pages.append(Page(number, len(text), len(text) + len(page_text)))
        text += page_text
    if not text:
        raise BadDocument("no extractable text (scanned PDF?)")
    title = " ".join(meta_title.split()) if isinstance(meta_title, str) else ""
    return Extracted(text, title or first_line_title(text), tuple(pages))


def _clean_pdf_text(text: str) -> str:
    text = re.sub(
        "[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()
