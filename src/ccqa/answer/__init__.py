"""From hits to an answer: the answering sentence, the no-answer decision, follow-up context.

Pure logic: every input (hits, vectors, term statistics) is passed in. The weights of the
no-answer decision are fitted by ``bench/calibrate.py`` on labelled questions and pasted
here with the figures they gave; nothing is learned at run time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from ccqa.data import Hit
from ccqa.lang.terms import term_set, terms, words

# --- follow-ups -------------------------------------------------------------------------

_CONTINUATIONS = ("and ", "also ", "what about ", "how about ", "and what", "then ", "but ")
_ANAPHORS = frozenset(["its", "they", "them", "their", "theirs", "these", "those", "he", "him", "his", "she", "her", "hers"])
_WEAK_ANAPHORS = frozenset(["it", "this", "that", "there"])


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the previous turn ("and how much?", "what about its GDP?")."""
    lowered = question.strip().lower()
    if lowered.startswith(_CONTINUATIONS):
        return True
    tokens = set(words(lowered))
    if tokens & _ANAPHORS:
        return True
    return bool(tokens & _WEAK_ANAPHORS) and len(terms(question)) < 3


def resolve_follow_up(question: str, history: Sequence[str]) -> str:
    """The question to search with: a follow-up gets the previous turn's (resolved) question
    prepended; a self-contained question is returned as it is."""
    if not history or not is_follow_up(question):
        return question
    previous = resolve_follow_up(history[-1], history[:-1])
    return f"{previous.strip()} {question.strip()}"


# --- answer types -----------------------------------------------------------------------

_QUANTITY = re.compile(
    r"\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|trillion|dozens?|half|several|a few)\b"
)
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\b(spring|summer|autumn|winter|first half|second half)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?\"“]\s)(?<!^)(?<![\"“])\b[A-Z][A-Za-z]+")


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


def matches_type(sentence: str, answer_type: str | None, question: str) -> float:
    """1.0 when the sentence holds something of the asked type that the question does not."""
    if answer_type is None:
        return 0.0
    if answer_type == "number":
        found = set(_QUANTITY.findall(sentence.lower())) - set(_QUANTITY.findall(question.lower()))
        return 1.0 if found else 0.0
    if answer_type == "date":
        found = {m.group(0).lower() for m in _YEAR_OR_DATE.finditer(sentence)}
        asked = {m.group(0).lower() for m in _YEAR_OR_DATE.finditer(question)}
        return 1.0 if found - asked else 0.0
    names = {m.group(0) for m in _NAME.finditer(sentence)}
    asked_words = set(words(question))
    return 1.0 if any(not set(words(n)) <= asked_words for n in names) else 0.0


# --- term statistics --------------------------------------------------------------------

DocumentFrequency = Callable[[str], int]


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def coverage(question_terms: Sequence[str], text_terms: AbstractSet[str], df: DocumentFrequency, n: int) -> float:
    """IDF-weighted share of the question's terms that occur in the text (1.0: all of them)."""
    unique = list(dict.fromkeys(question_terms))
    if not unique:
        return 0.0
    weights = [idf(df(t), n) for t in unique]
    present = sum(w for t, w in zip(unique, weights) if t in text_terms)
    return present / sum(weights)


def unknown_share(question_terms: Sequence[str], df: DocumentFrequency, n: int) -> float:
    """IDF-weighted share of the question's terms the whole collection never uses."""
    unique = list(dict.fromkeys(question_terms))
    if not unique:
        return 1.0
    weights = [idf(df(t), n) for t in unique]
    missing = sum(w for t, w in zip(unique, weights) if df(t) == 0)
    return missing / sum(weights)


# --- choosing the sentence and deciding ----------------------------------------------------

BORROWED_WEIGHT = 0.5
_POINTS_BACK = re.compile(r"^[\"“]?(It|Its|They|Their|Them|This|These|Those|Such|He|She|His|Her|The two)\b")


@dataclass(frozen=True)
class SentenceChoice:
    """The best sentence of one hit, and what it scored on."""

    hit_index: int
    sentence_index: int
    score: float
    semantic: float
    lexical: float
    typed: float


@dataclass(frozen=True)
class Weights:
    semantic: float = 1.0
    lexical: float = 0.6
    typed: float = 0.25
    rank: float = 0.15


def best_sentences(
    question: str,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    sentence_vectors: Sequence[np.ndarray],
    df: DocumentFrequency,
    n: int,
    weights: Weights = Weights(),
    asked: str | None = None,
) -> list[SentenceChoice]:
    """For each hit, its sentence that best answers ``question`` (semantic + lexical + type).

    ``asked`` is the user's own words when ``question`` was widened by a follow-up: the
    kind of answer wanted comes from it."""
    asked = asked or question
    question_terms = terms(asked) or terms(question)  # a follow-up's own words pick its sentence
    answer_type = expected_type(asked)
    choices = []
    for h, (hit, vectors) in enumerate(zip(hits, sentence_vectors)):
        semantic = vectors @ question_vector if len(vectors) else np.zeros(0)
        best: SentenceChoice | None = None
        texts = hit.passage.sentence_texts()
        for s, text in enumerate(texts):
            # A sentence that opens by pointing back ("It accounted for...") is read with the one
            # before, at half weight: what only the sentence before says keeps that sentence ahead.
            lexical = coverage(question_terms, term_set(text), df, n)
            if s and _POINTS_BACK.match(text):
                borrowed = coverage(question_terms, term_set(texts[s - 1] + " " + text), df, n)
                lexical += BORROWED_WEIGHT * (borrowed - lexical)
            typed = matches_type(text, answer_type, asked)
            score = (weights.semantic * float(semantic[s]) + weights.lexical * lexical
                     + weights.typed * typed - weights.rank * h)
            if best is None or score > best.score:
                best = SentenceChoice(h, s, score, float(semantic[s]), lexical, typed)
        if best is not None:
            choices.append(best)
    return choices


@dataclass(frozen=True)
class Evidence:
    """The features the no-answer decision is made on (all comparable across corpora)."""

    dense_top: float  # best passage's cosine similarity to the question
    sentence_semantic: float  # the answering sentence's cosine similarity
    passage_coverage: float  # IDF-weighted share of question terms in the best passage
    sentence_coverage: float  # ... in the answering sentence
    unknown_terms: float  # IDF-weighted share of question terms the collection never uses
    type_missing: float  # 1: the question asks for a number/date/name the sentence lacks
    numbers_missing: float  # 1: a number or year of the question is absent from the passage
    unknown_names: float  # 1: the question names something the collection never uses
    person_missing: float = 0.0  # 1: "who is the <role> ...?" but the sentence names nobody (a veto, not fitted)
    topic_unknown: float = 0.0  # 1: a short question (<= 2 terms) with a term no document uses (a veto)

    def vector(self) -> list[float]:
        return [self.dense_top, self.sentence_semantic, self.passage_coverage, self.sentence_coverage,
                self.unknown_terms, self.type_missing, self.numbers_missing, self.unknown_names]


_NUMBER_TOKEN = re.compile(r"\d[\d,.]*\d|\d")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+")
_ASKS_FOR_PERSON = re.compile(r"^\s*who (is|was|are|were) (the|a|an) ", re.IGNORECASE)


def unknown_names(question: str, df: DocumentFrequency) -> float:
    """1.0 when the question names something (a capitalised word) that no document mentions:
    "What is the GDP of Shanghai?" asks about a place the collection never uses."""
    names = [t for word in _CAPITALISED.findall(question) for t in terms(word)]
    return 1.0 if any(df(t) == 0 for t in names) else 0.0

# Fitted by bench/calibrate.py (logistic regression over Evidence.vector(), seed questions weighted
# 4x beside SQuAD); the threshold keeps false "not found" near 5% (bench/README.md has the figures).
DECISION_COEFFICIENTS = (3.836, 6.276, 2.791, 2.143, 0.999, -1.381, -0.696, -1.28)
DECISION_INTERCEPT = -7.488
DECISION_THRESHOLD = 0.3


def evidence_for(
    question: str, hits: Sequence[Hit], choice: SentenceChoice, df: DocumentFrequency, n: int,
    asked: str | None = None,
) -> Evidence:
    """Measure how well the chosen sentence and its passage cover the question."""
    asked = asked or question
    question_terms = terms(question)
    hit = hits[choice.hit_index]
    sentence = hit.passage.sentence_texts()[choice.sentence_index]
    numbers = set(_NUMBER_TOKEN.findall(asked))
    asked_terms = terms(asked)
    return Evidence(
        dense_top=max(h.dense_score for h in hits),
        sentence_semantic=choice.semantic,
        passage_coverage=coverage(question_terms, term_set(hit.passage.text), df, n),
        sentence_coverage=coverage(question_terms, term_set(sentence), df, n),
        unknown_terms=unknown_share(question_terms, df, n),
        type_missing=1.0 if expected_type(asked) is not None and not choice.typed else 0.0,
        numbers_missing=1.0 if numbers - set(_NUMBER_TOKEN.findall(hit.passage.text)) else 0.0,
        unknown_names=unknown_names(asked, df),
        person_missing=1.0 if _ASKS_FOR_PERSON.search(asked) and not choice.typed else 0.0,
        topic_unknown=1.0 if len(set(asked_terms)) <= 2 and any(df(t) == 0 for t in asked_terms) else 0.0,
    )


def confidence(evidence: Evidence) -> float:
    """Probability-like score that the corpus answers the question."""
    z = DECISION_INTERCEPT + sum(c * x for c, x in zip(DECISION_COEFFICIENTS, evidence.vector()))
    return 1 / (1 + math.exp(-z))


def is_answered(evidence: Evidence) -> bool:
    """The no-answer decision: confident enough, not about a name no document uses, not a
    "who is the mayor of X?" answered by a sentence that names no one, and not a short question
    whose topic ("population of Chengdu") no document uses."""
    vetoed = evidence.unknown_names >= 0.5 or evidence.person_missing >= 0.5 or evidence.topic_unknown >= 0.5
    return confidence(evidence) >= DECISION_THRESHOLD and not vetoed
