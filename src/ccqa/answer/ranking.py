"""The learned sentence scorer: how well each candidate sentence answers the question, as a
weighted sum of what is measured of it, with weights fitted on labelled questions.

The weights are a conditional logit (a softmax over one question's candidates, the answering
ones labelled) fitted by ``bench/train_ranker.py`` on the bilingual training collection's
writers and SQuAD's training articles; they ship in ``answer/model/sentence_ranker.json`` with
the command, the data and the figures they gave (``MODEL_CARD.md``). They replaced four
hand-set weights and three constants (meaning 1.0, terms 0.6, kind of answer 0.25, rank 0.15;
0.7 more for terms where the embedding model cannot read; 0.05 off a pair): on writers whose
questions neither the fit nor the choice of features saw, the answering sentence rose from
0.526 to 0.564 and from 0.390 to 0.410 (``bench/README.md``, "Sentences scored by a fitted
ranker").

Pure logic: measurements in, scores out; the file is read once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ccqa.errors import ModelError

RANKER_FILE = Path(__file__).resolve().parent / "model" / "sentence_ranker.json"

FEATURES = (
    "semantic_behind",     # cosine to the question minus the best among the question's candidates, where the
                           # embedding model reads both (0 elsewhere: no cosine counts for or against them)
    "terms_english",       # IDF-weighted share of the question's terms, English question and sentence
    "terms_same",          # ... question and sentence in one language the model does not read
    "terms_across",        # ... the question's terms carried into the sentence's other language
    "terms_behind",        # that share minus the best among the question's candidates in its language
    "kind",                # how well its best value fits the kind of answer asked (0..1; 0 when none is)
    "rank",                # its passage's rank among the hits (0 first)
    "first",               # 1: its passage ranks first
    "retrieval",           # its passage's fused search score (z-scored over the hits' candidates)
    "passage_english",     # share of the question's terms in its passage with headings, English both
    "passage_other",       # ... otherwise
    "year_unasked",        # 1: it is about a year and the question names none
    "pair",                # 1: two sentences, the second continuing the first
    "table_row",           # 1: a table row read with its headers
    "length",              # log(1 + its length in characters)
)
RANK_FEATURES = frozenset({"rank", "first", "retrieval"})  # what its passage's place says, not what it says


@dataclass(frozen=True)
class Measured:
    """What is measured of one candidate before it is scored."""

    semantic: float | None  # None where the embedding model does not read question and sentence
    terms: float
    across: bool  # the sentence is in the other language than the question
    kind: float
    rank: int
    retrieval: float
    passage_terms: float
    year_unasked: bool
    pair: bool
    table_row: bool
    length: int


def feature_matrix(measured: Sequence[Measured]) -> np.ndarray:
    """One row of ``FEATURES`` per candidate; the ``_behind`` columns compare it with the others."""
    if not measured:
        return np.zeros((0, len(FEATURES)))
    read = np.array([m.semantic is not None for m in measured])
    semantic = np.array([m.semantic or 0.0 for m in measured])
    terms = np.array([m.terms for m in measured])
    across = np.array([m.across for m in measured])
    semantic_behind = np.zeros(len(measured))
    if read.any():
        semantic_behind[read] = semantic[read] - semantic[read].max()
    terms_behind = np.zeros(len(measured))
    for side in (across, ~across):  # carried terms are not the question's own: compare within a language
        if side.any():
            terms_behind[side] = terms[side] - terms[side].max()
    rank = np.array([m.rank for m in measured], dtype=np.float64)
    passage_terms = np.array([m.passage_terms for m in measured])
    columns = (
        semantic_behind,
        np.where(read, terms, 0.0),
        np.where(~read & ~across, terms, 0.0),
        np.where(across, terms, 0.0),
        terms_behind,
        np.array([m.kind for m in measured]),
        rank,
        (rank == 0).astype(np.float64),
        np.array([m.retrieval for m in measured]),
        np.where(read, passage_terms, 0.0),
        np.where(read, 0.0, passage_terms),
        np.array([m.year_unasked for m in measured], dtype=np.float64),
        np.array([m.pair for m in measured], dtype=np.float64),
        np.array([m.table_row for m in measured], dtype=np.float64),
        np.log1p(np.array([m.length for m in measured], dtype=np.float64)),
    )
    return np.stack(columns, axis=1)


@dataclass(frozen=True)
class SentenceRanker:
    """Fitted weights, one per feature of ``FEATURES``."""

    weights: np.ndarray

    def scores(self, measured: Sequence[Measured]) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's score, and the part of it its passage's place gave (rank, search score)."""
        rows = feature_matrix(measured)
        by_place = np.array([name in RANK_FEATURES for name in FEATURES])
        return rows @ self.weights, rows[:, by_place] @ self.weights[by_place]

    @classmethod
    def from_record(cls, record: dict) -> SentenceRanker:
        names, weights = record.get("features"), record.get("weights")
        if names != list(FEATURES) or not isinstance(weights, list) or len(weights) != len(FEATURES):
            raise ModelError("the sentence ranker's weights do not match its features; retrain it "
                             "(bench/train_ranker.py) or unset CCQA_RANKER_PATH")
        return cls(np.asarray(weights, dtype=np.float64))

    @classmethod
    def load(cls, path: Path) -> SentenceRanker:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the sentence ranker {path}: {exc}; check CCQA_RANKER_PATH") from None
        return cls.from_record(record)


@lru_cache(maxsize=1)
def packaged_ranker() -> SentenceRanker:
    """The ranker shipped with ccqa."""
    return SentenceRanker.load(RANKER_FILE)
