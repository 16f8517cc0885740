"""The answering sentence, chosen by pure logic: literals in, a choice out."""

from __future__ import annotations

import numpy as np

from ccqa.answer.sentence import best_sentences
from ccqa.data import Hit, Passage, Span

FIGURE = "The economic circle achieved a regional GDP of 7.39 trillion yuan in 2021."
POINTING_BACK = "It accounted for 6.5% of the national economy."


def _hit(*sentences: str) -> Hit:
    text = " ".join(sentences)
    spans, start = [], 0
    for sentence in sentences:
        spans.append(Span(start, start + len(sentence)))
        start += len(sentence) + 1
    passage = Passage("p1", "doc", 0, len(text), text, 0, tuple(spans))
    return Hit(passage, 1.0, 0.5, 1.0, 0)


def test_a_sentence_pointing_back_does_not_take_the_answer_from_the_sentence_it_borrows_from() -> None:
    """A near-tie in meaning: "It accounted for ..." is read with the sentence before, but the
    figure asked for is in that sentence, so that one answers."""
    question_vector = np.array([1.0, 0.0], dtype=np.float32)
    sentence_vectors = np.array([[0.60, 0.80], [0.62, 0.78]], dtype=np.float32)  # the second a hair closer
    (choice,) = best_sentences("What was the regional GDP in 2021?", question_vector, [_hit(FIGURE, POINTING_BACK)],
                               [sentence_vectors], lambda term: 1, 10)
    assert choice.sentence_index == 0


def test_a_sentence_pointing_back_answers_when_its_own_words_match() -> None:
    question_vector = np.array([1.0, 0.0], dtype=np.float32)
    sentence_vectors = np.array([[0.60, 0.80], [0.62, 0.78]], dtype=np.float32)
    (choice,) = best_sentences("What share of the national economy did it account for?", question_vector,
                               [_hit(FIGURE, POINTING_BACK)], [sentence_vectors], lambda term: 1, 10)
    assert choice.sentence_index == 1
