"""The reader's cut vocabulary tokenises English and Chinese text exactly as the full one does
(so the reader reads it the same), and only characters of other scripts become <unk>."""

from __future__ import annotations

import pytest

from ccqa.config import Settings
from ccqa.embed.e5_base import E5Tokenizer, ensure_base_model, reader_kept_ids
from ccqa.embed.vocabulary import SPECIAL_PIECES, readable

TEXTS = [
    "query: How long is the Chengdu-Chongqing high-speed railway that opened in 2015?",
    "passage: The double-track line runs 308 km; trains reach 350 km/h (≈ 97 m/s) — a 62-minute trip.",
    "passage: 经济圈实现地区生产总值81986.7亿元，增长6.1%，全长約292公里，預計達2萬億元左右。",
    "成渝地区双城经济圈建设规划纲要》提出：到2025年，“一极一源、两中心两地”目标基本实现①",
    "ＧＤＰ　２０２３年　重慶市　面積８．２４萬㎞²，氣溫２５℃；Zürich, São Paulo, Nguyễn, pīnyīn",
    "chengdu metro opening date | 成都 GDP 2023 | how fast did it grow???",
]


@pytest.fixture(scope="module")
def tokenizers() -> tuple[E5Tokenizer, E5Tokenizer, list[int]]:
    base = ensure_base_model(Settings().setup_dir)
    return E5Tokenizer(base), E5Tokenizer(base, cut=True), reader_kept_ids(base)


def test_english_and_chinese_text_gets_the_same_pieces(tokenizers) -> None:  # type: ignore[no-untyped-def]
    full, cut, kept = tokenizers
    for text in TEXTS:
        full_ids = full.encode(text, "对 the pair").ids
        cut_ids = cut.encode(text, "对 the pair").ids
        assert [kept[i] for i in cut_ids] == full_ids, text
        assert 3 not in full_ids  # no <unk> either way


def test_other_scripts_are_unknown_to_the_reader(tokenizers) -> None:  # type: ignore[no-untyped-def]
    full, cut, _ = tokenizers
    assert 3 not in full.encode("Москва").ids
    assert 3 in cut.encode("Москва").ids
    assert not readable("Москва") and readable("▁成渝") and readable("℃")


def test_the_special_pieces_keep_their_ids_and_half_the_vocabulary_goes(tokenizers) -> None:  # type: ignore[no-untyped-def]
    _, _, kept = tokenizers
    assert kept[:SPECIAL_PIECES] == list(range(SPECIAL_PIECES))
    assert 100_000 < len(kept) < 150_000  # of 250,002
