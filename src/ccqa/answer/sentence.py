"""Every sentence of the hits measured as an answer: meaning, the question's terms (read with the
sentence's context: a table row's headers, a list item's lead-in, the sentence before when it
points back), the kind of answer asked for, its passage's place, and the years it is about;
then scored by the fitted ranker (``answer.ranking``). A sentence that
continues the one before ("To be specific, ...", "respectively") is also scored as a pair with
it, so that an answer needing both quotes both.

Pure logic: hits, sentence vectors, documents and term statistics are passed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

import numpy as np

from ccqa.answer.question import Question
from ccqa.answer.ranking import Measured, SentenceRanker, packaged_models
from ccqa.answer.span import answer_cell, graded_values
from ccqa.answer.years import sentence_years, years_in
from ccqa.data import Document, Hit, Passage
from ccqa.ingest.context import TableView, passage_search_text, sentence_contexts, table_view
from ccqa.lang import language
from ccqa.lang.terms import term_set
from ccqa.search.retrieve import EMBEDDED_LANGUAGE

DocumentFrequency = Callable[[str], int]
BORROWED_WEIGHT = 0.5  # how much a sentence that points back is read with the one before
_CONTINUES = re.compile(r"^[\"“]?(?:To be specific|Specifically|Of (?:this|these|which|them)|In particular|"
                        r"Among them|Of the total|That is|其中|具体来看|具体而言|分别)|\brespectively\b|分别")


def typed(text: str, question: Question, row: TableView | None = None) -> float:
    """How well the text's best value fits what is asked (``span.graded_values``: 1.0 of the
    asked kind, 0 when it holds none); for a table row, 1.0 when the cell under the asked
    column holds one."""
    if question.answer_type is None:
        return 0.0
    if row is not None:
        return 1.0 if answer_cell(row, question) is not None else 0.0
    return max((grade for _, grade in graded_values(text, question)), default=0.0)


# --- term statistics --------------------------------------------------------------------

def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def coverage(question_terms: Sequence[str], text_terms: AbstractSet[str], df: DocumentFrequency, n: int) -> float:
    """IDF-weighted share of the question's terms that occur in the text (1.0: all of them)."""
    return TermWeights.of(question_terms, df, n).share_in(text_terms)


@dataclass(frozen=True)
class TermWeights:
    """A question's distinct terms and their IDF weights, computed once for all the sentences."""

    weights: dict[str, float]
    total: float

    @classmethod
    def of(cls, question_terms: Sequence[str], df: DocumentFrequency, n: int) -> TermWeights:
        weights = {t: idf(df(t), n) for t in dict.fromkeys(question_terms)}
        return cls(weights, sum(weights.values()))

    def share_in(self, text_terms: AbstractSet[str]) -> float:
        """IDF-weighted share of the terms that occur in the text (1.0: all of them)."""
        if not self.total:
            return 0.0
        return sum(w for t, w in self.weights.items() if t in text_terms) / self.total


def unknown_share(question_terms: Sequence[str], df: DocumentFrequency, n: int) -> float:
    """IDF-weighted share of the question's terms the whole collection never uses."""
    unique = list(dict.fromkeys(question_terms))
    if not unique:
        return 1.0
    weights = [idf(df(t), n) for t in unique]
    missing = sum(w for t, w in zip(unique, weights) if df(t) == 0)
    return missing / sum(weights)


# --- scoring the sentences ------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """One sentence (``first == last``) or a sentence with the one it continues, as an answer."""

    hit_index: int
    first: int
    last: int
    score: float
    semantic: float
    lexical: float
    typed: float
    years: frozenset[str]
    published: str = ""  # the date of the document it quotes: a later edition wins a tie
    rank_penalty: float = 0.0  # what its passage's place (rank, search score) took off its score

    @property
    def content(self) -> float:
        """The score on what it says alone, whatever its passage's rank."""
        return self.score + self.rank_penalty

    def texts(self, hit: Hit) -> list[str]:
        return hit.passage.sentence_texts()[self.first : self.last + 1]


@dataclass(frozen=True)
class PassageFacts:
    """What scoring reads of a passage whatever the question: its sentences, their terms read
    with their context (and with the sentence before, when one points back or continues), the
    years each is about, its table row. Made once per passage and remembered."""

    texts: list[str]
    contexts: list[str]  # what each sentence is read with (``ingest.context.sentence_contexts``)
    search_terms: AbstractSet[str]  # the passage's terms as indexed: heading path, lead-in, text
    terms: tuple[AbstractSet[str], ...]
    borrowed_terms: tuple[AbstractSet[str] | None, ...]  # read with the sentence before, when it points back
    pair_terms: tuple[AbstractSet[str] | None, ...]  # the pair with the sentence before, when it continues it
    years: tuple[frozenset[str], ...]
    row: TableView | None
    published: str


_FACTS: dict[tuple[int, int, int, int | None], tuple[Document, PassageFacts]] = {}
MAX_REMEMBERED_PASSAGES = 50_000


def passage_facts(document: Document, passage: Passage) -> PassageFacts:
    """``PassageFacts`` of a passage, remembered by the document object it came from (a reloaded
    index brings new objects, so nothing of an older version is reused)."""
    key = (id(document), passage.start, passage.end, passage.unit)
    cached = _FACTS.get(key)
    if cached is not None and cached[0] is document:
        return cached[1]
    texts = passage.sentence_texts()
    contexts = sentence_contexts(document, passage)
    rules = language(passage.lang)
    read_with = [f"{context} {text}" if context else text for context, text in zip(contexts, texts)]
    facts = PassageFacts(
        texts=texts,
        contexts=contexts,
        search_terms=term_set(passage_search_text(document, passage)),
        terms=tuple(term_set(t) for t in read_with),
        borrowed_terms=tuple(term_set(f"{texts[s - 1]} {read_with[s]}") if s and rules.points_back(texts[s]) else None
                             for s in range(len(texts))),
        pair_terms=tuple(term_set(f"{texts[s - 1]} {texts[s]}")
                         if s and (_CONTINUES.search(texts[s]) or rules.points_back(texts[s])) else None
                         for s in range(len(texts))),
        years=tuple(frozenset(sentence_years(document, passage, s)) for s in range(len(texts))),
        row=table_view(document, passage.unit),
        published=document.stated_date or "",
    )
    if len(_FACTS) >= MAX_REMEMBERED_PASSAGES:
        _FACTS.clear()
    _FACTS[key] = (document, facts)
    return facts


def candidates_for(
    question: Question,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    sentence_vectors: Sequence[np.ndarray],
    documents: Mapping[str, Document],
    df: DocumentFrequency,
    n: int,
    ranker: SentenceRanker | None = None,
) -> list[Candidate]:
    """Every sentence of every hit, and every continuing pair, scored as an answer by ``ranker``
    (default: the one shipped, ``answer.ranking``)."""
    places, measured = measure(question, question_vector, hits, sentence_vectors, documents, df, n)
    scores, by_place = (ranker or packaged_models().sentence).scores(measured)
    return [replace(place, score=float(score), rank_penalty=-float(part))
            for place, score, part in zip(places, scores, by_place)]


def measure(
    question: Question,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    sentence_vectors: Sequence[np.ndarray],
    documents: Mapping[str, Document],
    df: DocumentFrequency,
    n: int,
) -> tuple[list[Candidate], list[Measured]]:
    """Every sentence of every hit, and every continuing pair (unscored), with what is measured of
    each: what the ranker scores, and what ``bench/train_ranker.py`` fits it on."""
    places: list[Candidate] = []
    measured: list[Measured] = []
    weights_by_lang: dict[str, TermWeights] = {}
    for h, (hit, vectors) in enumerate(zip(hits, sentence_vectors)):
        document = documents[hit.passage.doc_id]
        facts = passage_facts(document, hit.passage)
        published, texts, row = facts.published, facts.texts, facts.row
        semantic = vectors @ question_vector if len(vectors) else np.zeros(len(texts))
        weighed = weights_by_lang.get(hit.passage.lang)
        if weighed is None:
            weighed = weights_by_lang[hit.passage.lang] = TermWeights.of(question.terms_for(hit.passage.lang), df, n)
        # the model's cosines mean something only between English texts; elsewhere terms decide
        read = question.lang == EMBEDDED_LANGUAGE and hit.passage.lang == EMBEDDED_LANGUAGE
        across = hit.passage.lang != question.lang
        passage_terms = weighed.share_in(facts.search_terms)
        of_hit = Measured(None, 0.0, across, 0.0, h, hit.score, passage_terms, False, False, row is not None, 0)
        singles: list[Candidate] = []
        for s, text in enumerate(texts):
            lexical = weighed.share_in(facts.terms[s])
            meaning = float(semantic[s])
            if (with_before := facts.borrowed_terms[s]) is not None:  # "These routes cover ...": read with the one before
                borrowed = weighed.share_in(with_before)
                lexical += BORROWED_WEIGHT * (borrowed - lexical)
                meaning += BORROWED_WEIGHT * max(0.0, float(semantic[s - 1]) - meaning)
            has_type = typed(text, question, row)
            years = facts.years[s]
            singles.append(Candidate(h, s, s, 0.0, meaning, lexical, has_type, years, published))
            measured.append(replace(of_hit, semantic=meaning if read else None, terms=lexical, kind=has_type,
                                    year_unasked=bool(years) and not question.years, length=len(text)))
        places += singles
        for s in range(1, len(texts)):
            if (pair := facts.pair_terms[s]) is None:
                continue
            lexical = weighed.share_in(pair)
            pair_typed = max(singles[s].typed, singles[s - 1].typed)
            years = singles[s].years if years_in(texts[s]) else singles[s - 1].years
            sem = max(singles[s].semantic, singles[s - 1].semantic)
            places.append(Candidate(h, s - 1, s, 0.0, sem, lexical, pair_typed, frozenset(years), published))
            measured.append(replace(of_hit, semantic=sem if read else None, terms=lexical, kind=pair_typed,
                                    year_unasked=bool(years) and not question.years, pair=True,
                                    length=len(texts[s - 1]) + 1 + len(texts[s])))
    return places, measured


def best_per_hit(candidates: Sequence[Candidate], hits: int) -> list[Candidate | None]:
    """Each hit's best candidate (the sentence highlighted in its passage)."""
    best: list[Candidate | None] = [None] * hits
    for candidate in candidates:
        current = best[candidate.hit_index]
        if current is None or candidate.score > current.score:
            best[candidate.hit_index] = candidate
    return best
