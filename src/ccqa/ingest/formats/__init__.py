"""The one registry of readable formats: each reader turns a file's bytes into text, a title and
page offsets, within the limits it is given (``ccqa.ingest.limits``), and the suffixes it answers to. Supported suffixes, the upload check, OpenAPI and
the README's list all come from ``FORMATS``; a new format is a module here plus one line below.

>>> format_for("report.HTM").name
'html'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from ccqa.ingest.formats.common import Extracted, decode_text
from ccqa.ingest.formats.docx import read_docx
from ccqa.ingest.formats.html import read_html
from ccqa.ingest.formats.markdown import read_markdown
from ccqa.ingest.formats.pdf import read_pdf
from ccqa.ingest.formats.text import read_text
from ccqa.ingest.limits import ParseLimits

__all__ = ["FORMATS", "SUPPORTED_SUFFIXES", "Extracted", "Format", "decode_text", "format_for"]


@dataclass(frozen=True)
class Format:
    """A readable format: its name (``Document.format``), its file suffixes and its reader."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[bytes, ParseLimits], Extracted]
    label: str


FORMATS: tuple[Format, ...] = (
    Format("txt", (".txt",), read_text, "plain text (UTF-8, UTF-8 with BOM, GB18030/GBK)"),
    Format("md", (".md",), read_markdown, "Markdown"),
    Format("html", (".html", ".htm"), read_html, "HTML page (main text only)"),
    Format("pdf", (".pdf",), read_pdf, "PDF with a text layer"),
    Format("docx", (".docx",), read_docx, "Word document"),
)
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS for s in f.suffixes)
_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}


def format_for(path: str | PurePath) -> Format | None:
    """The format a file name's suffix names (case-insensitive), or None."""
    return _BY_SUFFIX.get(PurePath(path).suffix.lower())
