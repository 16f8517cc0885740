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
SENTENCE_FILE, VALUE_FILE, DECISION_FILE = "sentence_ranker.json", "value_ranker.json", "decision.json"

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


# The no-answer decision's measurements of the chosen sentence (``decision.Evidence.features``).
DECISION_FEATURES = (
    "dense_top",            # the best passage's cosine to the question
    "sentence_semantic",    # the chosen sentence's cosine
    "passage_coverage",     # IDF-weighted share of the question's terms in its passage
    "sentence_coverage",    # ... in the sentence read with its context
    "unknown_terms",        # ... that no document uses
    "type_missing",         # 1: the question asks for a number, date or name the sentence lacks
    "numbers_missing",      # 1: a number of the question is absent from the passage
    "unknown_names",        # 1: a name of the question no document uses (in either language, as far as known)
    "key_missing",          # 1: the question's rarest word is absent from the passage
    "names_missing",        # 1: a name of the question the collection uses is absent from the passage
    "kind_missing",         # 1: the kind of value asked (money, a distance, a count of X) is absent
    "person_missing",       # 1: "who ...?" and the sentence names nobody
    "topic_unknown",        # 1: a short question with a term no document uses
    "figure_missing",       # 1: a figure is asked and the sentence gives none
    "no_shared_terms",      # 1: not read by the model and sharing no term with the question
    "scope_key_missing",    # 1: the question's rarest word is absent from the sentence with its context
    "scope_missing_idf",    # the highest IDF (0..1) of a question word the sentence with its context lacks
    "scope_missing_count",  # how many of the question's words the collection uses it lacks
    "scope_names_missing",  # 1: a name of the question the collection uses is absent from it
    "margin",               # the ranker's best score minus its second
    "score",                # the chosen sentence's ranker score
    "across",               # 1: the sentence is in the other language than the question
    "first",                # 1: its passage ranks first
    "rank",                 # log(1 + its passage's rank)
)
DECISION_CLASSES = ("unanswerable", "right", "wrong")
# "Not found" when the question is more likely unanswerable than not. A floor on the probability
# of a right sentence as well (0.1: the most questions answered rightly on w3-w5, each left out in
# turn) did not carry to other writers: false "not found" 0.07 -> 0.15 on w1 (bench/README.md).
REFUSE_ABOVE = 0.5


def decision_rows(features: np.ndarray, read: np.ndarray) -> np.ndarray:
    """The layout the decision's coefficients are for, one row per question: each measurement
    where the model reads both texts, each where it does not, then that flag (serving and
    ``bench/train_ranker.py`` both build rows here)."""
    r = read.astype(np.float64)[:, None]
    return np.hstack([features * r, features * (1 - r), r])


@dataclass(frozen=True)
class DecisionModel:
    """A multinomial logistic regression over ``DECISION_FEATURES`` (each once where the
    embedding model reads question and sentence, once where it does not, then that flag): the
    probabilities that the collection does not answer the question, that the chosen sentence
    answers it, and that it does not."""

    coefficients: np.ndarray  # one row per class of ``DECISION_CLASSES``
    intercepts: np.ndarray

    def probabilities(self, features: Sequence[float], read: bool) -> np.ndarray:
        row = decision_rows(np.asarray([features], dtype=np.float64), np.array([read]))[0]
        z = self.coefficients @ row + self.intercepts
        e = np.exp(z - z.max())
        return e / e.sum()

    @staticmethod
    def refuses(probabilities: np.ndarray) -> bool:
        """"Not found", by what the model says alone (``decision.vetoed`` may refuse as well)."""
        return bool(probabilities[0] > REFUSE_ABOVE)


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
class AnswerModels:
    """What ``bench/train_ranker.py`` fits: the answering sentence's scorer, the exact answer's,
    and the no-answer decision."""

    sentence: SentenceRanker
    value: ValueRanker
    decision: DecisionModel

    @classmethod
    def load(cls, folder: Path) -> AnswerModels:
        """The three fitted files in ``folder`` (``SENTENCE_FILE``, ``VALUE_FILE``, ``DECISION_FILE``)."""
        return cls(SentenceRanker(read_weights(folder / SENTENCE_FILE, FEATURES)),
                   ValueRanker(read_weights(folder / VALUE_FILE, VALUE_FEATURES)),
                   read_decision(folder / DECISION_FILE))


def _record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the fitted model {path}: {exc}; check CCQA_RANKER_PATH") from None
    return record if isinstance(record, dict) else {}


def _numbers(values: object, length: int) -> bool:
    return isinstance(values, list) and len(values) == length and all(
        isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) for w in values)


def _mismatch(path: Path) -> ModelError:
    return ModelError(f"the weights in {path} do not match the features ccqa measures; retrain them "
                      "(bench/train_ranker.py) or unset CCQA_RANKER_PATH")


def read_weights(path: Path, features: Sequence[str]) -> np.ndarray:
    """The weights of a fitted file, refused unless they are for exactly ``features``."""
    record = _record(path)
    weights = record.get("weights")
    if record.get("features") != list(features) or not _numbers(weights, len(features)):
        raise _mismatch(path)
    return np.asarray(weights, dtype=np.float64)


def read_decision(path: Path) -> DecisionModel:
    """The no-answer decision's fitted file, refused unless it is for ``DECISION_FEATURES`` and
    ``DECISION_CLASSES``."""
    record = _record(path)
    rows, intercepts = record.get("coefficients"), record.get("intercepts")
    width = 2 * len(DECISION_FEATURES) + 1
    if record.get("features") != list(DECISION_FEATURES) or record.get("classes") != list(DECISION_CLASSES) \
            or not isinstance(rows, list) or len(rows) != len(DECISION_CLASSES) \
            or not all(_numbers(row, width) for row in rows) or not _numbers(intercepts, len(DECISION_CLASSES)):
        raise _mismatch(path)
    return DecisionModel(np.asarray(rows, dtype=np.float64), np.asarray(intercepts, dtype=np.float64))


@lru_cache(maxsize=1)
def packaged_models() -> AnswerModels:
    """The fitted models shipped with ccqa."""
    return AnswerModels.load(MODEL_FOLDER)
