"""From hits to an ``Answer``: each hit's best sentence, the answering one among the top hits,
the no-answer decision, and the citations of every passage shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from ccqa.answer.decision import Evidence, confidence, evidence_for, is_answered
from ccqa.answer.sentence import SentenceChoice, best_sentences
from ccqa.data import Answer, AnswerSentence, Citation, CitedPassage, Document, Hit, Span

NOT_FOUND = "I could not find an answer to that in the documents."
SENTENCE_CANDIDATES = 3  # the answer is taken from the best sentence of the top hits


class AnswerSource(Protocol):
    """What composing an answer reads from the index version the hits came from."""

    @property
    def documents(self) -> Mapping[str, Document]: ...

    def __len__(self) -> int: ...
    def sentence_vectors_of(self, row: int) -> np.ndarray: ...
    def document_frequency(self, term: str) -> int: ...


def weigh(question: str, resolved: str, question_vector: np.ndarray, hits: Sequence[Hit], index: AnswerSource
          ) -> tuple[list[SentenceChoice], SentenceChoice | None, Evidence | None]:
    """Each hit's best sentence, the answering one among the top hits, and the evidence the
    no-answer decision reads (None, None when there are no hits). bench/calibrate.py fits on it."""
    n = max(len(index), 1)
    vectors = [index.sentence_vectors_of(h.row) for h in hits]
    choices = best_sentences(resolved, question_vector, hits, vectors, index.document_frequency, n, asked=question)
    if not choices:
        return choices, None, None
    best = max(choices[:SENTENCE_CANDIDATES], key=lambda c: c.score)
    return choices, best, evidence_for(resolved, hits, best, index.document_frequency, n, asked=question)


def answer_from(question: str, resolved: str, question_vector: np.ndarray, hits: Sequence[Hit],
                index: AnswerSource, mode: str) -> Answer:
    """Choose the answering sentence among ``hits`` and decide whether it answers at all."""
    choices, best, evidence = weigh(question, resolved, question_vector, hits, index)
    passages = tuple(cited(index.documents[h.passage.doc_id], h, h.passage.sentences[c.sentence_index])
                     for h, c in zip(hits, choices))
    if best is None or evidence is None:
        return Answer(question, resolved, False, "There are no passages in the index yet.", None, (), mode)
    conf = confidence(evidence)
    if not is_answered(evidence):
        return Answer(question, resolved, False, NOT_FOUND, None, passages, mode, conf)
    hit = hits[best.hit_index]
    document = index.documents[hit.passage.doc_id]
    span = hit.passage.sentences[best.sentence_index]
    sentence = AnswerSentence(
        text=document.text[span.start : span.end],
        citation=best.hit_index,
        doc_id=hit.passage.doc_id,
        start=span.start,
        end=span.end,
    )
    return Answer(question, resolved, True, f"Answer quoted from “{document.title}”.", sentence, passages, mode, conf)


def cited(document: Document, hit: Hit, highlight: Span) -> CitedPassage:
    """A hit as shown: its quoted text, score, the citation to its place, the highlighted sentence."""
    citation = Citation(
        doc_id=document.doc_id,
        title=document.title,
        source=document.source,
        passage_id=hit.passage.passage_id,
        start=hit.passage.start,
        end=hit.passage.end,
        page=hit.passage.page,
        publisher=document.publisher,
    )
    return CitedPassage(hit.passage.text, hit.score, citation, highlight)
