"""PDF files read with pypdf: the checks every PDF goes through (encryption, page count, inflated
streams, text size) and each page's text as pypdf extracts it, the reading used where a page's
geometry cannot be read (``ccqa.ingest.formats.pdf``)."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from ccqa.data import Page
from ccqa.errors import BadDocument
from ccqa.ingest.formats.common import Extracted, first_line_title
from ccqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, text_too_long

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPdf:
    """What pypdf read of a PDF within the limits: its metadata title, each readable page's text,
    and the pages small enough to lay out (their content streams are under the layout limit)."""

    title: str
    page_texts: dict[int, str]
    small_pages: tuple[int, ...]


def checked_pdf(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> CheckedPdf:
    """The PDF opened and each page's text extracted with pypdf. Refused (``BadDocument``): an
    encrypted file, more pages than ``limits`` allow, a stream inflating past them, too much text."""
    from pypdf import apply_configuration

    with apply_configuration(None, **_pypdf_limits(limits)):
        return _checked_pdf(data, limits)


def read_pdf_text(data: bytes, checked: CheckedPdf) -> Extracted:
    """Text of each page as pypdf gives it, pages joined by a blank line, with each page's
    offsets; a ruled table pdfplumber finds on a page is written as a Markdown table."""
    tables = _tables_by_page(data, list(checked.small_pages))
    text, pages = "", []
    for number, page_text in checked.page_texts.items():
        page_text = _with_tables(page_text, tables.get(number, []))
        if not page_text:
            continue
        text += "\n\n" if text else ""
        pages.append(Page(number, len(text), len(text) + len(page_text)))
        text += page_text
    if not text:
        raise BadDocument("no extractable text (scanned PDF?)")
    return Extracted(text, checked.title or first_line_title(text), tuple(pages))


def _checked_pdf(data: bytes, limits: ParseLimits) -> CheckedPdf:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, LimitReachedError

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
    except (BadDocument, MemoryError):
        raise
    except LimitReachedError as exc:
        raise _over_limit(exc, limits) from None
    except Exception as exc:  # noqa: BLE001  pypdf raises many kinds on bad files
        raise BadDocument(f"corrupt PDF: {exc}") from None
    if page_count > limits.max_pdf_pages:
        raise BadDocument(f"has {page_count:,} pages, more than the {limits.max_pdf_pages:,} allowed "
                          "(CCQA_PARSE_MAX_PDF_PAGES)")
    page_texts: dict[int, str] = {}
    searchable: list[int] = []  # pages small enough to search for ruled tables
    chars = 0
    for number in range(1, page_count + 1):
        try:
            page = reader.pages[number - 1]
            contents = page.get_contents()  # inflated within the limits: extract_text hides a breach
            content_bytes = len(contents.get_data()) if contents is not None else 0
            page_text = _clean_pdf_text(page.extract_text())
        except MemoryError:
            raise
        except LimitReachedError as exc:
            raise _over_limit(exc, limits) from None
        except Exception as exc:  # noqa: BLE001  one broken page should not lose the others
            log.warning("page %d of a PDF could not be read: %s", number, exc)
            continue
        page_texts[number] = page_text
        chars += len(page_text) + 2
        if chars > limits.max_text_chars:
            raise text_too_long(limits)
        if content_bytes <= MAX_TABLE_CONTENT_BYTES and number <= MAX_TABLE_PAGES:
            searchable.append(number)
    title = " ".join(meta_title.split()) if isinstance(meta_title, str) else ""
    return CheckedPdf(title, page_texts, tuple(searchable))


def _pypdf_limits(limits: ParseLimits) -> dict[str, int]:
    """pypdf's own decoding limits, set to ``max_inflated_mb`` (pypdf's default: 75 MB)."""
    most = limits.max_inflated_bytes
    return {"maximum_declared_stream_length": most, "array_based_stream_maximum_output_length": most,
            "zlib_maximum_output_length": most, "lzw_maximum_output_length": most,
            "run_length_maximum_output_length": most, "brotli_maximum_output_length": most,
            "jbig2_maximum_output_length": most, "image_maximum_buffer_size": most}


def _over_limit(exc: Exception, limits: ParseLimits) -> BadDocument:
    if "decompress" in str(exc).lower():
        return BadDocument(f"a PDF stream expands to more than {limits.max_inflated_mb} MB "
                           "(CCQA_PARSE_MAX_INFLATED_MB)")
    return BadDocument(f"the PDF is over a limit of its reader: {exc}")


def _clean_pdf_text(text: str) -> str:
    text = re.sub(
        "[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()


MAX_TABLE_PAGES = 500  # pages laid out and searched for tables (pdfplumber reads a page's layout: ~50 ms)
# A page whose content stream is larger is not searched: pdfminer inflates and reads streams
# without a limit, at about 3 s per MB.
MAX_TABLE_CONTENT_BYTES = 1 << 20


def _tables_by_page(data: bytes, numbers: list[int]) -> dict[int, list[list[list[str]]]]:
    """The ruled tables of the pages ``numbers`` as rows of cell texts (pdfplumber)."""
    if not numbers:
        return {}
    try:
        import pdfplumber
    except ImportError:  # tables are then read as the text pypdf gives
        return {}
    found: dict[int, list[list[list[str]]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in (pdf.pages[number - 1] for number in numbers):
                if not (page.rects or page.lines):  # no ruling, no ruled table: skip the costly search
                    continue
                rows = [[[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
                        for table in page.find_tables()]
                if rows:
                    found[page.page_number] = rows
    except Exception as exc:  # noqa: BLE001  a layout pdfplumber cannot read still has pypdf's text
        log.warning("tables of a PDF could not be read: %s", exc)
    return found


def _with_tables(page_text: str, tables: list[list[list[str]]]) -> str:
    """The page's text with each table's cells, which pypdf gives one a line, written as the
    rows of a Markdown table; a table whose cells are not found in order is left as it was."""
    lines = page_text.split("\n")
    for rows in tables:
        cells = [cell for row in rows for cell in row if cell]
        if len(cells) < 4:
            continue
        at = _run_of(lines, cells)
        if at is None:
            continue
        width = max(len(row) for row in rows)
        markdown = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        markdown.insert(1, "| " + " | ".join(["---"] * width) + " |")
        lines[at:at + len(cells)] = ["", *markdown, ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _run_of(lines: list[str], cells: list[str]) -> int | None:
    """Where ``cells`` stand one a line, in order, in ``lines``."""
    normalised = [" ".join(line.split()) for line in lines]
    for start in range(len(normalised) - len(cells) + 1):
        if normalised[start:start + len(cells)] == cells:
            return start
    return None
