"""A PDF's lines put back into what its author wrote: paragraphs (lines joined, English with a
space and its line-end hyphens undone, Chinese and Japanese without a space), headings from
their font size and weight, list items, and tables, each a unit with exact offsets, with every
page's range in the text.

Lines of one paragraph follow each other at the usual line pitch, in one font size, the line
above filled to the column's right edge (the first word of the next line would not have fitted).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ccqa.data import Page, Span
from ccqa.data.documents import Unit
from ccqa.ingest.formats.pdf_lines import CJK, Line

MIN_JOIN_WIDTH = 150.0  # points: lines of a narrower column are kept as they are (a list, a form)
HEADING_SIZE = 1.15  # a line this much larger than the body text is a heading
_BULLET = re.compile(r"^(?:[-•·●▪◦*]\s|\d{1,2}[.)]\s|\(\d{1,2}\)|（\d{1,2}）|\d{1,2}、|[一二三四五六七八九十]+、|[a-z][.)]\s)")
_SENTENCE_END = re.compile(r"[.!?。！？；;:：]['\"”’）)]?$")
_HYPHENATED = re.compile(r"([A-Za-z]+)-$")


@dataclass(frozen=True)
class TableBlock:
    """A table found on a page: its position and its rows of cell texts."""

    page: int
    top: float
    x0: float
    x1: float
    rows: tuple[tuple[str, ...], ...]


Item = Line | TableBlock


@dataclass(frozen=True)
class Laid:
    """The document's text, its units and its pages' ranges."""

    text: str
    units: tuple[Unit, ...]
    pages: tuple[Page, ...]


def lay_out(items: Sequence[Item]) -> Laid:
    """Paragraphs, headings, list items and tables of ``items`` (lines and tables in reading
    order, running headers and footers already left out)."""
    lines = [i for i in items if isinstance(i, Line)]
    body = _body_size(lines)
    pitch = _pitch(lines)
    vocabulary = Counter(w.lower() for line in lines for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", line.text))
    blocks: list[list[Line] | TableBlock] = []
    for item in items:
        if isinstance(item, TableBlock):
            blocks.append(item)
            continue
        last = blocks[-1] if blocks else None
        if isinstance(last, list) and _continues(last[-1], item, body, pitch):
            last.append(item)
        else:
            blocks.append([item])
    writer = _Writer(vocabulary)
    heading_sizes = sorted({b[0].size for b in blocks if isinstance(b, list) and b[0].size >= HEADING_SIZE * body},
                           reverse=True)
    previous_table: TableBlock | None = None
    for block in blocks:
        if isinstance(block, TableBlock):
            writer.table(block, continued=previous_table is not None and _continues_table(previous_table, block))
            previous_table = block
            continue
        previous_table = None
        kind, level = _kind(block, body, heading_sizes, first=not writer.units)
        writer.block(kind, level, block)
    return Laid(writer.text, tuple(writer.units), writer.pages())


def with_aligned_tables(items: Sequence[Item]) -> list[Item]:
    """Runs of two or more printed rows cut into as many pieces by wide gaps (aligned columns
    without rules), one with a figure at least, as tables; their first row is the header."""
    out: list[Item] = []
    rows: list[list[Line]] = []

    def flush() -> None:
        if len(rows) >= 2 and any(re.search(r"\d", x.text) for row in rows[1:] for x in row):
            out.append(TableBlock(rows[0][0].page, rows[0][0].top, min(x.x0 for x in rows[0]),
                                  max(x.x1 for x in rows[0]), tuple(tuple(x.text for x in row) for row in rows)))
        else:
            out.extend(x for row in rows for x in row)
        rows.clear()

    for item in items:
        if isinstance(item, Line) and item.pieces > 1:
            if rows and rows[-1][0].page == item.page and abs(rows[-1][0].top - item.top) < 0.5 * item.size:
                rows[-1].append(item)
                continue
            if rows and len(rows[-1]) != rows[-1][0].pieces or rows and rows[0][0].pieces != item.pieces:
                flush()
            rows.append([item])
            continue
        flush()
        out.append(item)
    flush()
    return out


def _body_size(lines: Sequence[Line]) -> float:
    sizes = Counter[float]()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _pitch(lines: Sequence[Line]) -> dict[float, float]:
    """The usual distance from one line's top to the next one's, per font size."""
    gaps: dict[float, list[float]] = {}
    for a, b in itertools.pairwise(lines):
        if a.page == b.page and a.size == b.size and a.column == b.column and 0 < b.top - a.top < 3 * a.size:
            gaps.setdefault(a.size, []).append(b.top - a.top)
    return {size: sorted(found)[len(found) // 4] for size, found in gaps.items()}  # most gaps are within paragraphs


def _continues(a: Line, b: Line, body: float, pitch: dict[float, float]) -> bool:
    """Whether line ``b`` carries on the paragraph that line ``a`` is in."""
    if a.pieces > 1 or b.pieces > 1 or abs(a.size - b.size) > 0.1 * a.size or a.bold != b.bold:
        return False
    if a.column[1] - a.column[0] < MIN_JOIN_WIDTH or _BULLET.match(b.text):
        return False
    if b.page == a.page:
        usual = pitch.get(a.size, 1.5 * a.size)
        if not 0 < b.top - a.top <= 1.25 * usual:
            return False
    elif b.page != a.page + 1 or _SENTENCE_END.search(a.text):
        return False
    if a.x1 + b.first_word + 2.5 * a.size < a.column[1]:  # the next word would have fitted: a ended
        return False
    indented = b.x0 > b.column[0] + 0.9 * b.size and a.x0 <= a.column[0] + 0.5 * a.size
    return not indented


def _kind(block: list[Line], body: float, heading_sizes: list[float], first: bool) -> tuple[str, int]:
    size = block[0].size
    text = " ".join(line.text for line in block)
    if size in heading_sizes and len(text) <= 200:
        rank = heading_sizes.index(size)
        return ("title", 1) if first and rank == 0 else ("heading", rank + 2)
    if all(line.bold for line in block) and len(block) <= 2 and len(text) <= 120 and not _SENTENCE_END.search(text):
        return "heading", len(heading_sizes) + 2
    if _BULLET.match(block[0].text):
        return "list_item", 0
    return "paragraph", 0


def _continues_table(a: TableBlock, b: TableBlock) -> bool:
    """A table at the top of the next page with as many columns carries on the one before."""
    return b.page == a.page + 1 and len(a.rows[0]) == len(b.rows[0])


class _Writer:
    """The text put together block by block, a blank line between blocks, with each page's range."""

    SEPARATOR = "\n\n"

    def __init__(self, vocabulary: Counter[str]) -> None:
        self.text = ""
        self.units: list[Unit] = []
        self._ranges: dict[int, list[int]] = {}
        self._vocabulary = vocabulary
        self._header: tuple[str, ...] = ()

    def _start(self) -> int:
        if self.text:
            self.text += self.SEPARATOR
        return len(self.text)

    def _note(self, page: int, start: int, end: int) -> None:
        found = self._ranges.setdefault(page, [start, end])
        found[0], found[1] = min(found[0], start), max(found[1], end)

    def block(self, kind: str, level: int, lines: list[Line]) -> None:
        start = self._start()
        for index, line in enumerate(lines):
            piece = line.text
            if index:
                joined = self._joined(self.text, piece)
                self.text, piece = joined[0], joined[1]
            at = len(self.text)
            self.text += piece
            self._note(line.page, at, len(self.text))
        self.units.append(Unit(kind, start, len(self.text), level))

    def _joined(self, text: str, piece: str) -> tuple[str, str]:
        """The text so far and the next line, with what stands between them: nothing (CJK, or a
        hyphen undone), or a space."""
        if (match := _HYPHENATED.search(text[-40:])) and piece[:1].islower():
            head = match.group(1)
            tail = re.match(r"[A-Za-z]+", piece)
            word = head + (tail.group(0) if tail else "")
            compound = f"{head}-{tail.group(0) if tail else ''}".lower()
            if not self._vocabulary[compound] or self._vocabulary[word.lower()]:
                return text[:-1], piece  # "devel-/opment": unless "long-term" stands whole elsewhere
            return text, piece
        if text.endswith(("-", "/", "—")) or CJK.match(text[-1:]) and CJK.match(piece[:1]):
            return text, piece
        if CJK.match(text[-1:]) and piece[:1].isascii() and piece[:1].isalnum() or \
                CJK.match(piece[:1]) and text[-1:].isascii() and text[-1:].isalnum():
            return text, piece  # "2024年" broken after the figure: Chinese lines carry no spaces
        return text + " ", piece

    def table(self, table: TableBlock, continued: bool) -> None:
        rows = list(table.rows)
        if continued and rows and rows[0] == self._header:
            rows = rows[1:]  # the header row repeated on the next page
        for number, row in enumerate(rows):
            kind = "table_header" if number == 0 and not continued else "table_row"
            if kind == "table_header":
                self._header = row
            self._row(kind, row, table.page)

    def _row(self, kind: str, cells: tuple[str, ...], page: int) -> None:
        filled = [i for i, c in enumerate(cells) if c]
        if not filled:
            return
        start = self._start()
        spans = []
        for i, cell in enumerate(cells[: filled[-1] + 1]):
            if i:
                self.text += " | "
            spans.append(Span(len(self.text), len(self.text) + len(cell)))
            self.text += cell
        spans += [Span(len(self.text), len(self.text))] * (len(cells) - filled[-1] - 1)
        self._note(page, start, len(self.text))
        self.units.append(Unit(kind, start, len(self.text), cells=tuple(spans)))

    def pages(self) -> tuple[Page, ...]:
        return tuple(Page(number, start, end) for number, (start, end) in sorted(self._ranges.items()))
