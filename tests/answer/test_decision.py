"""The no-answer decision: the fitted model's rule, its file, and the vetoes beside it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ccqa.answer.decision import Evidence, confidence, is_answered, vetoed
from ccqa.answer.ranking import DECISION_FEATURES, AnswerModels, DecisionModel, packaged_models
from ccqa.errors import ModelError

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "ccqa" / "answer" / "model"


def evidence(coverage: float, **changes: float) -> Evidence:
    """An English question over an English sentence that holds ``coverage`` of its terms."""
    base = Evidence(dense_top=0.3 + 0.4 * coverage, sentence_semantic=0.2 + 0.5 * coverage,
                    passage_coverage=coverage, sentence_coverage=coverage, unknown_terms=0.0,
                    type_missing=0.0, numbers_missing=0.0, unknown_names=0.0,
                    scope_missing_count=3 * (1 - coverage), scope_missing_idf=0.6 * (1 - coverage),
                    scope_key_missing=float(coverage < 0.5), margin=0.5, score=coverage)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_not_found_when_the_question_is_more_likely_unanswerable_than_not() -> None:
    assert DecisionModel.refuses(np.array([0.6, 0.3, 0.1]))
    assert not DecisionModel.refuses(np.array([0.4, 0.35, 0.25]))


def test_a_sentence_sharing_no_word_with_the_question_is_not_its_answer() -> None:
    """"What was the GDP in 2015?" over documents whose only 2015 sentence is about a railway."""
    assert vetoed(evidence(0.0, sentence_coverage=0.0))
    assert not vetoed(evidence(0.6))


def test_confidence_is_a_probability_that_rises_with_what_the_sentence_holds_of_the_question() -> None:
    model = packaged_models().decision
    p = model.probabilities(evidence(0.9).features(), True)
    assert p.shape == (3,) and abs(float(p.sum()) - 1.0) < 1e-9
    assert confidence(evidence(0.9), model) > confidence(evidence(0.1), model)
    assert is_answered(evidence(1.0), model)
    assert not is_answered(evidence(0.0), model)  # no word of the question in it: the veto, whatever the model says


def test_a_name_no_document_uses_refuses_only_where_every_document_is_in_the_questions_language() -> None:
    """"GDP of Shanghai?" over English articles that never name it: nowhere to be found. Over a
    bilingual collection the name may be written in the other script ("Gaozhu", 高竹), which the
    dictionary does not always know: there the model weighs it."""
    unknown = evidence(0.8, unknown_names=1.0)
    assert vetoed(replace(unknown, one_language=True))
    assert not vetoed(replace(unknown, one_language=False))


def test_a_decision_file_for_other_features_is_refused(tmp_path: Path) -> None:
    for name in ("sentence_ranker.json", "value_ranker.json", "decision.json"):
        (tmp_path / name).write_text((SHIPPED / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert AnswerModels.load(tmp_path).decision.coefficients.shape == (3, 2 * len(DECISION_FEATURES) + 1)
    record = json.loads((SHIPPED / "decision.json").read_text(encoding="utf-8"))
    for change in ({"features": record["features"][:-1]}, {"classes": ["right", "wrong"]},
                   {"intercepts": [0.0, "1", 0.0]}, {"coefficients": record["coefficients"][:2]}):
        (tmp_path / "decision.json").write_text(json.dumps({**record, **change}), encoding="utf-8")
        with pytest.raises(ModelError, match="decision.json.*retrain"):
            AnswerModels.load(tmp_path)
