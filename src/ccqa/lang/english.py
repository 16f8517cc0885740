"""English: Punkt sentences, Snowball stems, stop words, and the cues the answer stage reads
(what kind of answer a question wants, which sentences point back, follow-up words, names)."""

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


_KINDS_ASKED = (
    ("percent", (r"\bwhat (share|percentage|proportion|percent)\b|\bwhat (is|was) the (share|rate|ratio|proportion)\b|"
                 r"\b(rate|share|proportion)\b(?! of (return|\w+ growth))|"
                 r"\bby how much\b|\bhow (fast|much) did .* (grow|rise|increase|fall|drop|decline)\b|\bgrowth( rate)?\b|"
                 r"\bhow much (higher|lower|faster)\b|\bwhat share\b|\b(per ?cent|percentage) of\b")),
    ("money", (r"\bhow much (money|does|did|do|is|was|will|are|were)\b.*\b(cost|price|fare|ticket|spend|spent|invest|"
               r"worth|pay|paid)\b|\b(price|fare|cost|total investment|investment|revenue|income|budget|ticket|profit)\b|"
               r"\bhow much (\w+ ){0,2}(value added|gdp|output|trade|money|exports|imports|sales|turnover)\b")),
    ("speed", r"\bhow fast\b(?!.*\b(grow|rise|increase)\b)|\b(design|top|maximum|operating) speed\b"),
    ("duration", (r"\bhow long (does|did|do|will|would|was it|is it|has it)\b.*\b(take|took|last|run|between|before|"
                  r"after|wait)\b|\bhow long (is|was) the (trip|journey|ride|flight)\b|\bhow (many|much) (hours|minutes|"
                  r"days|time)\b")),
    ("distance", (r"\bhow long is the (railway|line|road|route|bridge|tunnel|river|expressway|highway|section|track)\b|"
                  r"\bhow far\b|\blength\b|\bhow many (kilometres|kilometers|km|miles)\b|\bhow long\b(?!.*\b(take|took|"
                  r"last|between|wait|does|did)\b)")),
    ("area", (r"\bhow (big|large) (is|was|are)\b.*\b(area|zone|city|district|park|site|station|terminal|campus)\b|"
              r"\b(floor )?area of\b|\bsquare (kilometres|kilometers|metres|meters)\b|\bfloor area\b|\bhow (big|large) "
              r"(an )?area\b")),
    ("person", r"^\s*who (is|was|are|were) (the|a|an)\b|\bwho (heads|leads|chairs|runs|directs)\b|\bwhose name\b"),
)
_VALUE_KINDS = (
    ("percent", r"%|\bper ?cent\b|\bpercentage points?\b"),
    ("money", r"\byuan\b|\bdollars?\b|\bRMB\b|\bUS\$|元"),
    ("speed", r"km/h|\bkilometres per hour\b|公里/小时|时速"),
    ("area", r"\bsquare (kilometres|kilometers|metres|meters)\b|\bsq km\b|km²|\bhectares?\b|平方"),
    ("distance", r"\b(km|kilometres|kilometers|metres|meters|miles)\b|公里|千米"),
    ("duration", r"\b(hours?|minutes?|days?|weeks?|months?)\b|小时|分钟"),
    ("weight", r"\b(tonnes|tons)\b|吨"),
)
_ORGANISATION = re.compile(r"\b(Airport|Station|Port|Railway|Line|City|District|County|Province|Municipality|Commission|"
                           r"Committee|Bureau|Office|Ministry|Council|Government|Group|Company|Co|Ltd|Corporation|Bank|"
                           r"University|Zone|Area|Park|Corridor|Express|Airlines?|Centre|Center|River|Lake|Road|Street)\b")


def expected_kind(question: str) -> str | None:
    """The finer kind of a number or name asked for: percent, money, speed, duration, distance,
    area, person; None when the question does not say."""
    q = question.lower()
    for kind, pattern in _KINDS_ASKED:
        if re.search(pattern, q if kind != "person" else question, re.IGNORECASE):
            return kind
    return None


_ASKING = re.compile(r"\b(how many|which|what)\s+(.*)", re.IGNORECASE | re.DOTALL)
_VERB_LIKE = re.compile(r"^(?:\w+ed|hosts?|runs?|leads?|lies|lie|connects?|links?|serves?|became|become|made|makes?|"
                        r"took|takes?|got|gets?|won|wins?|began|begins?|ran|went|goes|saw|sees?)$")


def asked_noun(question: str) -> tuple[str, bool] | None:
    """What "how many X" counts or "which X" names, as a word of the question (its last word
    before the verb: "how many freight train trips did ..." -> "trips"), and whether it is
    plural; None when the question names no such noun."""
    match = _ASKING.search(question)
    if match is None:
        return None
    head = None
    for word in TOKEN.findall(match.group(2))[:5]:
        lowered = word.lower()
        if lowered in STOPWORDS or (head is not None and _VERB_LIKE.match(lowered)):
            break
        head = word
    if head is None:
        return None
    lowered = head.lower()
    return head, lowered.endswith("s") and not lowered.endswith(("ss", "us", "is"))


def value_kind(value: str) -> str | None:
    """The kind of a value by its unit ("26.1 percent": percent; "2.5859 trillion yuan": money);
    a name is a person when it names no organisation or place; None: it does not say."""
    if not any(c.isdigit() for c in value) and value[:1].isupper():
        return None if _ORGANISATION.search(value) or " " not in value.strip() else "person"
    for kind, pattern in _VALUE_KINDS:
        if re.search(pattern, value):
            return kind
    return "count" if re.search(r"\d\s*[a-z]", value) else None


def typed_values(text: str, answer_type: str) -> set[str]:
    """The values of ``answer_type`` that ``text`` holds (numbers, dates, capitalised names)."""
    if answer_type == "number":
        return set(QUANTITY.findall(text.lower()))
    if answer_type == "date":
        return {m.group(0).lower() for m in YEAR_OR_DATE.finditer(text)}
    return {m.group(0) for m in NAME.finditer(text)}


# --- where the values of a kind stand in a text (the exact answer's candidates) ----------------

# "no fewer than" before "fewer than": cut after "no", the span would say the opposite of its sentence
_QUALIFIER = r"(?:(?:(?:no|not) (?:more|less|fewer) than|more than|less than|fewer than|over|about|around|nearly|almost|roughly|approximately|some|" \
             r"up to|at least|at most|close to|under|above|below|exceeding)\s+)?"
_NUMERAL = r"(?:\d(?:[\d,]*\d)?(?:\.\d+)?|\.\d+|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|" \
           r"fifteen|twenty|thirty|forty|fifty|hundred|a hundred|a few|several|dozens of|half)\b)"
_SCALE = r"(?:\s+(?:thousand|million|billion|trillion|hundred thousand))?"
_UNIT = r"(?:\s*(?:%|percent|per cent|percentage points?)|\s+(?:yuan|US dollars|dollars|km/h|km|sq km|km²|" \
        r"kilometres|kilometers|metres|meters|square kilometres|square kilometers|tonnes|tons|TEUs?|hours?|" \
        r"minutes?|days?|years?|months?|times|pairs))?"
_NOUNS = r"(?:\s+(?!(?:in|of|and|or|to|from|for|with|by|on|at|the|a|an|as|than|that|which|was|were|is|are|" \
         r"respectively|each|per|between|since|after|before|during|last|this|its|their|year-on-year|year on year)\b)" \
         r"[a-z][a-z-]*){0,2}"
QUANTITY_SPAN = re.compile(r"(?<![\w.,])(?i:" + _QUALIFIER + _NUMERAL + _SCALE + _UNIT + ")" + _NOUNS)
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
DATE_SPAN = re.compile(
    rf"\b\d{{1,2}}\s+{_MONTHS}(?:,?\s+\d{{4}})?\b|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*\d{{4}})?\b|"
    rf"\b{_MONTHS}\s+\d{{4}}\b|\b(?:(?:the\s+)?(?:first|second)\s+half|spring|summer|autumn|winter|early|mid|late|"
    rf"the end)\s+(?:of\s+)?\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:19|20)\d\d\b")
NAME_SPAN = re.compile(r"\b[A-Z][\w'’-]*(?:[–—-][A-Z][\w'’-]*)*(?:\s+(?:\((?:[A-Z][\w-]*)\)|(?:of|the|de|for)"
                       r"(?=\s+[A-Z])|and(?=\s+[A-Z][\w'’-]*\s+[A-Z])|[A-Z][\w'’-]*(?:[–—-][A-Z][\w'’-]*)*))*")

QUOTED = re.compile(r"[“\"]([^”\"\n]{3,60})[”\"]")  # a name given in quotes: "one city, multiple parks"


def value_spans(text: str, answer_type: str) -> list[tuple[int, int]]:
    """Where values of ``answer_type`` stand in ``text``: quantities with their qualifier and
    unit ("more than 4,800 trips"), dates ("26 December 2015", "the first half of 2020"),
    names ("Western (Chongqing) Science City", or what stands in quotes). A number inside a
    date is no quantity."""
    dates = [m.span() for m in DATE_SPAN.finditer(text)]
    if answer_type == "date":
        return _outermost(dates)
    if answer_type == "name":
        quoted = [m.span(1) for m in QUOTED.finditer(text)]
        names = [_without_opening_word(text, m.span()) for m in NAME_SPAN.finditer(text)]
        return quoted + [(a, b) for a, b in names if a < b and not any(q <= a < e for q, e in quoted)
                         and not any(d < b and a < e for d, e in dates)]  # "On June 6" names nobody
    spans = [(m.start(), m.end() if not text[m.start():m.end()].endswith(" ") else m.end() - 1)
             for m in QUANTITY_SPAN.finditer(text) if any(c.isdigit() for c in m.group(0)) or m.group(0)[:1].isalpha()]
    # a number inside a date, or a year with a word after it ("2021 alone"), is no quantity
    return [s for s in spans if not any(a <= s[0] and s[1] <= b and ((a, b) != s or b - a == 4) or
                                        a == s[0] and b - a == 4 for a, b in dates)]


def _without_opening_word(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A name without the capitalised common word that opens its sentence ("The Jialing River")."""
    start, end = span
    first = re.match(r"[\w'’-]+\s*", text[start:end])
    if first and first.group(0).strip().lower() in STOPWORDS:
        return start + first.end(), end
    return span


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]


# --- follow-ups and sentences that lean on the one before ------------------------------------

CONTINUATIONS = ("and ", "also ", "what about ", "how about ", "and what", "then ", "but ")
ANAPHORS = frozenset(["its", "they", "them", "their", "theirs", "these", "those", "he", "him", "his", "she", "her", "hers"])
WEAK_ANAPHORS = frozenset(["it", "this", "that", "there"])
POINTS_BACK = re.compile(r"^[\"“]?(It|Its|They|Their|Them|This|That|These|Those|Such|He|She|His|Her|The two|Together)\b")

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
    value_spans=value_spans,
    expected_kind=expected_kind,
    value_kind=value_kind,
    is_follow_up=is_follow_up,
    points_back=points_back,
    names=names,
    asks_for_person=asks_for_person,
    asked_noun=asked_noun,
)
