"""Scoring sentences as answers, by pure logic: literals in, candidates out."""

from __future__ import annotations

import numpy as np

from ccqa.answer.question import read_question
from ccqa.answer.sentence import candidates_for
from ccqa.data import Document, Hit
from ccqa.ingest.passages import passages_for
from ccqa.ingest.structure import structure_of

FIGURE = "The economic circle achieved a regional GDP of 7.39 trillion yuan in 2021."
POINTING_BACK = "It accounted for 6.5% of the national economy."
CONTINUING = "To be specific, the Sichuan part and the Chongqing part registered 4.8 trillion yuan and 2.59 trillion yuan respectively."


def hits_for(text: str) -> tuple[list[Hit], dict[str, Document]]:
    document = Document("doc", "doc.txt", "Doc", text, structure=structure_of(text))
    passages = passages_for(document)
    return [Hit(p, 1.0, 0.5, 1.0, row) for row, p in enumerate(passages)], {"doc": document}


def best(question: str, text: str, sentence_vectors: np.ndarray) -> tuple[int, int]:
    hits, documents = hits_for(text)
    found = candidates_for(read_question(question), np.array([1.0, 0.0], dtype=np.float32), hits,
                           [sentence_vectors], documents, lambda term: 1, 10)
    winner = max(found, key=lambda c: c.score)
    return winner.first, winner.last


def test_a_sentence_pointing_back_does_not_take_the_answer_from_the_sentence_it_borrows_from() -> None:
    """A near-tie in meaning: "It accounted for ..." is read with the sentence before, but the
    figure asked for is in that sentence, so that one answers."""
    vectors = np.array([[0.60, 0.80], [0.62, 0.78]], dtype=np.float32)  # the second a hair closer
    assert best("What was the regional GDP in 2021?", f"{FIGURE} {POINTING_BACK}", vectors) == (0, 0)


def test_a_sentence_pointing_back_answers_when_its_own_words_match() -> None:
    vectors = np.array([[0.60, 0.80], [0.62, 0.78]], dtype=np.float32)
    assert best("What share of the national economy did it account for?", f"{FIGURE} {POINTING_BACK}",
                vectors) == (1, 1)


def test_a_continuing_sentence_answers_together_with_the_one_it_continues() -> None:
    """The part's figure is in "To be specific, ..."; the year and the GDP are in the sentence
    before: the answer quotes both."""
    vectors = np.array([[0.70, 0.71], [0.69, 0.72]], dtype=np.float32)
    assert best("What was the GDP of the Chongqing part in 2021?", f"{FIGURE} {CONTINUING}", vectors) == (0, 1)


def test_every_candidate_knows_the_year_it_is_about() -> None:
    text = "Published: 2022-03-01\n\nFreight grew to 1,580 tonnes in 2019. It reached 2,030 tonnes last year."
    hits, documents = hits_for(text)
    vectors = np.zeros((2, 2), dtype=np.float32)
    found = candidates_for(read_question("How much freight?"), np.array([1.0, 0.0], dtype=np.float32), hits,
                           [vectors], documents, lambda term: 1, 10)
    assert {(c.first, c.last): c.years for c in found if c.first == c.last} == {
        (0, 0): frozenset({"2019"}), (1, 1): frozenset({"2021"})}
