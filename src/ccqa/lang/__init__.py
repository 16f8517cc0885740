"""The language seam: which language a text is in, and that language's rules.

Each language is one module (``english.py``, ``chinese.py``) with a ``LANGUAGE`` record
(``base.Language``); a new language is a module plus one line in ``LANGUAGES``. Terms for
search and term statistics (``ccqa.lang.terms``) read each script run of a text with its
language's rules, so mixed text ("成渝 GDP 2021") is analysed as a reader would.

>>> detect_language("成渝地区双城经济圈2021年GDP是多少？"), detect_language("What was the GDP?")
('zh', 'en')
"""

from __future__ import annotations

import re

from ccqa.lang import chinese, english
from ccqa.lang.base import Language

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "detect_language", "language", "split_sentences",
           "stripped_span"]

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (english.LANGUAGE, chinese.LANGUAGE)}
DEFAULT_LANGUAGE = "en"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CJK_SENTENCE_END = re.compile(r"[。！？]+[”’」』）)\"']*")
# A CJK character carries about as much as three Latin letters (a short English word), so a
# text is Chinese when its characters outweigh its Latin letters by that measure.
LATIN_LETTERS_PER_CJK = 3


def detect_language(text: str) -> str:
    """``zh`` when CJK characters carry most of ``text``, else ``en`` (the default)."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return DEFAULT_LANGUAGE
    return "zh" if LATIN_LETTERS_PER_CJK * cjk >= len(_LATIN_LETTER.findall(text)) else DEFAULT_LANGUAGE


def language(code: str | None) -> Language:
    """The rules of ``code``; unknown or missing codes get the default language's."""
    return LANGUAGES.get(code or DEFAULT_LANGUAGE, LANGUAGES[DEFAULT_LANGUAGE])


def split_sentences(text: str, lang: str = DEFAULT_LANGUAGE) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` by its language's rules, stripped of surrounding space.

    Quoted Chinese ends at 。！？ in any language, so those are cuts for every text."""
    spans: list[tuple[int, int]] = []
    for start, end in language(lang).sentence_spans(text):
        piece_start = start
        for match in _CJK_SENTENCE_END.finditer(text, start, end):
            if match.end() < end:
                spans.append((piece_start, match.end()))
                piece_start = match.end()
        spans.append((piece_start, end))
    return [stripped_span(text, s, e) for s, e in spans if text[s:e].strip()]


def stripped_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` narrowed past the whitespace at either end of ``text[start:end]``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
