"""The exact answer the trained reader (``ccqa.answer.reader``) marks in the chosen sentence,
used where the rules mark none (a keyword query, an answer type no pattern knows).

Measured on writers the reader never saw (bench/README.md "The reader marks what the rules
miss"): exact answer +0.02 to +0.05 on each of five writers, never lower on the development,
held-out and seed sets. Choosing the sentence, or replacing the rules' spans, it lost, so it
does neither.

Pure logic: the reader is passed in (a fake in unit tests, ``OnnxReader`` when serving).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ccqa.answer.candidates import of_hit
from ccqa.answer.reader import Reader
from ccqa.answer.sentence import Candidate
from ccqa.data import AnswerSpan, Document, Hit


def marked_span(question: str, candidate: Candidate, hits: Sequence[Hit], documents: Mapping[str, Document],
                reader: Reader) -> AnswerSpan | None:
    """The exact answer the reader marks in ``candidate`` (in its second sentence when it is a
    pair, inside one cell when it is a table row), cut from the document; None when it marks
    nothing quotable."""
    hit = hits[candidate.hit_index]
    texts = of_hit(candidate.hit_index, hit, documents[hit.passage.doc_id])
    if not texts:
        return None
    read = texts[min(candidate.last, len(texts) - 1)]  # a table row is one text for all its sentences
    span = reader.read(question, (), [read])[0].span
    where = read.document_span(*span) if span is not None else None
    if where is None:
        return None
    text = documents[hit.passage.doc_id].text
    return AnswerSpan(where[0], where[1], text[where[0]:where[1]])
