"""Dates as documents write them, normalised to ISO: "March 3, 2024", "3 Mar. 2024", "2024-03-03",
"2024/3/3", "2024年5月8日", "二〇二四年五月", "發布日期：2023年9月" -> "2024-03-03", "2024-05", ...

>>> [iso_date(t) for t in ("CHENGDU, March 3, 2024 —", "Published: 2025-06-01", "2024年5月8日", "2023年9月")]
['2024-03-03', '2025-06-01', '2024-05-08', '2023-09']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_CN_DIGITS = "〇零一二三四五六七八九"
_CN_NUMBER = f"[{_CN_DIGITS}十]"
_CN_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}

_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b{_YEAR}[-/.](?P<mnum>\d{{1,2}})[-/.](?P<day>\d{{1,2}})\b",
    rf"{_YEAR}\s*年\s*(?P<mnum>\d{{1,2}})\s*月(?:\s*(?P<day>\d{{1,2}})\s*[日号])?",
    rf"(?P<cnyear>[{_CN_DIGITS}]{{4}})年(?P<cnmonth>{_CN_NUMBER}{{1,2}})月(?:(?P<cnday>{_CN_NUMBER}{{1,3}})日)?",
    rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b",
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}\b",
    rf"\b{_MONTH},?\s+{_YEAR}\b",
    rf"\b{_YEAR}[-/.](?P<mnum>\d{{1,2}})\b(?![-/.]\d)",
)]


@dataclass(frozen=True)
class FoundDate:
    """A date in a text: where it is and its ISO form (day or month precision)."""

    start: int
    end: int
    iso: str


def find_dates(text: str) -> list[FoundDate]:
    """Every date in ``text`` with a year and a month, in text order, overlaps resolved to the longest."""
    found: list[FoundDate] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            iso = _iso(match)
            if iso and not any(f.start <= match.start() < f.end or match.start() <= f.start < match.end()
                               for f in found):
                found.append(FoundDate(match.start(), match.end(), iso))
    return sorted(found, key=lambda f: f.start)


def iso_date(text: str) -> str | None:
    """The first date in ``text`` in ISO form, or None."""
    dates = find_dates(text)
    return dates[0].iso if dates else None


def _iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month: int | None
    if groups.get("cnyear"):
        year = int("".join(str(_CN_VALUE[c]) for c in groups["cnyear"]))
        month, day = _cn_number(groups["cnmonth"]), _cn_number(groups.get("cnday"))
    else:
        year = int(groups["year"])
        month = MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["mnum"])
        day = int(groups["day"]) if groups.get("day") else None
    if month is None or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def _cn_number(text: str | None) -> int | None:
    """一 .. 三十一 as a number ("十二" 12, "二十" 20, "〇" 0)."""
    if not text:
        return None
    if "十" not in text:
        return int("".join(str(_CN_VALUE[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_CN_VALUE[tens] if tens else 1) * 10 + (_CN_VALUE[ones] if ones else 0)
