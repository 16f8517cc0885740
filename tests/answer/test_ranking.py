"""The learned sentence scorer: what it compares, and the shipped weights' behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ccqa.answer.question import read_question
from ccqa.answer.ranking import FEATURES, AnswerModels, Measured, feature_matrix, packaged_models
from ccqa.answer.sentence import candidates_for
from ccqa.data import Document, Hit
from ccqa.errors import ModelError
from ccqa.ingest.passages import passages_for
from ccqa.ingest.structure import structure_of


def measured(semantic: float | None, terms: float, across: bool = False, rank: int = 0) -> Measured:
    return Measured(semantic, terms, across, 0.0, rank, 0.0, terms, False, False, False, 40)


def column(rows: np.ndarray, name: str) -> list[float]:
    return [round(float(v), 6) for v in rows[:, FEATURES.index(name)]]


def test_a_cosine_counts_only_against_other_cosines() -> None:
    """A Chinese sentence has no cosine to an English question: it is neither behind nor ahead."""
    rows = feature_matrix([measured(0.7, 0.5), measured(0.5, 0.5), measured(None, 0.5, across=True)])
    assert column(rows, "semantic_behind") == [0.0, -0.2, 0.0]


def test_carried_terms_are_compared_within_their_language() -> None:
    """The question's terms carried into Chinese are not its own words: a Chinese sentence
    holding all of them does not put the English sentences behind."""
    rows = feature_matrix([measured(0.6, 0.4), measured(0.6, 0.2), measured(None, 1.0, across=True)])
    assert column(rows, "terms_behind") == [0.0, -0.2, 0.0]
    assert column(rows, "terms_english") == [0.4, 0.2, 0.0] and column(rows, "terms_across") == [0.0, 0.0, 1.0]


def test_the_shipped_weights_load_and_prefer_the_sentence_holding_the_question() -> None:
    ranker = packaged_models().sentence
    scores, by_place = ranker.scores([measured(0.7, 0.9), measured(0.4, 0.2)])
    assert scores[0] > scores[1]
    assert by_place[0] == by_place[1]  # one passage: its place gives both the same


def test_weights_for_other_features_are_refused(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "src" / "ccqa" / "answer" / "model"
    for name in ("sentence_ranker.json", "value_ranker.json", "decision.json"):
        (tmp_path / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert AnswerModels.load(tmp_path).value.weights.shape == packaged_models().value.weights.shape
    record = json.loads((shipped / "value_ranker.json").read_text(encoding="utf-8"))
    record["features"] = record["features"][:-1]
    (tmp_path / "value_ranker.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ModelError, match="retrain"):
        AnswerModels.load(tmp_path)
    with pytest.raises(ModelError, match="CCQA_RANKER_PATH"):
        AnswerModels.load(tmp_path / "missing")


@pytest.mark.parametrize("record", [[], "weights", {"features": None}, "not json"])
def test_a_ranker_file_that_is_not_a_record_of_weights_is_refused(tmp_path: Path, record: object) -> None:
    shipped = Path(__file__).resolve().parents[2] / "src" / "ccqa" / "answer" / "model"
    for name in ("sentence_ranker.json", "decision.json"):
        (tmp_path / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = record if record == "not json" else json.dumps(record)
    (tmp_path / "value_ranker.json").write_text(str(text), encoding="utf-8")
    with pytest.raises(ModelError, match="value_ranker.json"):
        AnswerModels.load(tmp_path)


def test_weights_that_are_not_finite_numbers_are_refused(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "src" / "ccqa" / "answer" / "model"
    for name in ("sentence_ranker.json", "value_ranker.json", "decision.json"):
        (tmp_path / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    record = json.loads((shipped / "value_ranker.json").read_text(encoding="utf-8"))
    for bad in ("1.0", True, float("nan")):
        record["weights"][0] = bad
        (tmp_path / "value_ranker.json").write_text(json.dumps(record), encoding="utf-8")
        with pytest.raises(ModelError, match="retrain"):
            AnswerModels.load(tmp_path)


def test_an_english_question_is_answered_from_the_english_sentence_when_both_say_it() -> None:
    """The issue's complaint: an English question answered from a Chinese passage when an
    English one says the same."""
    english_text = "Chengdu's GDP reached 2.2 trillion yuan in 2023, up 6 percent."
    chinese_text = "2023年成都地区生产总值22074.7亿元，增长6.0%。"
    english = Document("en", "en.txt", "Chengdu", english_text, structure=structure_of(english_text))
    chinese = Document("zh", "zh.txt", "成都", chinese_text, lang="zh", structure=structure_of(chinese_text))
    hits, vectors = [], []
    for row, document in enumerate((chinese, english)):  # the Chinese passage ranks first
        for passage in passages_for(document):
            hits.append(Hit(passage, 1.0 - row, 0.5, 1.0, row))
            vectors.append(np.full((len(passage.sentences), 2), [0.8, 0.6], dtype=np.float32))
    question = read_question("What was Chengdu's GDP in 2023?", carried=("成都", "生产总值", "地区"))
    found = candidates_for(question, np.array([1.0, 0.0], dtype=np.float32), hits, vectors,
                           {"en": english, "zh": chinese}, lambda term: 1, 10)
    winner = max(found, key=lambda c: c.score)
    assert hits[winner.hit_index].passage.doc_id == "en"
