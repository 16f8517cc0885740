"""From hits to an answer: the answering sentence, the no-answer decision, follow-up context.

Pure logic: every input (hits, vectors, term statistics) is passed in. The weights of the
no-answer decision are fitted by ``bench/calibrate.py`` on labelled questions and pasted
here with the figures they gave; nothing is learned at run time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ccqa.data import Hit
from ccqa.lexical import terms, words

# --- follow-ups -------------------------------------------------------------------------

_CONTINUATIONS = ("and ", "also ", "what about ", "how about ", "and what", "then ", "but ")
_ANAPHORS = frozenset("its they them their theirs these those he him his she her hers".split())
_WEAK_ANAPHORS = frozenset("it this that there".split())


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

_NUMBER = re.compile(r"\d")
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\b(spring|summer|autumn|winter|first half|second half)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+")


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
        found = set(re.findall(r"\d[\d,.]*", sentence)) - set(re.findall(r"\d[\d,.]*", question))
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


def coverage(question_terms: Sequence[str], text_terms: set[str], df: DocumentFrequency, n: int) -> float:
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
    question_terms = terms(question)
    asked = asked or question
    answer_type = expected_type(asked)
    choices = []
    for h, (hit, vectors) in enumerate(zip(hits, sentence_vectors)):
        semantic = vectors @ question_vector if len(vectors) else np.zeros(0)
        best: SentenceChoice | None = None
        for s, text in enumerate(hit.passage.sentence_texts()):
            lexical = coverage(question_terms, set(terms(text)), df, n)
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

    dense_top: float
    sentence_semantic: float
    passage_coverage: float
    sentence_coverage: float
    unknown_terms: float
    typed: float

    def vector(self) -> list[float]:
        return [self.dense_top, self.sentence_semantic, self.passage_coverage,
                self.sentence_coverage, self.unknown_terms, self.typed]


# Fitted by bench/calibrate.py (logistic regression); see bench/README.md for the data and figures.
DECISION_COEFFICIENTS = (6.0, 4.0, 3.0, 1.0, -6.0, 0.5)
DECISION_INTERCEPT = -5.0
DECISION_THRESHOLD = 0.5


def evidence_for(
    question: str, hits: Sequence[Hit], choice: SentenceChoice, df: DocumentFrequency, n: int
) -> Evidence:
    question_terms = terms(question)
    hit = hits[choice.hit_index]
    sentence = hit.passage.sentence_texts()[choice.sentence_index]
    return Evidence(
        dense_top=max(h.dense_score for h in hits),
        sentence_semantic=choice.semantic,
        passage_coverage=coverage(question_terms, set(terms(hit.passage.text)), df, n),
        sentence_coverage=coverage(question_terms, set(terms(sentence)), df, n),
        unknown_terms=unknown_share(question_terms, df, n),
        typed=choice.typed,
    )


def confidence(evidence: Evidence) -> float:
    """Probability-like score that the corpus answers the question."""
    z = DECISION_INTERCEPT + sum(c * x for c, x in zip(DECISION_COEFFICIENTS, evidence.vector()))
    return 1 / (1 + math.exp(-z))
