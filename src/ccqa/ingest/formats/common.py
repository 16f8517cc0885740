"""What every reader shares: the ``Extracted`` result, decoding bytes to text, a first-line title."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

from ccqa.data import Page, Span
from ccqa.data.documents import Unit
from ccqa.errors import BadDocument

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


@dataclass(frozen=True)
class Extracted:
    """What a reader found in one file: its text, a title if the file names one, PDF pages, and
    the units of its markup when the format has markup (HTML, Word); None: read from the text."""

    text: str
    title: str | None = None
    pages: tuple[Page, ...] = ()
    units: tuple[Unit, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: what the reading process sends back (``ccqa.ingest.sandbox``)."""
        return {"text": self.text, "title": self.title, "pages": [p.to_dict() for p in self.pages],
                "units": None if self.units is None else [u.to_dict() for u in self.units]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Extracted:
        units = d.get("units")
        return cls(str(d["text"]), d.get("title"), tuple(Page.from_dict(p) for p in d.get("pages", ())),
                   None if units is None else tuple(Unit.from_dict(u) for u in units))


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


def first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            title = " ".join(line.split())
            return title if len(title) <= MAX_LINE_TITLE_CHARS else None
    return None


class Composer:
    """Text put together block by block (a blank line between blocks), each block one unit with
    exact offsets: how the readers of marked-up formats keep what the markup said.

    >>> c = Composer(); c.block("heading", "Ports", level=2); c.row("table_row", ["2019", "", "1,580"])
    >>> c.text, [(u.kind, u.start, u.end) for u in c.units]
    ('Ports\\n\\n2019 |  | 1,580', [('heading', 0, 5), ('table_row', 7, 21)])
    """

    SEPARATOR = "\n\n"
    CELL_SEPARATOR = " | "

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.units: list[Unit] = []

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def _start(self) -> int:
        if self._parts:
            self._parts.append(self.SEPARATOR)
            self._length += len(self.SEPARATOR)
        return self._length

    def block(self, kind: str, text: str, level: int = 0) -> None:
        """Add one block of text (stripped; nothing for an empty one) as a unit of ``kind``."""
        text = text.strip()
        if not text:
            return
        start = self._start()
        self._parts.append(text)
        self._length += len(text)
        self.units.append(Unit(kind, start, self._length, level))

    def row(self, kind: str, cells: list[str]) -> None:
        """Add a table header or row: its cells joined by " | ", each cell's span recorded
        (empty cells have empty spans; trailing empty ones add no separator)."""
        cells = [" ".join(c.split()) for c in cells]
        filled = [i for i, c in enumerate(cells) if c]
        if not filled:
            return
        start = self._start()
        spans, position = [], start
        for i, cell in enumerate(cells[: filled[-1] + 1]):
            if i:
                self._parts.append(self.CELL_SEPARATOR)
                position += len(self.CELL_SEPARATOR)
            self._parts.append(cell)
            spans.append(Span(position, position + len(cell)))
            position += len(cell)
        spans += [Span(position, position)] * (len(cells) - filled[-1] - 1)
        self._length = position
        self.units.append(Unit(kind, start, position, cells=tuple(spans)))
