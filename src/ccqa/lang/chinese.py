"""Chinese (simplified and traditional): terms are single characters and character bigrams;
sentences end at 。！？ (cut for every language by ``ccqa.lang.split_sentences``), and the
Latin sentences, words and numbers inside Chinese text follow English's rules."""

from __future__ import annotations

import itertools
import re

from ccqa.lang import english
from ccqa.lang.base import Language

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def token_terms(token: str) -> list[str]:
    """Terms of one lower-cased token holding CJK characters: each character and each pair."""
    chars = list(token)
    return [c for c in chars if CJK.match(c) or c.isdigit()] + [a + b for a, b in itertools.pairwise(chars)]


LANGUAGE = Language(
    code="zh",
    name="Chinese",
    sentence_spans=english.sentence_spans,
    expected_type=english.expected_type,
    typed_values=english.typed_values,
    value_spans=english.value_spans,
    expected_kind=english.expected_kind,
    value_kind=english.value_kind,
    is_follow_up=english.is_follow_up,
    points_back=english.points_back,
    names=english.names,
    asks_for_person=english.asks_for_person,
)
