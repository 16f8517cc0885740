"""Choosing among the reader's readings: the asked year only; without a year, the most recent
of the readings nearly as good, the others as earlier figures; a later release of the same
year's figure replaces the earlier one; the calibrated probability decides "not found"."""

from __future__ import annotations

from ccqa.answer.candidates import Piece, ReaderCandidate
from ccqa.answer.compose import Calibration, Read, choose
from ccqa.answer.question import read_question
from ccqa.answer.reader import Reading

CALIBRATION = Calibration(scale=1.0, shift=0.0, threshold=0.5, latest_margin=1.5)


def read(logit: float, years: set[str], published: str = "2023-01-01", span: bool = True, hit: int = 0) -> Read:
    text = f"The GDP reached {logit} trillion yuan."
    candidate = ReaderCandidate(hit, 0, text, len(text), (Piece(0, len(text), 0),))
    return Read(candidate, Reading(logit, (4, 7) if span else None), frozenset(years), published)


def test_a_question_naming_a_year_is_answered_only_from_that_year() -> None:
    reads = [read(5.0, {"2022"}), read(2.0, {"2021"})]
    choice = choose(read_question("GDP of the circle in 2021?"), reads, CALIBRATION)
    assert choice.best is reads[1] and not choice.earlier


def test_a_year_no_reading_is_about_gives_the_years_that_are() -> None:
    reads = [read(5.0, {"2022"}), read(4.5, {"2021"}), read(-6.0, {"2019"})]
    choice = choose(read_question("GDP of the circle in 2015?"), reads, CALIBRATION)
    assert choice.best is None and choice.years_given == ("2021", "2022")


def test_without_a_year_the_latest_close_reading_answers_and_the_others_are_earlier() -> None:
    reads = [read(5.0, {"2021"}), read(4.0, {"2022"}), read(3.8, {"2019"}), read(0.5, {"2023"})]
    choice = choose(read_question("What is the GDP of the circle?"), reads, CALIBRATION)
    assert choice.best is reads[1]
    assert [max(r.years) for r in choice.earlier] == ["2021", "2019"]  # 2023 reads too poorly to count


def test_a_later_release_of_the_same_years_figure_replaces_the_earlier_one() -> None:
    preliminary, final = read(5.0, {"2022"}, "2023-01-20"), read(4.8, {"2022"}, "2023-06-30")
    choice = choose(read_question("GDP of the circle in 2022"), [preliminary, final], CALIBRATION)
    assert choice.best is final


def test_a_reading_that_marks_no_value_is_not_replaced_by_another_years() -> None:
    reads = [read(5.0, {"2021"}, span=False), read(4.9, {"2022"})]
    choice = choose(read_question("Who leads the circle?"), reads, CALIBRATION)
    assert choice.best is reads[0] and not choice.earlier


def test_confidence_is_the_calibrated_probability() -> None:
    calibration = Calibration(scale=2.0, shift=-1.0, threshold=0.5)
    assert abs(calibration.probability(0.5) - 0.5) < 1e-9
    assert calibration.probability(3.0) > 0.99 and calibration.probability(-2.0) < 0.01
