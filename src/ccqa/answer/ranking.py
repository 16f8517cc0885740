"""The learned scorers of the answer stage: how well each candidate sentence answers the
question, and which value in the chosen sentence is the exact answer; each a weighted sum of
what is measured, with weights fitted on labelled questions.

The weights are conditional logits (a softmax over one question's candidates, the answering
ones labelled) fitted by ``bench/train_ranker.py`` on the bilingual training collection's
writers (and, for sentences, SQuAD's training articles); they ship in ``answer/model/`` with the
command, the data and the figures they gave (``MODEL_CARD.md``). The sentence weights replaced
four hand-set weights and three constants (meaning 1.0, terms 0.6, kind of answer 0.25, rank
0.15; 0.7 more for terms where the embedding model cannot read; 0.05 off a pair): on writers
whose questions neither the fit nor the choice of features saw, the answering sentence rose
from 0.526 to 0.564 and from 0.390 to 0.410. The value weights replaced a fixed order (the
value holding most question terms, then the nearest to them): the exact answer rose from
0.333 to 0.353 and from 0.237 to 0.245 on the same writers (``bench/README.md``, "Sentences
and values scored by fitted rankers").

Pure logic: measurements in, scores out; the files are read once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ccqa.errors import ModelError

MODEL_FOLDER = Path(__file__).resolve().parent / "model"
SENTENCE_FILE, VALUE_FILE = "sentence_ranker.json", "value_ranker.json"

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
_BY_PLACE = np.array([name in RANK_FEATURES for name in FEATURES])


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


# The exact answer among the values of the asked type in the answering sentence
# (``span.value_features`` measures them; ``span.candidate_span`` picks by these weights).
VALUE_FEATURES = (
    "grade",               # how well it fits the kind asked (span.EXACT 1.0, UNSAID 0.6, OTHER_COUNT 0.3)
    "best_grade",          # 1: no other value fits better
    "own_terms",           # question terms the value itself holds ("Chengdu's 2.2 trillion")
    "distance",            # log(1 + how far it stands from the question's words; its year counts 3x)
    "distance_share",      # that distance over the sentence's length
    "position",            # its place among the values, 0 first to 1 last
    "first",               # 1: the first value
    "last",                # 1: the last value
    "clause_terms",        # share of the question's terms in its clause (between commas, "and", 、)
    "clause_asked",        # share of the words the user typed this turn in its clause ("and Chengdu?")
    "clause_year",         # 1: a year the question names is in its clause
    "percent_unasked",     # 1: a percentage where the question does not ask for one
    "last_sentence",       # 1: in the last sentence of the answer (a continuing sentence holds the figure)
)


@dataclass(frozen=True)
class SentenceRanker:
    """Fitted weights, one per feature of ``FEATURES``."""

    weights: np.ndarray

    def scores(self, measured: Sequence[Measured]) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's score, and the part of it its passage's place gave (rank, search score)."""
        rows = feature_matrix(measured)
        return rows @ self.weights, rows[:, _BY_PLACE] @ self.weights[_BY_PLACE]


@dataclass(frozen=True)
class ValueRanker:
    """Fitted weights, one per feature of ``VALUE_FEATURES``."""

    weights: np.ndarray

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return rows @ self.weights


@dataclass(frozen=True)
class Rankers:
    """What ``bench/train_ranker.py`` fits: the answering sentence's scorer and the exact answer's."""

    sentence: SentenceRanker
    value: ValueRanker

    @classmethod
    def load(cls, folder: Path) -> Rankers:
        """The two fitted files in ``folder`` (``SENTENCE_FILE``, ``VALUE_FILE``)."""
        return cls(SentenceRanker(read_weights(folder / SENTENCE_FILE, FEATURES)),
                   ValueRanker(read_weights(folder / VALUE_FILE, VALUE_FEATURES)))


def read_weights(path: Path, features: Sequence[str]) -> np.ndarray:
    """The weights of a fitted file, refused unless they are for exactly ``features``."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the ranker {path}: {exc}; check CCQA_RANKER_PATH") from None
    names = record.get("features") if isinstance(record, dict) else None
    weights = record.get("weights") if isinstance(record, dict) else None
    if names != list(features) or not isinstance(weights, list) or len(weights) != len(features) \
            or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) for w in weights):
        raise ModelError(f"the weights in {path} do not match the features ccqa measures; retrain them "
                         "(bench/train_ranker.py) or unset CCQA_RANKER_PATH")
    return np.asarray(weights, dtype=np.float64)


@lru_cache(maxsize=1)
def packaged_rankers() -> Rankers:
    """The rankers shipped with ccqa."""
    return Rankers.load(MODEL_FOLDER)
