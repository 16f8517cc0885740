"""The reader's plumbing: a question and a candidate become the tokens the model reads, the
answer's characters become tokens (training) and tokens become the answer's characters
(serving), only inside what may be quoted."""

from __future__ import annotations

import numpy as np
import pytest

from ccqa.answer.reader import PASSAGE, QUERY, best_span, encode_pair, question_text
from ccqa.config import Settings
from ccqa.embed.e5_base import E5Tokenizer, ensure_base_model

TEXT = "The GDP of the circle reached 7.39 trillion yuan in 2021. | Economy › Output"
QUOTABLE = TEXT.index(" |")


@pytest.fixture(scope="module")
def tokenizer() -> E5Tokenizer:
    return E5Tokenizer(ensure_base_model(Settings().setup_dir))


def test_a_follow_up_is_read_with_the_turn_before() -> None:
    assert question_text("and in 2022?", ["GDP of the circle in 2021", "what is its GDP"]) == \
        QUERY + "and in 2022? | what is its GDP"
    assert question_text("GDP 2021", []) == QUERY + "GDP 2021"


def test_the_answers_characters_become_its_first_and_last_token(tokenizer: E5Tokenizer) -> None:
    start = TEXT.index("7.39")
    pair = encode_pair(tokenizer, question_text("GDP 2021?", []), TEXT, QUOTABLE, [start, start + len("7.39 trillion yuan")])
    assert pair.span_tokens is not None
    first, last = pair.span_tokens
    assert pair.token_chars[first][0] <= start < pair.token_chars[first][1]
    assert pair.token_chars[last][1] == start + len("7.39 trillion yuan")
    assert pair.ids[0] == 0 and pair.ids[-1] == 2  # <s> ... </s>


def test_only_the_quoted_part_may_hold_the_answer(tokenizer: E5Tokenizer) -> None:
    pair = encode_pair(tokenizer, QUERY + "GDP", TEXT, QUOTABLE)
    assert pair.quotable_tokens
    assert all(pair.token_chars[t][1] <= QUOTABLE for t in pair.quotable_tokens)
    assert max(e for _, e in pair.token_chars) > QUOTABLE  # the context is read, never quoted


def test_the_best_span_is_cut_from_the_candidate_and_trimmed(tokenizer: E5Tokenizer) -> None:
    pair = encode_pair(tokenizer, QUERY + "GDP", TEXT, QUOTABLE)
    start, end = np.full(len(pair.ids), -5.0), np.full(len(pair.ids), -5.0)
    first = next(t for t in pair.quotable_tokens if pair.token_chars[t][1] > TEXT.index("7.39"))
    last = next(t for t in pair.quotable_tokens if "yuan" in TEXT[pair.token_chars[t][0]:pair.token_chars[t][1]])
    start[first], end[last] = 5.0, 5.0
    start[len(pair.ids) - 3] = 50.0  # a token of the context scores highest: never chosen
    a, b = best_span(start, end, pair, TEXT)
    assert TEXT[a:b] == "7.39 trillion yuan"


def test_chinese_text_keeps_its_characters_places(tokenizer: E5Tokenizer) -> None:
    text = "２０２３年成都实现地区生产总值22074.7亿元。"
    at = text.index("22074.7亿元")
    pair = encode_pair(tokenizer, QUERY + "成都GDP", text, len(text), [at, at + len("22074.7亿元")])
    first, last = pair.span_tokens
    assert text[pair.token_chars[first][0]:pair.token_chars[last][1]].endswith("22074.7亿元")
    assert PASSAGE not in text
