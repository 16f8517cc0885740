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
from dataclasses import dataclass, replace

from ccqa.data import Span
from ccqa.data.documents import Structure, Table, Unit
from ccqa.ingest.dates import find_dates, iso_date

FINAL = tuple(".!?。！？…；;\"'”’」』")  # a line ending so ends a sentence (or a quotation)
_NOT_FINAL = (" Ltd.", " Inc.", " Co.", " Corp.", " Bhd.", " LLC.")
MAX_HEADING_CHARS = 90  # a longer line without final punctuation is prose cut short, not a heading
MAX_CJK_HEADING_CHARS = 40
MAX_LINE_CHARS = 120  # boilerplate lines (navigation, footers) are short
MAX_CAPTION_CHARS = 160
MAX_DATELINE_CHARS = 60  # "Statistics Office, 12 March 2024": an issuer and a date
DATELINE_REACH = 8  # the first lines of a document where a dateline or published date stands
BODY_STARTS = ("paragraph", "list_item", "table_row")

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)+\|?\s*$")
_BULLET = re.compile(r"^(\s*)([-*+•·●▪◦]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s*|（\d{1,2}）|\d{1,2}、|[a-z][.)]\s+)(?=\S)")
_NUMBERED_HEADING = re.compile(r"^(?:(?P<cn1>[一二三四五六七八九十]+、)|(?P<cn2>[（(][一二三四五六七八九十]+[)）])|"
                               r"(?P<roman>[IVX]{1,4}\.\s)|(?P<multi>\d{1,2}(?:\.\d{1,2})+\.?\s)|(?P<num>\d{1,2}\.\s)|"
                               r"(?P<chapter>第[一二三四五六七八九十]+[章节部分])|(?P<cn3>\d{1,2}、))")
_CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.|表|附表)\s*[0-9一二三四五六七八九十]+", re.IGNORECASE)
_UNIT_NOTE = re.compile(r"^(?:Unit|Units|单位|單位|计量单位)\s*[:：]", re.IGNORECASE)
_DATELINE_CUE = re.compile(r"(published|release date|released|updated|date|posted|发布|發布|日期|时间|時間|来源|來源|"
                           r"xinhua|新华|新華|\||·)", re.IGNORECASE)
_PLACE_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
                             r"\s*(?:\([A-Za-z ]{2,20}\))?\s*(?:—|–|--)\s*(?=\S)")
_CN_DATELINE = re.compile(r"^(?:新华社|新華社|中新社|本报|本報|央视网|人民网)[^\s，。]{0,12}?\d{1,2}月\d{1,2}日[电電](?:（[^）]*）)?\s*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NAV = re.compile(r"(?:\s[|｜>»›/]\s.*){2,}")  # "Home | News | About us | Contact"
_ALIGNED_SPLIT = re.compile(r"\S+(?: \S+)*")  # cells: runs of words set apart by two or more spaces


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped
    indent: int


def structure_of(text: str) -> Structure:
    """The structure of a plain-text or Markdown document, every unit with exact offsets."""
    units, tables = number_tables(text, _units_of(text, _lines(text)))
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
        if unit.kind == "paragraph" and _is_caption(piece):
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


# --- lines ------------------------------------------------------------------------------------

def _lines(text: str) -> list[_Line | None]:
    """Each line stripped, with its offsets; None for a blank line."""
    out: list[_Line | None] = []
    position = 0
    for raw in text.split("\n"):
        body = raw.rstrip("\r")
        stripped = body.strip()
        if stripped:
            start = position + (len(body) - len(body.lstrip()))
            out.append(_Line(start, start + len(stripped), stripped, len(body) - len(body.lstrip())))
        else:
            out.append(None)
        position += len(raw) + 1
    return out


def _ends_sentence(text: str) -> bool:
    """Does the line end a sentence? Not when it ends with a company suffix ("Co., Ltd.")."""
    return text.endswith(FINAL) and not text.endswith(_NOT_FINAL)


def _short(text: str) -> bool:
    return len(text) <= (MAX_CJK_HEADING_CHARS if _CJK.search(text) else MAX_HEADING_CHARS)


def _wrap_width(lines: Sequence[_Line | None]) -> int | None:
    """The width a hard-wrapped text is wrapped at, or None when lines are paragraphs."""
    lengths = sorted(len(line.text) for line in lines
                     if line is not None and "|" not in line.text and len(_aligned_cells(line)) < 3)
    if len(lengths) < 6:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    near = sum(1 for n in lengths if 0.75 * width <= n <= width)
    return width if 40 <= width <= 110 and near >= 0.25 * len(lengths) else None


# --- units --------------------------------------------------------------------------------------

def _units_of(text: str, lines: list[_Line | None]) -> list[Unit]:
    units: list[Unit] = []
    width = _wrap_width(lines)
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
        if table := _table_at(lines, i):
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
        if follows is not None and _SETEXT.match(follows.text) and not _BULLET.match(line.text) and _short(line.text):
            level = 1 if follows.text.startswith("=") else 2
            units.append(Unit("title" if not units else "heading", line.start, line.end, level))
            i += 2
            continue
        if not body_started:
            titles = sum(u.kind == "title" for u in units)
            opening = _opening_kind(line.text, title_allowed=titles < 3 and not any(u.kind == "dateline" for u in units))
            if opening is not None:
                units.append(Unit(opening, line.start, line.end, 1))
                i += 1
                continue
        if _is_caption(line.text):
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


def _opening_kind(text: str, title_allowed: bool) -> str | None:
    """What a line before the body is: the dateline, a navigation line, the title (or its
    continuation, a series line; up to three lines, above the dateline), or None when the
    body starts with it."""
    if _is_dateline(text):
        return "dateline"
    if _NAV.search(text) and len(text) <= MAX_LINE_CHARS:
        return "line"
    if title_allowed and _short(text) and not _ends_sentence(text) and not _BULLET.match(text) and \
            not _NUMBERED_HEADING.match(text + " ") and not _CAPTION.match(text):
        return "title"
    return None


def _extend(lines: list[_Line | None], i: int, width: int | None, item: bool) -> tuple[int, int]:
    """The end offset of the unit starting at line ``i`` and the next line's index: a line
    cut short by hard wrapping continues on the next (and a list item on its indented lines)."""
    end = lines[i].end  # type: ignore[union-attr]
    first_indent = lines[i].indent  # type: ignore[union-attr]
    i += 1
    while i < len(lines) and (line := lines[i]) is not None:
        previous = lines[i - 1]
        assert previous is not None
        if _BULLET.match(line.text) or _ATX.match(line.text) or _CAPTION.match(line.text) or "|" in line.text or \
                _NUMBERED_HEADING.match(line.text + " ") and _short(line.text) and not _ends_sentence(line.text):
            break
        wrapped = width is not None and not _ends_sentence(previous.text) and len(previous.text) >= 0.6 * width
        continues = not _ends_sentence(previous.text) and line.text[:1].islower()
        indented = item and line.indent > first_indent
        if not (wrapped or continues or indented):
            break
        end = line.end
        i += 1
    return end, i


def _heading_level(line: _Line, nxt: _Line | None, styles: list[str]) -> int | None:
    """The depth of a heading line, or None for a line that is not one: short, no final
    punctuation, not introducing a list, and followed by text (or numbered like one)."""
    text = line.text
    if not _short(text) or _ends_sentence(text) or text.endswith((":", "：", ",", "，", "、")):
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


def _is_caption(text: str) -> bool:
    """"Table 2. Freight by year" or "Unit: 10,000 tonnes" (not a sentence that mentions a table)."""
    if len(text) > MAX_CAPTION_CHARS:
        return False
    return bool(_CAPTION.match(text)) and not _ends_sentence(text) or bool(_UNIT_NOTE.match(text))


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
    return len(text) <= MAX_LINE_CHARS and not _ends_sentence(text)


def _is_line_run(lines: list[_Line | None], i: int, width: int | None) -> bool:
    """Two or more short lines without final punctuation: navigation, a footer, an address
    (not the lines of a hard-wrapped paragraph, which reach the wrapping width)."""
    first, second = lines[i], lines[i + 1] if i + 1 < len(lines) else None
    if first is None or second is None or (width is not None and len(first.text) >= 0.6 * width):
        return False
    return _is_boilerplate(first.text) and _is_boilerplate(second.text) and not _BULLET.match(second.text)


# --- tables -------------------------------------------------------------------------------------

def _table_at(lines: list[_Line | None], i: int) -> tuple[int, list[Unit]] | None:
    """A Markdown pipe table or an aligned-column table starting at line ``i``: how many lines
    it takes and its header and row units (cells with exact offsets). ``table`` numbers are
    filled in by ``structure_of``'s caller through ``_number_tables``."""
    line = lines[i]
    assert line is not None
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if "|" in line.text and nxt is not None and _PIPE_RULE.match(nxt.text):
        units = [Unit("table_header", line.start, line.end, cells=_pipe_cells(line))]
        j = i + 2
        while j < len(lines) and (row := lines[j]) is not None and "|" in row.text and _PIPE_ROW.match(row.text):
            units.append(Unit("table_row", row.start, row.end, cells=_pipe_cells(row)))
            j += 1
        return j - i, units
    columns = _aligned_cells(line)
    if len(columns) < 2:
        return None
    rows = []
    j = i + 1
    while j < len(lines) and (row := lines[j]) is not None:
        cells = _aligned_cells(row)
        if len(cells) != len(columns) or not re.search(r"[\d—–-]", row.text):
            break
        rows.append(Unit("table_row", row.start, row.end, cells=cells))
        j += 1
    if len(rows) < 1:
        return None
    return j - i, [Unit("table_header", line.start, line.end, cells=columns), *rows]


def _pipe_cells(line: _Line) -> tuple[Span, ...]:
    cells, text = [], line.text
    inner_start = 1 if text.startswith("|") else 0
    inner_end = len(text) - 1 if text.endswith("|") and len(text) > 1 else len(text)
    position = inner_start
    for piece in text[inner_start:inner_end].split("|"):
        left = len(piece) - len(piece.lstrip())
        cells.append(Span(line.start + position + left, line.start + position + len(piece.rstrip())))
        position += len(piece) + 1
    return tuple(c if c.end > c.start else Span(c.start, c.start) for c in cells)


def _aligned_cells(line: _Line) -> tuple[Span, ...]:
    """Cells of a line whose columns are set apart by two or more spaces (or a tab)."""
    if "  " not in line.text and "\t" not in line.text:
        return ()
    return tuple(Span(line.start + m.start(), line.start + m.end()) for m in _ALIGNED_SPLIT.finditer(line.text))


def number_tables(text: str, units: list[Unit]) -> tuple[list[Unit], list[Table]]:
    """Give each table's header and rows its table number, with the caption and unit line
    written just above it (or just below, as some releases do)."""
    tables: list[Table] = []
    out: list[Unit] = []
    for index, unit in enumerate(units):
        if unit.kind == "table_header":
            above = out[-3:]
            captions = [u for u in above if u.kind == "caption"]
            note = next((u for u in captions if _UNIT_NOTE.match(text[u.start:u.end])), None)
            caption = next((u for u in reversed(captions) if u is not note), None) or next(
                (u for u in reversed(above) if u.kind == "heading" and _CAPTION.match(text[u.start:u.end].lstrip("# "))),
                None)
            if note is None and index + 1 < len(units):
                after = [u for u in units[index + 1:index + 12] if u.kind != "table_row"][:1]
                note = next((u for u in after if u.kind == "caption" and _UNIT_NOTE.match(text[u.start:u.end])), None)
            tables.append(Table(Span(caption.start, caption.end) if caption else None,
                                Span(note.start, note.end) if note else None, unit.cells))
        if unit.kind in ("table_header", "table_row"):
            unit = replace(unit, table=len(tables) - 1)
        out.append(unit)
    return out, tables
