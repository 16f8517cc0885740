"""Readers that turn the bytes of one file format into text, a title and page offsets.

Each reader takes the raw bytes and returns an ``Extracted``; a file it cannot use raises
``BadDocument`` with a reason a user can act on. ``documents.py`` picks the reader by suffix.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ccqa.data import Page
from ccqa.errors import BadDocument

log = logging.getLogger(__name__)

MAX_LINE_TITLE_CHARS = 150  # a first line longer than this is prose, not a title

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_GARBLED_CHARS = re.compile("[\ufffd\ue000-\uf8ff]")  # replacement and private-use characters
_LEGACY_CHINESE = {"gb2312", "gbk", "cp936", "euc_cn", "hz"}  # all read as their superset GB18030
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    """What a reader found in one file: its text, a title if the file names one, PDF pages."""

    text: str
    title: str | None = None
    pages: tuple[Page, ...] = ()


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to str: a BOM wins, then strict UTF-8, then ``declared``, then strict GB18030.

    Raises ``BadDocument`` for binary content and for bytes no candidate decodes cleanly.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError:
                raise BadDocument("undecodable text") from None
    if b"\x00" in data or _too_many(
        len(data) - len(data.translate(None, _CONTROL_BYTES)), len(data)
    ):
        raise BadDocument("binary content, not text")
    for encoding in ["utf-8", *filter(None, [_codec_name(declared)]), "gb18030"]:
        try:
            return _checked(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise BadDocument("undecodable text")


def _codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, with GB2312/GBK widened to GB18030."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if name in _LEGACY_CHINESE else name


def _too_many(bad: int, total: int) -> bool:
    return bad > 2 + total // 100


def _checked(text: str) -> str:
    if _too_many(len(_CONTROL_CHARS.findall(text)), len(text)):
        raise BadDocument("binary content, not text")
    if _too_many(len(_GARBLED_CHARS.findall(text)), len(text)):
        raise BadDocument("undecodable text")
    return text


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            title = " ".join(line.split())
            return title if len(title) <= MAX_LINE_TITLE_CHARS else None
    return None


def read_text(data: bytes) -> Extracted:
    """Plain text, exactly as decoded; the title is a short first line."""
    text = decode_text(data)
    return Extracted(text, _first_line_title(text))


_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def read_markdown(data: bytes) -> Extracted:
    """Markdown kept as written (offsets index into it); the title is the first ``# `` heading."""
    text = decode_text(data)
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _ATX_H1.match(line)):
            return Extracted(text, match.group(1).strip())
    return Extracted(text, None)


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
    return Extracted(text, title or _first_line_title(text), tuple(pages))


def _clean_pdf_text(text: str) -> str:
    text = re.sub(
        "[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
    return Extracted(text, " ".join(title.split()) or _first_line_title(blocks[0]))


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


READERS: dict[str, Callable[[bytes], Extracted]] = {
    "txt": read_text,
    "md": read_markdown,
    "html": read_html,
    "pdf": read_pdf,
    "docx": read_docx,
}
