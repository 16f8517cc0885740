"""English: Punkt sentences, Snowball stems, stop words, and the cues the answer stage reads
(what kind of answer a question wants, which sentences point back, follow-up words, names)."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from ccqa.lang.base import Language

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


def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


_TOKENIZER = _punkt()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Punkt's sentence spans of ``text`` (abbreviations above, no training data needed)."""
    return list(_TOKENIZER.span_tokenize(text))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stems(words: list[str]) -> list[str]:
    """Snowball stems of lower-cased words, stop words and one-letter words dropped."""
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept)


# --- what kind of answer a question asks for --------------------------------------------------

QUANTITY = re.compile(
    r"\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|trillion|dozens?|half|several|a few)\b"
)
YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\b(spring|summer|autumn|winter|first half|second half)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"(?<![.!?\"“]\s)(?<!^)(?<![\"“])\b[A-Z][A-Za-z]+")


def expected_type(question: str) -> str | None:
    """What kind of answer the question asks for: number, date, name, or None."""
    q = question.lower()
    if re.search(r"\bhow (many|much|long|far|big|large|often|fast)\b|\bwhat (percent|percentage|share|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b|\bsince when\b", q):
        return "date"
    if re.search(r"^\s*who\b|\bwho (is|was|are|were)\b|\bwhose\b|\bwhat is the name\b", q):
        return "name"
    return None


def typed_values(text: str, answer_type: str) -> set[str]:
    """The values of ``answer_type`` that ``text`` holds (numbers, dates, capitalised names)."""
    if answer_type == "number":
        return set(QUANTITY.findall(text.lower()))
    if answer_type == "date":
        return {m.group(0).lower() for m in YEAR_OR_DATE.finditer(text)}
    return {m.group(0) for m in NAME.finditer(text)}


# --- follow-ups and sentences that lean on the one before ------------------------------------

CONTINUATIONS = ("and ", "also ", "what about ", "how about ", "and what", "then ", "but ")
ANAPHORS = frozenset(["its", "they", "them", "their", "theirs", "these", "those", "he", "him", "his", "she", "her", "hers"])
WEAK_ANAPHORS = frozenset(["it", "this", "that", "there"])
POINTS_BACK = re.compile(r"^[\"“]?(It|Its|They|Their|Them|This|These|Those|Such|He|She|His|Her|The two)\b")

# --- names and people -------------------------------------------------------------------------

CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+")
ASKS_FOR_PERSON = re.compile(r"^\s*who (is|was|are|were) (the|a|an) ", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the previous turn ("and how much?", "what about its GDP?")."""
    lowered = question.strip().lower()
    if lowered.startswith(CONTINUATIONS):
        return True
    tokens = TOKEN.findall(lowered)
    if set(tokens) & ANAPHORS:
        return True
    return bool(set(tokens) & WEAK_ANAPHORS) and len(stems(tokens)) < 3


def points_back(sentence: str) -> bool:
    """Does the sentence open by pointing at the one before ("It accounted for ...")?"""
    return bool(POINTS_BACK.match(sentence))


def names(question: str) -> list[str]:
    """Capitalised words: what the question names ("What is the GDP of Shanghai?")."""
    return CAPITALISED.findall(question)


def asks_for_person(question: str) -> bool:
    return bool(ASKS_FOR_PERSON.search(question))


LANGUAGE = Language(
    code="en",
    name="English",
    sentence_spans=sentence_spans,
    expected_type=expected_type,
    typed_values=typed_values,
    is_follow_up=is_follow_up,
    points_back=points_back,
    names=names,
    asks_for_person=asks_for_person,
)
