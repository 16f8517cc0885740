"""From hits to an ``Answer``: the reader reads every candidate sentence and table row of the
hits; the best reading about the asked year (or, for a question without one, the most recent
year among readings nearly as good) answers, with the exact answer the reader marked; the
others of other years are earlier figures; the reader's calibrated probability decides whether
anything answers at all and is the answer's ``confidence``.

A question naming a year is answered only from text about that year; when none is, it is not
found and the message says which years the documents do give.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ccqa.answer.candidates import ReaderCandidate, candidates_for
from ccqa.answer.quantity import same_quantity
from ccqa.answer.question import Question, topic_of
from ccqa.answer.reader import Reader, Reading
from ccqa.answer.years import figure_year, sentence_years
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

NOT_FOUND = "I could not find an answer to that in the documents."
MAX_EARLIER = 3
_LANGUAGE_NAMES = {"en": "an English", "zh": "a Chinese"}


@dataclass(frozen=True)
class Calibration:
    """P(the shown answer is right) = sigmoid(scale * logit + shift); found when >= threshold.
    Fitted on readings of questions the reader was not trained on (``bench/train_reader.py``)."""

    scale: float = 1.0
    shift: float = 0.0
    threshold: float = 0.5
    latest_margin: float = 1.5  # another year's reading this close (in logits) answers as well

    def probability(self, logit: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.scale * logit + self.shift)))


class AnswerSource(Protocol):
    """What composing an answer reads from the index version the hits came from."""

    @property
    def documents(self) -> Mapping[str, Document]: ...

    @property
    def passages(self) -> Sequence[Passage]: ...

    def copies_of(self, row: int) -> list[int]: ...


@dataclass(frozen=True)
class Read:
    """A candidate with what the reader said of it and the years its figure is about."""

    candidate: ReaderCandidate
    reading: Reading
    years: frozenset[str]
    published: str

    @property
    def logit(self) -> float:
        return self.reading.logit


@dataclass(frozen=True)
class Choice:
    """The answering reading, the earlier figures, and (when the asked year is missing) the
    years the documents do give."""

    best: Read | None
    earlier: tuple[Read, ...] = ()
    years_given: tuple[str, ...] = ()


def read_all(question: str, history: Sequence[str], hits: Sequence[Hit], index: AnswerSource,
             reader: Reader) -> list[Read]:
    """Every candidate of ``hits`` with the reader's reading of it."""
    candidates = candidates_for(hits, index.documents)
    if not candidates:
        return []
    readings = reader.read(question, history, candidates)
    out = []
    for candidate, reading in zip(candidates, readings):
        hit = hits[candidate.hit_index]
        document = index.documents[hit.passage.doc_id]
        years = frozenset(sentence_years(document, hit.passage, candidate.sentence))
        out.append(Read(candidate, reading, years, document.shown_date or ""))
    return out


def choose(question: Question, reads: Sequence[Read], calibration: Calibration) -> Choice:
    """The best reading about the asked year, or for a question without a year the most
    recent year among the readings within ``latest_margin`` of the best that mark a value."""
    if not reads:
        return Choice(None)
    pool = list(reads)
    if question.years:
        asked = set(question.years)
        pool = [r for r in pool if r.years & asked]
        if not pool:
            return Choice(None, years_given=_years_given(reads, calibration))
    best = max(pool, key=lambda r: r.logit)
    close = [r for r in pool if r.logit >= best.logit - calibration.latest_margin and r.reading.span is not None]
    best = max((r for r in close if r.years == best.years and r.published > best.published
                and r.logit >= best.logit - calibration.latest_margin / 3), key=lambda r: r.published, default=best)
    if question.years or best.reading.span is None:
        return Choice(best)
    by_year: dict[str, Read] = {}
    for r in sorted(close, key=lambda r: -r.logit):
        if r.years:
            by_year.setdefault(max(r.years), r)
    if not by_year:
        return Choice(best)
    latest = max(by_year)
    if not best.years or latest > max(best.years):
        best = by_year[latest]
    earlier = [by_year[y] for y in sorted(by_year, reverse=True)
               if by_year[y] is not best and (not best.years or y < max(best.years))]
    return Choice(best, tuple(earlier[:MAX_EARLIER]))


def _years_given(reads: Sequence[Read], calibration: Calibration) -> tuple[str, ...]:
    """The years of the readings that would answer the question but for its year."""
    top = max(r.logit for r in reads)
    return tuple(sorted({y for r in reads if r.reading.span is not None and r.logit >= top - calibration.latest_margin
                         and calibration.probability(r.logit) >= calibration.threshold / 2 for y in r.years}))


def answer_from(read: Question, hits: Sequence[Hit], index: AnswerSource, mode: str, reader: Reader,
                calibration: Calibration, *, shown: int | None = None, history: Sequence[str] = ()) -> Answer:
    """Read the candidates of ``hits`` and answer from the best reading, or say nothing
    answers; the first ``shown`` hits are cited (and any other the answer or an earlier figure
    quotes)."""
    question, resolved = read.asked, read.resolved
    if not hits:
        return Answer(question, resolved, False, "There are no passages in the index yet.", None, (), mode,
                      lang=read.lang)
    reads = read_all(question, history, hits, index, reader)
    choice = choose(read, reads, calibration)
    needed = [r.candidate.hit_index for r in (choice.best, *choice.earlier) if r is not None]
    keep = _shown_hits(len(hits), shown, needed)
    highlights = _best_per_hit(reads, len(hits))
    passages = tuple(_cited(index.documents[hits[i].passage.doc_id], hits[i], highlights[i],
                            tuple(_citation(index.documents[index.passages[r].doc_id], index.passages[r])
                                  for r in index.copies_of(hits[i].row))) for i in keep)
    if choice.best is None:
        best_logit = max((r.logit for r in reads), default=-10.0)
        return Answer(question, resolved, False, _missing_year_message(read, choice.years_given), None, passages,
                      mode, calibration.probability(best_logit), lang=read.lang)
    probability = calibration.probability(choice.best.logit)
    if probability < calibration.threshold:
        return Answer(question, resolved, False, NOT_FOUND, None, passages, mode, probability, lang=read.lang)
    sentence = _sentence(choice.best, hits, index.documents, keep)
    earlier = tuple(Alternative(other.year, other) for r in choice.earlier  # the same quantity, for a year it names
                    if same_quantity(sentence, other := _sentence(r, hits, index.documents, keep))
                    and other.year and not other.year_reported and (not sentence.year or other.year < sentence.year))
    document = index.documents[hits[choice.best.candidate.hit_index].passage.doc_id]
    return Answer(question, resolved, True, _found_message(read, sentence, document, bool(earlier)), sentence,
                  passages, mode, probability, earlier, lang=read.lang)


def _best_per_hit(reads: Sequence[Read], n_hits: int) -> list[ReaderCandidate | None]:
    best: list[Read | None] = [None] * n_hits
    for r in reads:
        current = best[r.candidate.hit_index]
        if current is None or r.logit > current.logit:
            best[r.candidate.hit_index] = r
    return [r.candidate if r is not None else None for r in best]


def _shown_hits(total: int, shown: int | None, needed: Sequence[int]) -> list[int]:
    """The hits cited, in order: the answer's passage first, then the best others up to
    ``shown``, then any other an earlier figure quotes."""
    limit = min(total, shown or total)
    order = [needed[0]] if needed else []
    order += [i for i in range(total) if i not in order][: max(0, limit - len(order))]
    return order + sorted(set(needed) - set(order))


def _sentence(chosen: Read, hits: Sequence[Hit], documents: Mapping[str, Document], keep: list[int]
              ) -> AnswerSentence:
    candidate = chosen.candidate
    hit = hits[candidate.hit_index]
    document = documents[hit.passage.doc_id]
    sentence = hit.passage.sentences[candidate.sentence]
    span = exact_answer(chosen, document)
    year, reported = figure_year(document, hit.passage, candidate.sentence, candidate.sentence)
    return AnswerSentence(
        text=document.text[sentence.start : sentence.end],
        citation=keep.index(candidate.hit_index),
        doc_id=document.doc_id,
        start=sentence.start,
        end=sentence.end,
        span=span,
        year=year,
        lang=hit.passage.lang,
        table=_table_row(document, hit, candidate, span),
        year_reported=reported,
    )


def exact_answer(chosen: Read, document: Document) -> AnswerSpan | None:
    """The characters the reader marked, cut from the document (None when it marked none)."""
    if chosen.reading.span is None:
        return None
    located = chosen.candidate.document_span(*chosen.reading.span)
    if located is None:
        return None
    return AnswerSpan(located[0], located[1], document.text[located[0] : located[1]])


def _table_row(document: Document, hit: Hit, candidate: ReaderCandidate | None = None,
               span: AnswerSpan | None = None) -> TableRow | None:
    """A table row's cells; for the answer, the cell holding the exact answer."""
    view = table_view(document, hit.passage.unit)
    if view is None:
        return None
    cell = None
    if span is not None and hit.passage.unit is not None:
        cells = document.structure.units[hit.passage.unit].cells
        cell = next((i for i, c in enumerate(cells) if c.start <= span.start and span.end <= c.end), None)
    return TableRow(view.caption, view.unit_note, view.header, view.cells, cell)


def _cited(document: Document, hit: Hit, highlight: ReaderCandidate | None, also_in: tuple[Citation, ...] = ()
           ) -> CitedPassage:
    """A hit as shown: its quoted text, score, the citation to its place (with its headings),
    the highlighted sentence, its table row, and where else the same text was published."""
    passage = hit.passage
    span = None
    if highlight is not None:
        span = Span(passage.sentences[highlight.sentence].start, passage.sentences[highlight.sentence].end)
    return CitedPassage(passage.text, hit.score, _citation(document, passage), span, _table_row(document, hit),
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
        return f"文档中有{topic}{'、'.join(given)}年的数据，没有{asked}年的。"
    listed = given[0] if len(given) == 1 else ", ".join(given[:-1]) + " and " + given[-1]
    return f"The documents give {topic} for {listed}, not for {asked}."
