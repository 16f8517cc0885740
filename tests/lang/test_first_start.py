"""What a build reads of the language resources costs little: NLTK's Punkt alone, and the
dictionary read once into the installation's cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ccqa.lang.bilingual import Translations, prepare_dictionary

VOCABULARY = {"gdp", "econom", "circl", "high", "speed", "railway", "地区生产总值", "高铁", "港口", "tea"}


def test_sentences_are_cut_without_loading_all_of_nltk_and_nltk_still_loads_whole_later() -> None:
    program = """
import sys
from ccqa.lang.english import sentence_spans
text = "Dr. Li spoke at 3 p.m. on Monday. GDP rose 8.5% in 2021. Trains run hourly."
ours = sentence_spans(text)
assert "scipy.stats" not in sys.modules and "nltk" not in sys.modules, sorted(sys.modules)[:5]
import nltk
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from ccqa.lang.english import ABBREVIATIONS
params = PunktParameters()
params.abbrev_types = set(ABBREVIATIONS)
assert ours == list(PunktSentenceTokenizer(params).span_tokenize(text)) == [(0, 33), (34, 56), (57, 75)], ours
assert hasattr(nltk, "word_tokenize") and nltk.tokenize.punkt.PunktSentenceTokenizer is PunktSentenceTokenizer
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_cached_dictionary_gives_the_same_translations(tmp_path: Path) -> None:
    fresh = Translations.for_vocabulary(VOCABULARY)
    cached_first = Translations.for_vocabulary(VOCABULARY, tmp_path)  # reads it into the cache
    cached_again = Translations.for_vocabulary(VOCABULARY, tmp_path)  # reads the cache
    assert fresh == cached_first == cached_again
    assert fresh.carry(["high", "speed", "railway"], "zh") == ["高铁"]
    path = prepare_dictionary(tmp_path)
    assert path is not None and path.parent == tmp_path and len(list(tmp_path.glob("cedict-*.tsv"))) == 1


def test_a_damaged_cached_dictionary_is_read_again(tmp_path: Path) -> None:
    path = prepare_dictionary(tmp_path)
    assert path is not None
    path.write_text("高铁\tsomething wrong\n", encoding="utf-8")
    assert Translations.for_vocabulary(VOCABULARY, tmp_path) == Translations.for_vocabulary(VOCABULARY)
