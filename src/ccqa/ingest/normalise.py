"""The one text normaliser of ingest, applied to every format's text: what a reader of the page
sees, in the characters that search and answers match.

- Kangxi radicals (U+2F00-U+2FD5) and CJK Radicals Supplement (U+2E80-U+2EFF) become the unified
  ideographs they stand for: PDF fonts whose ToUnicode map names the radical give "⽣产" for
  "生产". The table is Unicode's EquivalentUnifiedIdeograph.txt (``data/radicals.txt``).
- CJK compatibility ideographs become their canonical ideographs; full-width letters and digits
  ("２０２３", "ＧＤＰ") their ASCII forms; no-break spaces a space.
- Soft hyphens and zero-width characters are dropped.

Citations point into the text as it is shown, so the normalised text *is* the document's text;
offsets that readers computed before (pages, units, cells) are moved with ``OffsetMap``.

>>> normalise("⽣产总值\\u00ad２０２３年3⽉")
'生产总值2023年3月'
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from ccqa.data import Page, Span
from ccqa.data.documents import Unit
from ccqa.ingest.formats.common import Extracted

RADICAL_TABLE = "radicals.txt"
DROPPED = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")  # soft hyphen, zero-width characters
SPACES = frozenset("\u00a0\u2007\u202f")  # no-break spaces


@cache
def radical_table() -> dict[str, str]:
    """Radical -> unified ideograph, read from the shipped table (``data/radicals.txt``)."""
    table: dict[str, str] = {}
    text = resources.files("ccqa.ingest").joinpath("data", RADICAL_TABLE).read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            radical, ideograph = line.split("\t")[:2]
            table[chr(int(radical, 16))] = chr(int(ideograph, 16))
    return table


@cache
def _translation() -> dict[int, str]:
    """Every one-for-one replacement as a ``str.translate`` table."""
    table = {ord(k): v for k, v in radical_table().items()}
    for start, end in ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F)):  # compatibility ideographs
        for code in range(start, end + 1):
            canonical = unicodedata.normalize("NFC", chr(code))
            if canonical != chr(code) and len(canonical) == 1:
                table[code] = canonical
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]:
        table[code] = chr(code - 0xFEE0)  # full-width digits and Latin letters
    table.update({ord(c): " " for c in SPACES})
    return table


def normalise(text: str) -> str:
    """``text`` with radicals, compatibility ideographs, full-width letters and digits and
    no-break spaces replaced, soft hyphens and zero-width characters dropped."""
    text = text.translate(_translation())
    if any(c in text for c in DROPPED):
        text = "".join(c for c in text if c not in DROPPED)
    return text


@dataclass(frozen=True)
class OffsetMap:
    """Where offsets of the text before normalising land in the normalised text: each dropped
    character shifts the offsets after it one to the left.

    >>> OffsetMap.of("a\\u00adb").at(2)
    1
    """

    dropped: tuple[int, ...]  # positions (in the original text) of the dropped characters

    @classmethod
    def of(cls, original: str) -> OffsetMap:
        return cls(tuple(i for i, c in enumerate(original) if c in DROPPED))

    def at(self, offset: int) -> int:
        """The normalised offset of an original ``offset``."""
        return offset - bisect.bisect_left(self.dropped, offset)

    def span(self, span: Span) -> Span:
        return Span(self.at(span.start), self.at(span.end))

    def page(self, page: Page) -> Page:
        return Page(page.number, self.at(page.start), self.at(page.end))

    def unit(self, unit: Unit) -> Unit:
        return replace(unit, start=self.at(unit.start), end=self.at(unit.end),
                       cells=tuple(self.span(c) for c in unit.cells))


def normalised(extracted: Extracted) -> Extracted:
    """A reader's result with its text (and title) normalised and every offset moved with it;
    a unit left empty (it held only zero-width characters) is dropped."""
    text = normalise(extracted.text)
    title = normalise(extracted.title) if extracted.title is not None else None
    if text == extracted.text:
        return replace(extracted, title=title)
    moved = OffsetMap.of(extracted.text)
    units = None if extracted.units is None else tuple(
        u for u in map(moved.unit, extracted.units) if u.end > u.start)
    return Extracted(text, title, tuple(map(moved.page, extracted.pages)), units)
