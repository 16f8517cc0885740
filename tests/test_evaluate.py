"""``ccqa eval``'s scoring: what counts as the right passage, sentence and exact answer, and the groups."""

from __future__ import annotations

from ccqa.data import Answer, AnswerSentence, AnswerSpan, Citation, CitedPassage, Span
from ccqa.evaluate import EvalQuestion, evaluate


def _answer(question: str, sentence: str, span: str | None, passages: list[str], found: bool = True) -> Answer:
    cited = []
    offset = 0
    for text in passages:
        citation = Citation("d", "D", None, f"d-{offset}", offset, offset + len(text))
        highlight = Span(offset + text.index(sentence), offset + text.index(sentence) + len(sentence)) \
            if sentence in text else None
        cited.append(CitedPassage(text, 1.0, citation, highlight))
        offset += len(text) + 2
    answer = None
    if found:
        start = passages[0].index(sentence)
        answer = AnswerSentence(sentence, 0, "d", start, start + len(sentence),
                                span=AnswerSpan(0, len(span), span) if span else None)
    return Answer(question, question, found, "", answer, tuple(cited), "hybrid")


def test_the_right_passage_sentence_and_exact_answer_are_counted_per_set_and_kind() -> None:
    gdp = "The GDP reached 7.39 trillion yuan in 2021."
    questions = [
        EvalQuestion("GDP in 2021?", ("7.39 trillion yuan",), False, set="en", kind="prose"),
        EvalQuestion("2021年GDP?", ("7.39 trillion yuan",), False, set="zh", kind="prose"),
        EvalQuestion("Mayor?", (), True, set="en"),
    ]
    answers = {
        "GDP in 2021?": _answer("GDP in 2021?", gdp, "7.39 trillion yuan", [gdp, "Other text."]),
        # right passage second, wrong sentence, a span far longer than the answer
        "2021年GDP?": _answer("2021年GDP?", "Other text.", "Other text about many things entirely",
                              ["Other text.", gdp]),
        "Mayor?": _answer("Mayor?", "Other text.", None, ["Other text."], found=False),
    }
    report = evaluate(questions, lambda q: answers[q.q]).to_dict()
    assert report["hit@1"] == 0.5 and report["hit@3"] == 1.0 and report["mrr@10"] == 0.75
    assert report["sentence_acc"] == 0.5 and report["exact@1"] == 0.5
    assert report["no_answer_recall"] == 1.0 and report["false_no_answer_rate"] == 0.0
    assert report["by_set"]["en"]["exact@1"] == 1.0 and report["by_set"]["zh"]["hit@1"] == 0.0
    assert report["by_kind"]["prose"]["n"] == 2 and "None" not in report["by_kind"]


def test_a_span_three_times_longer_than_the_gold_text_is_not_exact() -> None:
    sentence = "Trains made more than 4,800 trips in 2021."
    question = EvalQuestion("Trips in 2021?", ("4,800",), False)
    close = evaluate([question], lambda q: _answer(q.q, sentence, "more than 4,800", [sentence])).to_dict()
    long = evaluate([question], lambda q: _answer(q.q, sentence, "more than 4,800 trips in 2021", [sentence])).to_dict()
    assert close["exact@1"] == 1.0 and long["exact@1"] == 0.0 and long["sentence_acc"] == 1.0


def test_a_figure_written_another_way_and_chinese_in_either_script_match() -> None:
    row = "| 2022 | 23176.90 | 5.7 |"
    figure = evaluate([EvalQuestion("Chengdu GDP?", ("23,176.9",), False)],
                      lambda q: _answer(q.q, row, None, [row])).to_dict()
    traditional = "該站總建築面積約122萬平方米。"
    script = evaluate([EvalQuestion("重庆东站总建筑面积多大？", ("约122万平方米",), False)],
                      lambda q: _answer(q.q, traditional, "約122萬平方米", [traditional])).to_dict()
    unrelated = evaluate([EvalQuestion("Chengdu GDP?", ("23,176.9",), False)],
                         lambda q: _answer(q.q, "| 2022 | 123176.9 |", None, ["| 2022 | 123176.9 |"])).to_dict()
    assert figure["sentence_acc"] == 1.0 and script["exact@1"] == 1.0 and unrelated["hit@1"] == 0.0
