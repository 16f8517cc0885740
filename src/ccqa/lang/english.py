"""English: Punkt sentences, Snowball stems, stop words, and the question cues the answer stage
still reads (whether a question asks for a name, follow-up words, names)."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from functools import lru_cache
from typing import TYPE_CHECKING

import Stemmer

from ccqa.lang.base import Language

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# Abbreviations after which a period does not end a sentence. Company suffixes (Ltd., Inc.,
# Co.) are left out on purpose: they end sentences more often than not.
ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "rev", "hon", "pres", "vs", "etc", "e.g", "i.e", "cf", "al", "approx", "dept", "est", "fig", "figs", "vol", "vols", "no", "nos", "pp", "ed", "eds", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "a.m", "p.m"]
)
# English function words plus question words: they carry no evidence of an answer.
STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "how", "tell", "please", "also", "many", "much"]
)
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    """Made on first use (a serving process reads the sentences the build cut)."""
    punkt = _punkt_module()
    params = punkt.PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    tokenizer: PunktSentenceTokenizer = punkt.PunktSentenceTokenizer(params)
    return tokenizer


def _punkt_module() -> types.ModuleType:
    """NLTK's Punkt module alone. ``import nltk`` runs the package's ``__init__``, which
    imports all of NLTK and SciPy's statistics (1.4 s, half a small build); Punkt needs four
    small modules. The two packages above it are stood in for while it loads; then every
    NLTK module loaded this way is let go, so a later ``import nltk`` loads the whole package
    as usual."""
    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.punkt")
    stand_ins: list[str] = []
    try:
        for package in ("nltk", "nltk.tokenize"):
            spec = importlib.util.find_spec(package)  # finds without running __init__
            if spec is None or spec.submodule_search_locations is None:
                raise ImportError(f"{package} is not installed")
            module = types.ModuleType(package)
            module.__path__ = list(spec.submodule_search_locations)
            sys.modules[package] = module
            stand_ins.append(package)
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        if stand_ins:
            for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
                del sys.modules[name]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Punkt's sentence spans of ``text`` (abbreviations above, no training data needed)."""
    return list(_punkt().span_tokenize(text))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stems(words: list[str]) -> list[str]:
    """Snowball stems of lower-cased words, stop words and one-letter words dropped."""
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept)


# --- what kind of answer a question asks for --------------------------------------------------

# what a figure is of: a question about one of these asks for a number ("Sichuan's foreign trade in 2022")
_QUANTITY_NOUNS = (r"(gdp|population|throughput|output|revenue|income|volume|investment|value added|area|length|"
                   r"trade|exports|imports|capacity|rate|share|ratio|turnover|sales|production|spending|budget)")


_WHO_IS_NAMED = re.compile(r"^\s*(?i:who (is|was|are|were)) (?!The\b|A\b|An\b)[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*\s*\??\s*$")


def expected_type(question: str) -> str | None:
    """What kind of answer the question asks for: number, date, name, or None."""
    q = question.lower()
    if re.search(r"\bhow (many|much|long|far|big|large|often|fast|high|tall)\b|\bwhat (percent|percentage|share|"
                 r"number|amount|proportion|rate|value|total|volume|size|area|length|gdp|population)\b|"
                 rf"\b{_QUANTITY_NOUNS}\b(?!.*\b(when|which|who|where)\b)", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\b(which|what) (year|date|day|month)\b|\bsince when\b|"
                 r"\bin which year\b|\bon what date\b", q):
        return "date"
    if _WHO_IS_NAMED.match(question):  # "Who is Li Hongni?" asks what she is, not for a name
        return None
    if re.search(r"^\s*who\b|\bwho (is|was|are|were)\b|\bwhose\b|\bwhat is the name\b|^\s*(which|where)\b|"
                 r"\bwhat (model|slogan|motto|nickname|name|title|layout|pattern|theme|concept)\b|\b(called|known as)\b|"
                 r"\bwhich (city|cities|port|airport|station|route|district|company|country|province|line)\b", q):
        return "name"
    return None


# --- follow-ups and names ---------------------------------------------------------------------

CONTINUATIONS = ("and ", "also ", "what about ", "how about ", "and what", "then ", "but ")
ANAPHORS = frozenset(["its", "they", "them", "their", "theirs", "these", "those", "he", "him", "his", "she", "her", "hers"])
WEAK_ANAPHORS = frozenset(["it", "this", "that", "there"])

CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+")


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the previous turn ("and how much?", "what about its GDP?")."""
    lowered = question.strip().lower()
    if lowered.startswith(CONTINUATIONS):
        return True
    tokens = TOKEN.findall(lowered)
    if set(tokens) & ANAPHORS:
        return True
    return bool(set(tokens) & WEAK_ANAPHORS) and len(stems(tokens)) < 3


def names(question: str) -> list[str]:
    """Capitalised words: what the question names ("What is the GDP of Shanghai?")."""
    return CAPITALISED.findall(question)


LANGUAGE = Language(
    code="en",
    name="English",
    sentence_spans=sentence_spans,
    expected_type=expected_type,
    is_follow_up=is_follow_up,
    names=names,
)
