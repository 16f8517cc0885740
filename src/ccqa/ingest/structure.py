"""A document's structure read from its text: title, dateline, headings, paragraphs, list items,
tables (Markdown pipes or aligned columns), and the date it states. Pure logic, line by line.

Readers of marked-up formats (HTML, Word, PDF tables) know their units already and pass them to
``completed``, which links every unit to its heading and lead-in and finds the date, as here.

>>> s = structure_of("Rail freight grows\\nCHENGDU, March 3, 2024 — Trains ran 4,800 trips.\\n")
>>> [u.kind for u in s.units], s.date
(['title', 'dateline', 'paragraph'], '2024-03-03')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ccqa.data.documents import Structure, Table, Unit
from ccqa.ingest.dates import find_dates, iso_date
from ccqa.ingest.lines import (
    Line,
    ends_sentence,
    is_short,
    read_lines,
    wrap_width,
)
from ccqa.ingest.tables import CAPTION, is_caption, number_tables, table_at

MAX_LINE_CHARS = 120  # boilerplate lines (navigation, footers) are short
MAX_DATELINE_CHARS = 60  # "Statistics Office, 12 March 2024": an issuer and a date
DATELINE_REACH = 8  # the first lines of a document where a dateline or published date stands
BODY_STARTS = ("paragraph", "list_item", "table_row")

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)([-*+•·●▪◦]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s*|（\d{1,2}）|\d{1,2}、|[a-z][.)]\s+)(?=\S)")
_NUMBERED_HEADING = re.compile(r"^(?:(?P<cn1>[一二三四五六七八九十]+、)|(?P<cn2>[（(][一二三四五六七八九十]+[)）])|"
                               r"(?P<roman>[IVX]{1,4}\.\s)|(?P<multi>\d{1,2}(?:\.\d{1,2})+\.?\s)|(?P<num>\d{1,2}\.\s)|"
                               r"(?P<chapter>第[一二三四五六七八九十]+[章节部分])|(?P<cn3>\d{1,2}、))")
_DATELINE_CUE = re.compile(r"(published|release date|released|updated|date|posted|发布|發布|日期|时间|時間|来源|來源|"
                           r"xinhua|新华|新華|\||·)", re.IGNORECASE)
_PLACE_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
                             r"\s*(?:\([A-Za-z ]{2,20}\))?\s*(?:—|–|--)\s*(?=\S)")
_CN_DATELINE = re.compile(r"^(?:新华社|新華社|中新社|本报|本報|央视网|人民网)[^\s，。]{0,12}?\d{1,2}月\d{1,2}日[电電](?:（[^）]*）)?\s*")
_NAV = re.compile(r"(?:\s[|｜>»›/]\s.*){2,}")  # "Home | News | About us | Contact"


def structure_of(text: str) -> Structure:
    """The structure of a plain-text or Markdown document, every unit with exact offsets."""
    units, tables = number_tables(text, _units_of(text, read_lines(text)))
    return completed(text, units, tables)


def structure_from_markup(text: str, units: Sequence[Unit]) -> Structure:
    """The structure of a document whose reader took its units from markup (HTML, Word):
    the opening paragraphs read for their datelines as in plain text, tables numbered."""
    numbered, tables = number_tables(text, _with_datelines(text, list(units)))
    return completed(text, numbered, tables)


def _with_datelines(text: str, units: list[Unit]) -> list[Unit]:
    """Short paragraphs before the body that give a date become datelines; a dateline opening
    the first paragraph ("CHENGDU, March 3, 2024 — ...") becomes a unit of its own; "Table 2. ..."
    and "Unit: ..." paragraphs are captions."""
    out: list[Unit] = []
    for index, unit in enumerate(units):
        body_started = any(u.kind in BODY_STARTS for u in out)
        piece = text[unit.start:unit.end]
        if unit.kind == "paragraph" and is_caption(piece):
            out.append(replace(unit, kind="caption"))
            continue
        if not body_started and unit.kind == "paragraph" and index < DATELINE_REACH:
            if _is_dateline(piece):
                out.append(replace(unit, kind="dateline"))
                continue
            if prefix := _dateline_prefix(piece):
                start = unit.start + prefix
                out.append(Unit("dateline", unit.start, start))
                while start < unit.end and text[start].isspace():
                    start += 1
                out.append(replace(unit, start=start))
                continue
        out.append(unit)
    return out


def completed(text: str, units: Sequence[Unit], tables: Sequence[Table]) -> Structure:
    """Units in text order, each linked to its heading (``parent``) and, for a list item, its
    lead-in; a table row to its table; and the date the document states in its first lines."""
    linked: list[Unit] = []
    open_headings: list[int] = []  # indices of the headings above, outermost first
    lead_in: int | None = None
    for unit in sorted(units, key=lambda u: u.start):
        if unit.kind in ("title", "heading"):
            while open_headings and linked[open_headings[-1]].level >= unit.level:
                open_headings.pop()
        parent = open_headings[-1] if open_headings else None
        if unit.kind == "list_item":
            unit = replace(unit, parent=parent, lead_in=lead_in)
        else:
            unit = replace(unit, parent=parent)
            if unit.kind == "paragraph":
                lead_in = len(linked) if text[unit.start:unit.end].rstrip().endswith((":", "：")) else None
            elif unit.kind not in ("dateline",):
                lead_in = None
        if unit.kind in ("title", "heading"):
            open_headings.append(len(linked))
        linked.append(unit)
    return Structure(tuple(linked), tuple(tables), _stated_date(text, linked))


def _stated_date(text: str, units: Sequence[Unit]) -> str | None:
    """The document's date: its dateline's, else a date standing in its first lines."""
    for unit in units[:DATELINE_REACH]:
        if unit.kind == "dateline" and (found := iso_date(text[unit.start:unit.end])):
            return found
    for unit in units[:DATELINE_REACH]:
        if unit.kind in ("title", "line", "heading", "paragraph") and unit.end - unit.start <= MAX_LINE_CHARS:
            dates = find_dates(text[unit.start:unit.end])
            if dates and "-" in dates[0].iso:
                return dates[0].iso
    return None


# --- units --------------------------------------------------------------------------------------

def _units_of(text: str, lines: list[Line | None]) -> list[Unit]:
    units: list[Unit] = []
    width = wrap_width(lines)
    styles: list[str] = []  # numbering styles of headings in order of first use: their depth
    i = 0
    body_started = False
    while i < len(lines):
        line = lines[i]
        if line is None:
            i += 1
            continue
        nxt = next((n for n in lines[i + 1:] if n is not None), None)
        follows = lines[i + 1] if i + 1 < len(lines) else None
        if table := table_at(lines, i):
            consumed, table_units = table
            units += table_units
            i += consumed
            body_started = True
            continue
        if match := _ATX.match(line.text):
            level = len(match.group(1))
            kind = "title" if level == 1 and not any(u.kind == "title" for u in units) else "heading"
            units.append(Unit(kind, line.start, line.end, level))
            i += 1
            continue
        if follows is not None and _SETEXT.match(follows.text) and not _BULLET.match(line.text) and is_short(line.text):
            level = 1 if follows.text.startswith("=") else 2
            units.append(Unit("title" if not units else "heading", line.start, line.end, level))
            i += 2
            continue
        if not body_started:
            titles = sum(u.kind == "title" for u in units)
            opening = _opening_kind(line.text, title_allowed=titles < 3 and not any(u.kind == "dateline" for u in units),
                                    first=not units)
            if opening is not None:
                units.append(Unit(opening, line.start, line.end, 1))
                i += 1
                continue
        if is_caption(line.text):
            units.append(Unit("caption", line.start, line.end))
            i += 1
            continue
        in_list = bool(units) and (units[-1].kind == "list_item" or units[-1].kind == "paragraph" and
                                   text[units[-1].start:units[-1].end].endswith((":", "：")))
        bullet = _BULLET.match(line.text)
        if not (bullet and in_list):
            heading_level = _heading_level(line, nxt, styles)
            if heading_level is not None:
                units.append(Unit("heading", line.start, line.end, heading_level))
                i += 1
                continue
        if bullet:
            end, i = _extend(lines, i, width, item=True)
            units.append(Unit("list_item", line.start, end, level=line.indent // 2))
            body_started = True
            continue
        if _is_line_run(lines, i, width):
            while i < len(lines) and (run_line := lines[i]) is not None and _is_boilerplate(run_line.text):
                units.append(Unit("line", run_line.start, run_line.end))
                i += 1
            continue
        start = line.start
        if not body_started and (prefix := _dateline_prefix(line.text)):
            units.append(Unit("dateline", line.start, line.start + prefix))
            start = line.start + prefix
            while start < line.end and text[start].isspace():
                start += 1
        end, i = _extend(lines, i, width, item=False)
        if start < end:
            units.append(Unit("paragraph", start, end))
        body_started = True
    return units


def _opening_kind(text: str, title_allowed: bool, first: bool = False) -> str | None:
    """What a line before the body is: the dateline, a navigation line, the title (or its
    continuation, a series line; up to three lines, above the dateline; the first line of a
    document may be a long headline), or None when the body starts with it."""
    if _is_dateline(text):
        return "dateline"
    if _NAV.search(text) and len(text) <= MAX_LINE_CHARS:
        return "line"
    fits = is_short(text) or first and len(text) <= MAX_LINE_CHARS
    if title_allowed and fits and not ends_sentence(text) and not _BULLET.match(text) and \
            not _NUMBERED_HEADING.match(text + " ") and not CAPTION.match(text):
        return "title"
    return None


def _extend(lines: list[Line | None], i: int, width: int | None, item: bool) -> tuple[int, int]:
    """The end offset of the unit starting at line ``i`` and the next line's index: a line
    cut short by hard wrapping continues on the next (and a list item on its indented lines)."""
    end = lines[i].end  # type: ignore[union-attr]
    first_indent = lines[i].indent  # type: ignore[union-attr]
    i += 1
    while i < len(lines) and (line := lines[i]) is not None:
        previous = lines[i - 1]
        assert previous is not None
        if _BULLET.match(line.text) or _ATX.match(line.text) or CAPTION.match(line.text) or "|" in line.text or \
                _NUMBERED_HEADING.match(line.text + " ") and is_short(line.text) and not ends_sentence(line.text):
            break
        wrapped = width is not None and not ends_sentence(previous.text) and len(previous.text) >= 0.6 * width
        continues = not ends_sentence(previous.text) and line.text[:1].islower()
        indented = item and line.indent > first_indent
        if not (wrapped or continues or indented):
            break
        end = line.end
        i += 1
    return end, i


def _heading_level(line: Line, nxt: Line | None, styles: list[str]) -> int | None:
    """The depth of a heading line, or None for a line that is not one: short, no final
    punctuation, not introducing a list, and followed by text (or numbered like one)."""
    text = line.text
    if not is_short(text) or ends_sentence(text) or text.endswith((":", "：", ",", "，", "、")):
        return None
    numbered = _NUMBERED_HEADING.match(text + " ")
    if numbered is None and (_BULLET.match(text) or "|" in text):
        return None
    if numbered is None and (nxt is None or _is_boilerplate(text) and nxt is not None and _is_boilerplate(nxt.text)):
        return None
    style = (numbered.lastgroup if numbered else None) or "plain"
    if style not in styles:
        styles.append(style)
    return 2 + styles.index(style)


def _is_dateline(text: str) -> bool:
    """A short line giving the date of publication ("Published: 2025-06-01", "Xinhua | 2024-03-03")."""
    if len(text) > MAX_LINE_CHARS:
        return False
    dates = find_dates(text)
    if not dates:
        return False
    rest = (text[:dates[0].start] + text[dates[0].end:]).strip(" \t|·,:：-—()（）　")
    at_an_end = not text[:dates[0].start].strip() or not text[dates[0].end:].strip(" 　.。")
    return bool(_DATELINE_CUE.search(text)) or len(rest) <= 3 or at_an_end and len(text) <= MAX_DATELINE_CHARS


def _dateline_prefix(text: str) -> int:
    """The length of a dateline opening the first paragraph ("CHENGDU, March 3, 2024 — ")."""
    for pattern in (_PLACE_DATELINE, _CN_DATELINE):
        if match := pattern.match(text):
            return match.end()
    return 0


def _is_boilerplate(text: str) -> bool:
    return len(text) <= MAX_LINE_CHARS and not ends_sentence(text)


def _is_line_run(lines: list[Line | None], i: int, width: int | None) -> bool:
    """Two or more short lines without final punctuation: navigation, a footer, an address
    (not the lines of a hard-wrapped paragraph, which reach the wrapping width)."""
    first, second = lines[i], lines[i + 1] if i + 1 < len(lines) else None
    if first is None or second is None or (width is not None and len(first.text) >= 0.6 * width):
        return False
    return _is_boilerplate(first.text) and _is_boilerplate(second.text) and not _BULLET.match(second.text)


