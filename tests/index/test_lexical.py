"""The lexical part: BM25 scores and document frequencies, saved and mapped back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ccqa.index.lexical import LexicalIndex, LexicalParams
from ccqa.lang.terms import terms

TEXTS = ["The GDP of the circle grew in 2021.", "Rail freight grew; rail passengers grew more.", "Tea from Sichuan."]


def test_scores_rank_the_passage_that_uses_the_terms_and_ignore_unknown_terms() -> None:
    lexical = LexicalIndex.build([terms(t) for t in TEXTS])
    scores = lexical.scores(terms("rail freight"))
    assert scores.argmax() == 1 and scores[2] == 0
    assert np.all(lexical.scores(["never-used"]) == 0) and len(lexical.scores([])) == 3


def test_document_frequency_counts_passages_not_occurrences() -> None:
    lexical = LexicalIndex.build([terms(t) for t in TEXTS])
    assert lexical.document_frequency(terms("grew")[0]) == 2
    assert lexical.document_frequency(terms("rail")[0]) == 1  # twice in one passage
    assert lexical.document_frequency("never-used") == 0


def test_a_passage_without_terms_still_has_a_row() -> None:
    lexical = LexicalIndex.build([terms("the and of"), terms("tea")])
    assert len(lexical.scores(["tea"])) == 2


def test_saved_index_loads_with_the_same_scores_and_frequencies(tmp_path: Path) -> None:
    built = LexicalIndex.build([terms(t) for t in TEXTS], LexicalParams(k1=1.2, b=0.75))
    built.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, built.params)
    query = terms("GDP grew in Sichuan")
    assert np.allclose(loaded.scores(query), built.scores(query))
    assert [loaded.document_frequency(t) for t in query] == [built.document_frequency(t) for t in query]
    assert LexicalParams.from_dict(built.params.to_dict()) == built.params
