"""Terms for lexical matching: one tokenizer shared by the BM25 index, queries and answer cues."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import Stemmer

# English function words plus question words: they carry no evidence of an answer.
STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "how", "tell", "please", "also", "many", "much"]
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens; CJK text is split into single characters and bigrams."""
    tokens = _TOKEN.findall(text.lower())
    if not _CJK.search(text):  # most text: no token to split (a build stems 100k passages)
        return tokens
    out: list[str] = []
    for token in tokens:
        if _CJK.search(token):
            chars = [c for c in token]
            out.extend(chars)
            out.extend(a + b for a, b in itertools.pairwise(chars))
        else:
            out.append(token)
    return out


def terms(text: str) -> list[str]:
    """Stemmed content terms of ``text``, in order, stopwords removed.

    >>> terms("What was the GDP of the economic circle?")
    ['gdp', 'econom', 'circl']
    """
    kept = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit() or _CJK.match(w))]
    return _stemmer().stemWords(kept)


@lru_cache(maxsize=8192)
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of ``text``, remembered: answering a question reads the terms of
    the same passages and sentences again and again (a quarter of an answer's time before)."""
    return frozenset(terms(text))
