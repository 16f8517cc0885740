"""The lexical part of an index: BM25 over each passage's terms (bm25s), in how many passages
each term occurs (the answer stage weighs question terms by it), and the translations of its
terms that carry a question in the other language across (``lang/bilingual.py``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ccqa.lang.bilingual import Translations

BM25_DIR = "bm25"
TRANSLATIONS_FILE = "translations.json"
EMPTY_PASSAGE = "\u2205"  # the one term of a passage without terms, so every row has one


@dataclass(frozen=True)
class LexicalParams:
    """How the lexical part was made; stored in the manifest, a change forces re-analysis.

    k1 0.9 and b 0.4 beat 1.2/0.75 on SQuAD dev passages (bench/README.md)."""

    k1: float = 0.9
    b: float = 0.4
    terms: str = "snowball-en+rjieba-zh-v1"  # the analyser's version (ccqa.lang.terms)

    def to_dict(self) -> dict[str, Any]:
        return {"k1": self.k1, "b": self.b, "terms": self.terms}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LexicalParams:
        return cls(float(d["k1"]), float(d["b"]), str(d["terms"]))


def _bm25s() -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s


class LexicalIndex:
    """BM25 scores of passages for a query's terms, and each term's document frequency.

    >>> lexical = LexicalIndex.build([["gdp", "2021"], ["rail"]])
    >>> lexical.document_frequency("gdp"), lexical.scores(["rail"]).argmax()
    (1, 1)
    """

    def __init__(self, bm25: Any, params: LexicalParams, translations: Translations | None = None) -> None:
        self.bm25 = bm25
        self.params = params
        self.translations = translations or Translations()
        self._term_ids: dict[str, int] = bm25.vocab_dict
        # BM25's sparse matrix is stored by term (CSC): a term's nonzeros are its passages
        self._document_frequency = np.diff(np.asarray(bm25.scores["indptr"]))
        self._rows = int(bm25.scores["num_docs"])

    @classmethod
    def build(cls, passage_terms: Sequence[Sequence[str]], params: LexicalParams = LexicalParams(),
              cache_dir: Path | None = None) -> LexicalIndex:
        """Index each passage's terms (one list per passage, in row order); ``cache_dir``: where
        the dictionary of carried terms is kept read (``ccqa.cache``)."""
        retriever = _bm25s().BM25(k1=params.k1, b=params.b)
        retriever.index([list(t) or [EMPTY_PASSAGE] for t in passage_terms], show_progress=False)
        # an English-only collection too: a Chinese question carries its terms into English
        return cls(retriever, params, Translations.for_vocabulary(set(retriever.vocab_dict), cache_dir))

    @classmethod
    def load(cls, directory: Path, params: LexicalParams) -> LexicalIndex:
        """Memory-map the saved index (shared by workers through the page cache); an index saved
        before translations were kept has none."""
        translations = Translations()
        if (directory / TRANSLATIONS_FILE).is_file():
            translations = Translations.from_dict(json.loads((directory / TRANSLATIONS_FILE).read_text("utf-8")))
        return cls(_bm25s().BM25.load(str(directory / BM25_DIR), allow_pickle=False, mmap=True), params, translations)

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query's terms (unknown terms score nothing)."""
        known = [t for t in query_terms if t in self._term_ids]
        if not known:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def document_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs (0 when the collection never uses it)."""
        term_id = self._term_ids.get(term)
        return int(self._document_frequency[term_id]) if term_id is not None else 0

    def save(self, directory: Path) -> None:
        self.bm25.save(str(directory / BM25_DIR), allow_pickle=False)
        (directory / TRANSLATIONS_FILE).write_text(json.dumps(self.translations.to_dict(), ensure_ascii=False),
                                                    encoding="utf-8")
