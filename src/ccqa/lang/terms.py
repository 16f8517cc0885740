"""Terms for lexical matching: one analyser shared by the BM25 index, queries and answer cues.

Latin words are lower-cased, stop words dropped and Snowball-stemmed (``english``); a run of
Chinese text is segmented into words, in simplified characters (``chinese``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ccqa.lang import chinese, english

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, as written (no stemming, stop words kept)."""
    return english.TOKEN.findall(text.lower())


def terms(text: str) -> list[str]:
    """Content terms of ``text``, in order.

    >>> terms("What was the GDP of the economic circle?")
    ['gdp', 'econom', 'circl']
    """
    tokens = words(text)
    if not _CJK.search(text):  # most text: one pass (a build analyses 100k passages)
        return english.stems(tokens)
    out: list[str] = []
    latin: list[str] = []
    for token in tokens:
        if _CJK.search(token):
            out += english.stems(latin) + chinese.token_terms(token)
            latin = []
        else:
            latin.append(token)
    return out + english.stems(latin)


@lru_cache(maxsize=8192)
def term_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """Each term of ``text`` with the offsets of the word it comes from (where the question's
    words stand in a sentence, to find the figure nearest them); remembered, as ``term_set``."""
    out: list[tuple[str, int, int]] = []
    for match in english.TOKEN.finditer(text):
        token = match.group(0).lower()
        if _CJK.search(token):
            out += [(term, match.start() + s, match.start() + e) for term, s, e in chinese.token_term_spans(token)]
        else:
            out += [(term, match.start(), match.end()) for term in english.stems([token])]
    return tuple(out)


@lru_cache(maxsize=8192)
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of ``text``, remembered: answering a question reads the terms of
    the same passages and sentences again and again (a quarter of an answer's time before)."""
    return frozenset(terms(text))
