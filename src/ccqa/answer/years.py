"""Which year a sentence's figure is about: (a table row) the year of its row, columns or
caption; else the years the sentence names (a year it compares with, "higher than in 2021", is
not its own); else "last year", "去年" counted from the document's date;
else the last year named before it in its paragraph, else in the two paragraphs before it
under the same heading; else the year of the document's stated date, else its catalog date.
Pure functions of text and structure.

>>> sorted(years_in("Freight rose from 1,580 in 2019 to 2,030 in 2021年; 2,030 tonnes"))
['2019', '2021']
"""

from __future__ import annotations

import re
from functools import lru_cache

from ccqa.data import Document, Passage
from ccqa.ingest.context import table_view

YEAR = re.compile(r"(?<![\d,.])(?:19[5-9]\d|20[0-5]\d)(?![\d,.]?\d)")
_RANGE = re.compile(r"(?<![\d,.])((?:19|20)\d\d)\s*[-–—~至到]\s*((?:19|20)\d\d)(?![\d,.]?\d)")


def years_in(text: str) -> set[str]:
    """The years ``text`` names (a range "2019-2022" names every year in it)."""
    return set(_years_in(text))


@lru_cache(maxsize=32768)
def _years_in(text: str) -> frozenset[str]:
    """(Remembered: answering reads the same passages' sentences again and again.)"""
    found = set(YEAR.findall(text))
    for first, last in _RANGE.findall(text):
        if 0 < int(last) - int(first) <= 30:
            found |= {str(y) for y in range(int(first), int(last) + 1)}
    return frozenset(found)


def sentence_years(document: Document, passage: Passage, index: int) -> set[str]:
    """The years sentence ``index`` of ``passage`` is about, by the rules of the module."""
    view = table_view(document, passage.unit)
    if view is not None and (found := _row_years(view.cells, view.header, view.caption)):
        return found
    dated = document.stated_date
    texts = passage.sentence_texts()
    if found := (years_in(texts[index]) - compared_years(texts[index])) or set(_relative_years(texts[index], dated)):
        return found  # a year the sentence writes out wins over "this year" ("released this year: GDP in 2021")
    for earlier in reversed(texts[:index]):
        if found := years_in(earlier) | _relative_years(earlier, dated):
            return {max(found)}
    for earlier in _units_before(document, passage):
        if found := years_in(earlier) | _relative_years(earlier, dated):
            return {max(found)}
    return {dated[:4]} if dated else set()


_COMPARED = re.compile(r"\b(?:than|compared (?:with|to)|against|versus|vs\.?)\s+(?:(?:in|that of|at the end of|the same "
                       r"period (?:of|in))\s+)?((?:19|20)\d\d)\b|[比较]\s*((?:19|20)\d\d)\s*年")


def compared_years(text: str) -> set[str]:
    """Years a sentence compares with, not its own ("0.3 points higher than in 2021").

    >>> sorted(compared_years("The share was 38.5 percent, higher than in 2021 and 2019."))
    ['2021']
    """
    return {a or b for a, b in _COMPARED.findall(text)}


_LAST_YEAR = re.compile(r"\blast year\b|\bthe previous year\b|\ba year earlier\b|去年|上年")
_THIS_YEAR = re.compile(r"\bthis year\b|今年|本年")
LOOKBACK_UNITS = 2


@lru_cache(maxsize=32768)
def _relative_years(text: str, dated: str | None) -> frozenset[str]:
    """"last year" and "this year", counted from the document's date."""
    if not dated or not dated[:4].isdigit():
        return frozenset()
    year = int(dated[:4])
    found = set()
    if _LAST_YEAR.search(text):
        found.add(str(year - 1))
    if _THIS_YEAR.search(text):
        found.add(str(year))
    return frozenset(found)


_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_FULL_DATE = re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b|"
                        rf"\b\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d\d\b|"
                        r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\b(?:19|20)\d\d-\d\d-\d\d\b", re.IGNORECASE)


# a running total's start, not the year the figure is for: "more than 18,000 trips since 2011"
_SINCE = re.compile(r"\bsince\b[^.;,]{0,60}?\b(?:19|20)\d\d\b|\bfrom\s+(?:19|20)\d\d\b(?!\s*(?:to|-|–|until)\b)|"
                    r"(?:自|从)[^，。]{0,20}?(?:19|20)\d\d\s*年[^，。]{0,10}?以来", re.IGNORECASE)


def figure_year(document: Document, passage: Passage, first: int, last: int) -> tuple[str | None, bool]:
    """The year a figure in sentences ``first``..``last`` of ``passage`` is shown with, and
    whether it is only the document's date (shown as "reported in 2022").

    Its own words: a table row's year column or header, the years its sentences write out
    ("in 2021", "2021年"; not a year compared with, not the year of a day, "on November 14,
    2020", which dates an event, nor the start of a running total, "since 2011"), else "last year" / "去年" counted from the
    document's date; else the document's date, as a report's year.
    """
    view = table_view(document, passage.unit)
    if view is not None and (found := _row_years(view.cells, view.header, view.caption)):
        return max(found), False
    dated = document.stated_date
    texts = passage.sentence_texts()[first : last + 1]
    own: set[str] = set()
    for text in texts:
        own |= years_in(_SINCE.sub(" ", _FULL_DATE.sub(" ", text))) - compared_years(text)
    if own:
        return max(own), False
    relative: set[str] = set()
    for text in texts:
        relative |= _relative_years(text, dated)
    if relative:
        return max(relative), False
    return (dated[:4], True) if dated and dated[:4].isdigit() else (None, False)


def _units_before(document: Document, passage: Passage) -> list[str]:
    """The texts of the paragraphs just before the passage's, under the same heading, nearest first."""
    units = document.structure.units
    if passage.unit is None or passage.unit >= len(units):
        return []
    parent = units[passage.unit].parent
    out: list[str] = []
    for index in range(passage.unit - 1, -1, -1):
        unit = units[index]
        if unit.kind in ("heading", "title") or unit.parent != parent or len(out) == LOOKBACK_UNITS:
            break
        if unit.kind in ("paragraph", "list_item"):
            out.append(document.text[unit.start : unit.end])
    return out


def _row_years(cells: tuple[str, ...], header: tuple[str, ...], caption: str | None) -> set[str]:
    """A row's year: a cell that is a year ("2021", "2021年"); else the columns' years when the
    header names them; else the caption's year when it names one."""
    for cell in cells:
        if re.fullmatch(r"\s*(?:19|20)\d\d\s*年?(?:末|底)?\s*", cell):
            return set(YEAR.findall(cell))
    header_years = {y for h in header for y in YEAR.findall(h)}
    if header_years:
        return header_years
    caption_years = years_in(caption or "")
    return {max(caption_years)} if caption_years else set()
