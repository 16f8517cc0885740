"""Choosing each hit's answering sentence: meaning, the question's terms, the kind of answer.

Pure logic: hits, sentence vectors and term statistics are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from ccqa.data import Hit
from ccqa.lang import Language, detect_language, language
from ccqa.lang.terms import term_set, terms, words

DocumentFrequency = Callable[[str], int]
BORROWED_WEIGHT = 0.5


def expected_type(question: str) -> str | None:
    """What kind of answer the question asks for: number, date, name, or None."""
    return language(detect_language(question)).expected_type(question)


def matches_type(sentence: str, answer_type: str | None, question: str, rules: Language | None = None) -> float:
    """1.0 when the sentence holds something of the asked type that the question does not."""
    if answer_type is None:
        return 0.0
    rules = rules or language(detect_language(question))
    if answer_type == "name":
        asked_words = set(words(question))
        return 1.0 if any(not set(words(n)) <= asked_words for n in rules.typed_values(sentence, "name")) else 0.0
    found = rules.typed_values(sentence, answer_type) - rules.typed_values(question, answer_type)
    return 1.0 if found else 0.0


# --- term statistics --------------------------------------------------------------------

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


# --- choosing the sentence ------------------------------------------------------------------

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
    rules = language(detect_language(asked))
    answer_type = rules.expected_type(asked)
    choices = []
    for h, (hit, vectors) in enumerate(zip(hits, sentence_vectors)):
        semantic = vectors @ question_vector if len(vectors) else np.zeros(0)
        best: SentenceChoice | None = None
        texts = hit.passage.sentence_texts()
        passage_rules = language(hit.passage.lang)
        for s, text in enumerate(texts):
            # A sentence that opens by pointing back ("It accounted for...") is read with the one
            # before, at half weight: what only the sentence before says keeps that sentence ahead.
            lexical = coverage(question_terms, term_set(text), df, n)
            if s and passage_rules.points_back(text):
                borrowed = coverage(question_terms, term_set(texts[s - 1] + " " + text), df, n)
                lexical += BORROWED_WEIGHT * (borrowed - lexical)
            typed = matches_type(text, answer_type, asked, rules)
            score = (weights.semantic * float(semantic[s]) + weights.lexical * lexical
                     + weights.typed * typed - weights.rank * h)
            if best is None or score > best.score:
                best = SentenceChoice(h, s, score, float(semantic[s]), lexical, typed)
        if best is not None:
            choices.append(best)
    return choices
