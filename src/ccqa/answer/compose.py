"""From hits to an ``Answer``: the answering sentence among all the hits' sentences, the year
it is about, the exact answer in it, earlier figures from other years, the no-answer decision,
and the citations of every passage shown.

A question naming a year is answered only from text about that year; when none is, it is not
found and the message says which years the documents do give. A question without a year about
a figure documents give for several years gets the most recent one, with the others as
earlier figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from ccqa.answer.decision import Evidence, confidence, evidence_for, is_answered
from ccqa.answer.marking import marked_span
from ccqa.answer.quantity import same_quantity
from ccqa.answer.question import Question, topic_of
from ccqa.answer.ranking import AnswerModels, SentenceRanker, ValueRanker, packaged_models
from ccqa.answer.reader import Reader
from ccqa.answer.sentence import Candidate, best_per_hit, candidates_for
from ccqa.answer.span import answer_cell, candidate_span, list_item_span
from ccqa.answer.years import figure_year
from ccqa.data import (
    Alternative,
    Answer,
    AnswerSentence,
    AnswerSpan,
    Citation,
    CitedPassage,
    Document,
    Hit,
    Passage,
    Span,
    TableRow,
)
from ccqa.ingest.context import PATH_SEPARATOR, heading_path, table_view
from ccqa.lang.bilingual import other_language

NOT_FOUND = "I could not find an answer to that in the documents."
LATEST_MARGIN = 0.4  # a figure of another year this close to the best (on what it says) answers the same question
EDITION_MARGIN = 0.1  # a later release's figure for the same year this close to the best replaces it
MAX_EARLIER = 3
_LANGUAGE_NAMES = {"en": "an English", "zh": "a Chinese"}


class AnswerSource(Protocol):
    """What composing an answer reads from the index version the hits came from."""

    @property
    def documents(self) -> Mapping[str, Document]: ...

    @property
    def passages(self) -> Sequence[Passage]: ...

    @property
    def languages(self) -> frozenset[str]: ...

    def __len__(self) -> int: ...
    def sentence_vectors_of(self, row: int) -> np.ndarray: ...
    def document_frequency(self, term: str) -> int: ...
    def copies_of(self, row: int) -> list[int]: ...
    def carry(self, question_terms: list[str], target: str) -> list[str]: ...


@dataclass(frozen=True)
class Choice:
    """The answering candidate, the earlier figures, and (when the asked year is missing) the
    years the documents do give."""

    best: Candidate | None
    earlier: tuple[Candidate, ...] = ()
    years_given: tuple[str, ...] = ()


def weigh(question: Question, question_vector: np.ndarray, hits: Sequence[Hit], index: AnswerSource,
          ranker: SentenceRanker | None = None) -> tuple[list[Candidate], Choice, Evidence | None]:
    """Every candidate sentence scored by ``ranker`` (default: the one shipped), the choice among
    them, and the evidence the no-answer decision reads (None when nothing was chosen).
    bench/train_ranker.py fits on it."""
    n = max(len(index), 1)
    vectors = [index.sentence_vectors_of(h.row) for h in hits]
    candidates = candidates_for(question, question_vector, hits, vectors, index.documents,
                                index.document_frequency, n, ranker)
    choice = choose(question, candidates)
    if choice.best is None:
        return candidates, choice, None
    other = other_language(question.lang)
    top = sorted((c.score for c in candidates), reverse=True)[:2]
    return candidates, choice, evidence_for(question, hits, choice.best, index.documents,
                                            index.document_frequency, n,
                                            translated=lambda term: bool(index.carry([term], other)),
                                            margin=top[0] - top[1] if len(top) > 1 else 0.0,
                                            one_language=index.languages <= {question.lang})


def choose(question: Question, candidates: Sequence[Candidate]) -> Choice:
    """The best candidate about the asked year (or the most recent year, for a figure)."""
    if not candidates:
        return Choice(None)
    pool = list(candidates)
    if question.years:
        asked = set(question.years)
        pool = [c for c in pool if c.years & asked]
        if not pool:
            return Choice(None, years_given=_years_given(question, candidates))
    best = _figure_beside(max(pool, key=lambda c: c.score), pool, question)
    best = _latest_edition(best, pool)
    if question.years or question.answer_type != "number" or not best.typed:
        return Choice(best)
    peers = sorted((c for c in pool if c.typed and c.years and c.content >= best.content - LATEST_MARGIN
                    and c.lexical >= best.lexical - 0.2), key=lambda c: -c.score)
    by_year: dict[str, Candidate] = {}
    for candidate in peers:
        by_year.setdefault(max(candidate.years), candidate)
    if not by_year:
        return Choice(best)
    latest = max(by_year)
    if not best.years or latest > max(best.years):
        best = by_year[latest]
    earlier = [by_year[y] for y in sorted(by_year, reverse=True) if by_year[y] is not best
               and (not best.years or y < max(best.years))]
    return Choice(best, tuple(earlier[:MAX_EARLIER]))


def _figure_beside(best: Candidate, pool: Sequence[Candidate], question: Question) -> Candidate:
    """For "how much ...?", a sentence of the best passage that gives a figure, when the best
    sentence gives none ("The line opened in 2015." then "It is 308 km long.")."""
    if question.answer_type != "number" or best.typed:
        return best
    beside = [c for c in pool if c.hit_index == best.hit_index and c.typed]
    return max(beside, key=lambda c: c.score) if beside else best


def _latest_edition(best: Candidate, pool: Sequence[Candidate]) -> Candidate:
    """A later document's figure for the same year, scoring nearly as well, replaces an earlier
    document's (a final figure revises a preliminary one)."""
    editions = [c for c in pool if c.years == best.years and c.typed >= best.typed and
                c.published > best.published and c.score >= best.score - EDITION_MARGIN]
    return max(editions, key=lambda c: (c.published, c.score)) if editions else best


def _years_given(question: Question, candidates: Sequence[Candidate]) -> tuple[str, ...]:
    """The years of the figures that would answer the question but for its year."""
    typed = [c for c in candidates if (c.typed or question.answer_type is None) and c.years]
    if not typed:
        return ()
    top = max(c.lexical for c in typed)
    return tuple(sorted({y for c in typed if c.lexical >= max(0.3, top - 0.15) for y in c.years}))


def answer_from(read: Question, question_vector: np.ndarray, hits: Sequence[Hit], index: AnswerSource, mode: str,
                shown: int | None = None, reader: Reader | None = None, models: AnswerModels | None = None) -> Answer:
    """Choose the answering sentence among ``hits`` for the question as read (``read_question``,
    once) and decide whether it answers at all; the first ``shown`` hits are cited (and any
    other the answer or an earlier figure quotes). ``reader`` marks the exact answer where the
    rules mark none (``answer.marking``); ``models`` score the sentences and the values in them
    and decide "not found" (default: the ones shipped, ``answer.ranking``)."""
    question, resolved = read.asked, read.resolved
    models = models or packaged_models()
    candidates, choice, evidence = weigh(read, question_vector, hits, index, models.sentence)
    if not hits:
        return Answer(question, resolved, False, "There are no passages in the index yet.", None, (), mode,
                      lang=read.lang)
    keep = _shown_hits(len(hits), shown, [c for c in (choice.best, *choice.earlier) if c is not None])
    highlights = best_per_hit(candidates, len(hits))
    passages = tuple(_cited(index.documents[hits[i].passage.doc_id], hits[i], highlights[i],
                            tuple(_citation(index.documents[index.passages[r].doc_id], index.passages[r])
                                  for r in index.copies_of(hits[i].row))) for i in keep)
    if choice.best is None or evidence is None:
        return Answer(question, resolved, False, _missing_year_message(read, choice.years_given), None, passages,
                      mode, lang=read.lang)
    conf = confidence(evidence, models.decision)
    if not is_answered(evidence, models.decision):
        return Answer(question, resolved, False, NOT_FOUND, None, passages, mode, conf, lang=read.lang)
    sentence = _sentence(read, choice.best, hits, index.documents, keep, models.value)
    if sentence.span is None and reader is not None:
        sentence = replace(sentence, span=marked_span(read.resolved, choice.best, hits, index.documents, reader))
    earlier = tuple(Alternative(other.year, other) for c in choice.earlier  # the same quantity, for a year it names
                    if same_quantity(sentence, other := _sentence(read, c, hits, index.documents, keep, models.value))
                    and other.year and not other.year_reported and (not sentence.year or other.year < sentence.year))
    document = index.documents[hits[choice.best.hit_index].passage.doc_id]
    return Answer(question, resolved, True, _found_message(read, sentence, document, bool(earlier)), sentence,
                  passages, mode, conf, earlier, lang=read.lang)


def _shown_hits(total: int, shown: int | None, needed: Sequence[Candidate]) -> list[int]:
    """The hits cited, in order: the answer's passage first, then the best others up to
    ``shown``, then any other an earlier figure quotes."""
    limit = min(total, shown or total)
    order = [needed[0].hit_index] if needed else []
    order += [i for i in range(total) if i not in order][: max(0, limit - len(order))]
    return order + sorted({c.hit_index for c in needed} - set(order))


def _sentence(question: Question, candidate: Candidate, hits: Sequence[Hit], documents: Mapping[str, Document],
              keep: list[int], values: ValueRanker) -> AnswerSentence:
    hit = hits[candidate.hit_index]
    document = documents[hit.passage.doc_id]
    first, last = hit.passage.sentences[candidate.first], hit.passage.sentences[candidate.last]
    year, reported = figure_year(document, hit.passage, candidate.first, candidate.last)
    return AnswerSentence(
        text=document.text[first.start : last.end],
        citation=keep.index(candidate.hit_index),
        doc_id=document.doc_id,
        start=first.start,
        end=last.end,
        span=exact_answer(question, candidate, hit, document, values),
        year=year,
        lang=hit.passage.lang,
        table=_table_row(document, hit, question),
        year_reported=reported,
    )


def exact_answer(question: Question, candidate: Candidate, hit: Hit, document: Document,
                 values: ValueRanker | None = None) -> AnswerSpan | None:
    """The exact answer: the answering cell of a table row, else the asked value in the
    answer's sentences (chosen by ``values``, default the shipped ranker), else a short list
    item itself."""
    passage = hit.passage
    view = table_view(document, passage.unit)
    if view is not None:
        cell = answer_cell(view, question)
        unit = document.structure.units[passage.unit] if passage.unit is not None else None
        if cell is None or unit is None or cell >= len(unit.cells):
            return None
        span = unit.cells[cell]
        return AnswerSpan(span.start, span.end, document.text[span.start : span.end])
    sentences = passage.sentences[candidate.first : candidate.last + 1]
    texts = [document.text[s.start : s.end] for s in sentences]
    found = candidate_span(texts, question, values or packaged_models().value)
    if found is None and question.answer_type in (None, "name") and _is_list_item(document, passage):
        found = next(((i, item) for i in range(len(texts) - 1, -1, -1)
                      if (item := list_item_span(texts[i])) is not None), None)
    if found is None:
        return None
    index, (start, end) = found
    return AnswerSpan(sentences[index].start + start, sentences[index].start + end, texts[index][start:end])


def _is_list_item(document: Document, passage: Passage) -> bool:
    units = document.structure.units
    return passage.unit is not None and passage.unit < len(units) and units[passage.unit].kind == "list_item"


def _table_row(document: Document, hit: Hit, question: Question | None) -> TableRow | None:
    view = table_view(document, hit.passage.unit)
    if view is None:
        return None
    return TableRow(view.caption, view.unit_note, view.header, view.cells,
                    answer_cell(view, question) if question is not None else None)


def _cited(document: Document, hit: Hit, highlight: Candidate | None, also_in: tuple[Citation, ...] = ()
           ) -> CitedPassage:
    """A hit as shown: its quoted text, score, the citation to its place (with its headings),
    the highlighted sentence, its table row, and where else the same text was published."""
    passage = hit.passage
    span = None
    if highlight is not None:
        span = Span(passage.sentences[highlight.first].start, passage.sentences[highlight.last].end)
    return CitedPassage(passage.text, hit.score, _citation(document, passage), span, _table_row(document, hit, None),
                        passage.lang, also_in)


def _citation(document: Document, passage: Passage) -> Citation:
    path = heading_path(document, passage.unit)
    return Citation(
        doc_id=document.doc_id,
        title=document.title,
        source=document.source,
        passage_id=passage.passage_id,
        start=passage.start,
        end=passage.end,
        page=passage.page,
        publisher=document.publisher,
        section=PATH_SEPARATOR.join(path) if path else None,
        date=document.shown_date,
    )


def _found_message(question: Question, sentence: AnswerSentence, document: Document, has_earlier: bool) -> str:
    if question.lang == "zh":
        message = f"答案引自《{document.title}》。"
        if has_earlier and sentence.year:
            message = f"最新数据（{sentence.year}年），引自《{document.title}》。"
        if sentence.lang != question.lang:
            message += "引自英文资料。" if sentence.lang == "en" else ""
        return message
    message = f"Answer quoted from “{document.title}”."
    if has_earlier and sentence.year:
        message = f"The most recent figure ({sentence.year}), quoted from “{document.title}”."
    if sentence.lang != question.lang:
        message += f" Quoted from {_LANGUAGE_NAMES.get(sentence.lang, 'a')} source."
    return message


def _missing_year_message(question: Question, given: Sequence[str]) -> str:
    """'The documents give the GDP of the economic circle for 2019 and 2021, not for 2015.'"""
    if not given or not question.years:
        return NOT_FOUND
    asked = "、".join(question.years) if question.lang == "zh" else " or ".join(question.years)
    topic = topic_of(question)
    if question.lang == "zh":
        space = " " if topic[-1:].isascii() and topic[-1:].isalnum() else ""  # "成都 GDP 2021年", not "GDP2021年"
        return f"文档中有{topic}{space}{'、'.join(given)}年的数据，没有{asked}年的。"
    listed = given[0] if len(given) == 1 else ", ".join(given[:-1]) + " and " + given[-1]
    return f"The documents give {topic} for {listed}, not for {asked}."
