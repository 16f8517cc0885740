"""The no-answer decision: does the chosen sentence answer the question at all?

Eight measurements of the best answer (``Evidence``) go into a logistic regression fitted by
``bench/calibrate.py`` on labelled questions (the weights are pasted here with the figures
they gave; nothing is learned at run time), plus four vetoes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ccqa.answer.question import Question
from ccqa.answer.sentence import (
    Candidate,
    DocumentFrequency,
    coverage,
    passage_facts,
    unknown_share,
)
from ccqa.answer.span import EXACT
from ccqa.data import Document, Hit
from ccqa.lang import language
from ccqa.lang.terms import term_set, terms
from ccqa.search.retrieve import EMBEDDED_LANGUAGE


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
    key_missing: float = 0.0  # 1: the question's rarest word (one the collection uses) is not in the passage
    names_missing: float = 0.0  # 1: a name the question gives (and the collection uses) is not in the passage
    kind_missing: float = 0.0  # 1: the question asks for a kind of value (money, a distance, a count of X) the sentence lacks
    person_missing: float = 0.0  # 1: "who is the <role> ...?" but the sentence names nobody (a veto, not fitted)
    topic_unknown: float = 0.0  # 1: a short question (<= 2 terms) with a term no document uses (a veto)
    figure_missing: float = 0.0  # 1: the question asks for a number and the sentence holds none (a veto)
    read: bool = True  # question and passage in the language the embedding model reads (its cosines count)

    def vector(self) -> list[float]:
        return [self.dense_top, self.sentence_semantic, self.passage_coverage, self.sentence_coverage,
                self.unknown_terms, self.type_missing, self.numbers_missing, self.unknown_names,
                self.key_missing, self.names_missing, self.kind_missing]


_NUMBER_TOKEN = re.compile(r"\d[\d,.]*\d|\d")


def unknown_names(question: str, lang: str, df: DocumentFrequency,
                  translated: Callable[[str], bool] = lambda term: False) -> float:
    """1.0 when the question names something (a capitalised word) that no document mentions,
    in its language or, ``translated``, in the other: "What is the GDP of Shanghai?" asks about
    a place the collection never uses; "GDP" is known to a collection that says 地区生产总值."""
    def known(term: str) -> bool:
        return df(term) > 0 or translated(term)

    for name in language(lang).names(question):
        parts = terms(name)  # a Chinese name is segmented: 成渝地区双城经济圈 and 成渝, 双城, 经济圈 ...
        if parts and not known(max(parts, key=len)) and not all(known(t) for t in parts):
            return 1.0
    return 0.0

@dataclass(frozen=True)
class DecisionModel:
    """A logistic regression over ``Evidence.vector()`` and the probability it must reach."""

    coefficients: tuple[float, ...]
    intercept: float
    threshold: float


# Fitted by bench/calibrate.py (bench/README.md "The no-answer decision" has the data and figures).
# READ: an English question over English text, where the model's cosines mean something;
# UNREAD: a Chinese question or passage, decided on terms alone (the cosine columns are 0).
READ_MODEL = DecisionModel((0.767, 4.131, 2.015, 2.981, 2.417, -1.042, 0.135, -1.026, -0.165, -0.199, -0.177), -5.386, 0.3)
UNREAD_MODEL = DecisionModel((0.0, 0.0, 1.359, 1.17, -1.215, -1.651, -2.53, -0.075, 0.357, 0.154, -0.135), 0.091, 0.3)


def model_for(evidence: Evidence) -> DecisionModel:
    return READ_MODEL if evidence.read else UNREAD_MODEL


def evidence_for(question: Question, hits: Sequence[Hit], candidate: Candidate, documents: Mapping[str, Document],
                 df: DocumentFrequency, n: int, translated: Callable[[str], bool] = lambda term: False) -> Evidence:
    """Measure how well the chosen sentence (read with its context) and its passage cover the
    question; ``translated``: whether a question term has a rendering the other language's documents use."""
    hit = hits[candidate.hit_index]
    resolved_terms = list(question.searched) if hit.passage.lang == question.lang else list(
        question.terms_for(hit.passage.lang))
    facts = passage_facts(documents[hit.passage.doc_id], hit.passage)
    context = facts.contexts[candidate.first]
    sentence = " ".join([context, *candidate.texts(hit)])
    numbers = set(_NUMBER_TOKEN.findall(question.asked))
    asked_terms = question.asked_terms
    rules = question.rules
    passage_terms = facts.search_terms | term_set(context)
    return Evidence(
        dense_top=max(h.dense_score for h in hits),
        sentence_semantic=candidate.semantic,
        passage_coverage=coverage(resolved_terms, passage_terms, df, n),
        sentence_coverage=coverage(resolved_terms, term_set(sentence), df, n),
        unknown_terms=unknown_share(resolved_terms, df, n),
        type_missing=1.0 if question.answer_type is not None and not candidate.typed else 0.0,
        numbers_missing=1.0 if numbers - set(_NUMBER_TOKEN.findall(context + " " + hit.passage.text)) else 0.0,
        unknown_names=unknown_names(question.asked, question.lang, df, translated),
        key_missing=_key_missing(question.terms_for(hit.passage.lang), passage_terms, df),
        names_missing=_names_missing(question, hit.passage.lang, passage_terms, df),
        kind_missing=1.0 if candidate.typed < EXACT and (question.answer_kind is not None or
                                                         question.counted is not None and question.answer_type == "number")
        else 0.0,
        person_missing=1.0 if rules.asks_for_person(question.asked) and not candidate.typed else 0.0,
        topic_unknown=1.0 if len(set(asked_terms)) <= 2 and any(df(t) == 0 for t in asked_terms) else 0.0,
        figure_missing=1.0 if question.answer_type == "number" and not candidate.typed else 0.0,
        read=question.lang == EMBEDDED_LANGUAGE and hit.passage.lang == EMBEDDED_LANGUAGE,
    )


def _key_missing(question_terms: Sequence[str], passage_terms: AbstractSet[str], df: DocumentFrequency) -> float:
    """1.0 when the question's rarest word that the collection uses (not a figure) is missing:
    "How many laptops did Chongqing make in 2023?" answered by a sentence about vehicles."""
    known = [t for t in question_terms if not t.replace(".", "").isdigit() and df(t) > 0]
    if not known:
        return 0.0
    return 0.0 if min(known, key=df) in passage_terms else 1.0


def _names_missing(question: Question, lang: str, passage_terms: AbstractSet[str], df: DocumentFrequency) -> float:
    """1.0 when a name the question gives, one the collection uses, is not in the passage."""
    named = {t for word in question.rules.names(question.asked) for t in terms(word) if df(t) > 0}
    if lang != question.lang:  # a name carried to the other language is looked for there
        named = {t for t in named if t.isascii()} & set(question.terms_for(lang))
    return 1.0 if named - passage_terms else 0.0


def confidence(evidence: Evidence) -> float:
    """Probability-like score that the corpus answers the question."""
    model = model_for(evidence)
    z = model.intercept + sum(c * x for c, x in zip(model.coefficients, evidence.vector()))
    return 1 / (1 + math.exp(-z))


def is_answered(evidence: Evidence) -> bool:
    """The no-answer decision: confident enough and not ``vetoed``."""
    return confidence(evidence) >= model_for(evidence).threshold and not vetoed(evidence)


def vetoed(evidence: Evidence) -> bool:
    """Not an answer whatever the confidence: a question about a name no document uses, a "who
    is the mayor of X?" answered by a sentence that names no one, a short question whose topic
    ("population of Chengdu") no document uses, a question for a figure answered by a sentence
    (or a table row's asked cell, "—") that gives none, or, where the model's cosines cannot be
    read (Chinese), a sentence that shares no term with the question."""
    return evidence.unknown_names >= 0.5 or evidence.person_missing >= 0.5 or evidence.topic_unknown >= 0.5 \
        or evidence.figure_missing >= 0.5 or (not evidence.read and evidence.sentence_coverage <= 0.0)
