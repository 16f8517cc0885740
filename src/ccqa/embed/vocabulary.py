"""The reader's vocabulary cut to the pieces English and Chinese text can use.

multilingual-e5-small knows 250,002 pieces of about 100 languages; its tokenizer alone holds
~280 MB in memory and its embedding matrix is most of the reader's graph. A piece can only match
text that holds every one of its characters, so a piece with a character outside
``KEPT_RANGES`` (Cyrillic, Arabic, Devanagari, Thai, Hangul, kana, ...) never takes part in
tokenising text whose characters are all inside them: for such text the cut vocabulary gives
the same pieces, the same embeddings, the same readings. A character outside them (a Russian
name) becomes ``<unk>``, as any character the full vocabulary lacks already does.

Pure logic: the tokenizer's JSON in, the kept ids and the cut tokenizer's JSON out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

VOCABULARY_VERSION = "en-zh-1"  # part of the reader graph's cache key: a change rebuilds it
SPECIAL_PIECES = 4  # <s>, <pad>, </s>, <unk>: kept first, so their ids do not change

KEPT_RANGES = (
    (0x0000, 0x036F),  # Latin (basic, Latin-1, extended A and B), IPA, spacing modifiers, combining marks
    (0x0370, 0x03FF),  # Greek (μ, α in units and formulas)
    (0x1E00, 0x1EFF),  # Latin extended additional (pinyin with tones: ǎ is earlier, ế here)
    (0x2000, 0x2BFF),  # punctuation, super/subscripts, currency, letterlike (℃), number forms,
                       # arrows, maths, technical, enclosed (①), box drawing, blocks (▁), shapes, dingbats
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK letters and months, CJK compatibility (㎡, ㎞)
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x20000, 0x3134F),  # CJK extensions B to G
)


def readable(piece: str) -> bool:
    """Whether every character of ``piece`` is one English or Chinese text may hold."""
    return all(any(a <= ord(c) <= b for a, b in KEPT_RANGES) for c in piece)


def kept_ids(pieces: Sequence[str]) -> list[int]:
    """The ids of the pieces kept, in their order: the special pieces, then every readable one."""
    return list(range(SPECIAL_PIECES)) + [i for i in range(SPECIAL_PIECES, len(pieces)) if readable(pieces[i])]


def pieces_of(tokenizer_json: str) -> list[str]:
    return [piece for piece, _ in json.loads(tokenizer_json)["model"]["vocab"]]


def cut_tokenizer_json(tokenizer_json: str, kept: Sequence[int]) -> str:
    """The Unigram tokenizer over the kept pieces only, renumbered 0..len(kept)-1 (piece
    ``kept[i]`` of the full vocabulary is piece ``i`` here)."""
    data = json.loads(tokenizer_json)
    if list(kept[:SPECIAL_PIECES]) != list(range(SPECIAL_PIECES)) or data["model"]["unk_id"] >= SPECIAL_PIECES:
        raise ValueError("the special pieces must come first and keep their ids")
    vocab = data["model"]["vocab"]
    data["model"]["vocab"] = [vocab[i] for i in kept]
    return json.dumps(data, ensure_ascii=False)
