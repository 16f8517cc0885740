"""The reader's word on the rules' best candidates: the few sentences the rules score highest
are read by the trained reader (``ccqa.answer.reader``) against the question, and what it says
is added to their score, so that meaning across wording and languages counts where the rules
see only shared terms.

The reader alone lost to the rules on writers it never saw (bench/README.md "The reader"); as
one more signal on the rules' shortlist it is measured in "The reader beside the rules". Its
form and weight were chosen on some writers' batches and reported on the others.

Pure logic: the reader is passed in (a fake in unit tests, ``OnnxReader`` when serving).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ccqa.answer.candidates import ReaderCandidate, of_hit
from ccqa.answer.reader import Reader
from ccqa.answer.sentence import Candidate
from ccqa.data import AnswerSpan, Document, Hit

READ_TOP = 6  # candidates read per question: ~6 ms each on one core (int8, 8 layers)


@dataclass(frozen=True)
class Rereading:
    """How the reader's logits join the rules' scores: ``weight`` times the softmax over the
    candidates read (``form="share"``) or times the sigmoid of each (``form="probability"``)."""

    weight: float
    form: str = "share"
    top: int = READ_TOP
    marks_spans: bool = False  # the reader marks the exact answer where the rules mark none


def shortlist(candidates: Sequence[Candidate], top: int) -> list[tuple[int, int]]:
    """The (hit, sentence) read for the ``top`` best-scored candidates; a pair is read by its
    second sentence, whose reading carries the first as context."""
    keys: list[tuple[int, int]] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        key = (candidate.hit_index, candidate.last)
        if key not in keys:
            keys.append(key)
            if len(keys) == top:
                break
    return keys


def reader_candidates(keys: Sequence[tuple[int, int]], hits: Sequence[Hit], documents: Mapping[str, Document]
                      ) -> dict[tuple[int, int], ReaderCandidate]:
    """The reader's text for each (hit, sentence); a table row is one text for every sentence."""
    out: dict[tuple[int, int], ReaderCandidate] = {}
    by_hit: dict[int, list[ReaderCandidate]] = {}
    for hit_index, sentence in keys:
        if hit_index not in by_hit:
            hit = hits[hit_index]
            by_hit[hit_index] = of_hit(hit_index, hit, documents[hit.passage.doc_id])
        texts = by_hit[hit_index]
        if not texts:
            continue
        out[(hit_index, sentence)] = texts[min(sentence, len(texts) - 1)]
    return out


def bonuses(logits: Sequence[float], rereading: Rereading) -> list[float]:
    """What each read candidate gains: never negative, so an unread one keeps its rank below."""
    if not logits:
        return []
    if rereading.form == "probability":
        return [rereading.weight / (1.0 + math.exp(-x)) for x in logits]
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [rereading.weight * e / total for e in exps]


def reread(question: str, candidates: Sequence[Candidate], hits: Sequence[Hit],
           documents: Mapping[str, Document], reader: Reader, rereading: Rereading) -> list[Candidate]:
    """``candidates`` with the reader's bonus added to the score of those it read."""
    if not candidates or rereading.weight <= 0:
        return list(candidates)
    texts = reader_candidates(shortlist(candidates, rereading.top), hits, documents)
    distinct = list({c.text: c for c in texts.values()}.values())  # a table row is read once
    readings = reader.read(question, (), distinct)
    gained = dict(zip((c.text for c in distinct), bonuses([r.logit for r in readings], rereading)))
    bonus = {key: gained[c.text] for key, c in texts.items()}
    return [replace(c, score=c.score + bonus.get((c.hit_index, c.last), 0.0)) for c in candidates]


def marked_span(question: str, candidate: Candidate, hits: Sequence[Hit], documents: Mapping[str, Document],
                reader: Reader) -> AnswerSpan | None:
    """The exact answer the reader marks in the chosen sentence (in its second sentence when it
    is a pair, in one cell when it is a table row), cut from the document; None when it marks
    nothing quotable."""
    texts = reader_candidates([(candidate.hit_index, candidate.last)], hits, documents)
    if not texts:
        return None
    read = next(iter(texts.values()))
    reading = reader.read(question, (), [read])[0]
    if reading.span is None:
        return None
    where = read.document_span(*reading.span)
    if where is None:
        return None
    text = documents[hits[candidate.hit_index].passage.doc_id].text
    return AnswerSpan(where[0], where[1], text[where[0]:where[1]])
