"""Chinese (simplified and traditional): rjieba segmentation (jieba's dictionary, with the region's
own words in ``data/chinese_words.txt``), traditional characters read as simplified (OpenCC) for
matching, sentences ending at 。！？；, and the question cues the answer stage still reads: what a
question asks (多少 -> a number, 谁 -> a name), follow-ups (那2024年呢？) and the names it holds.

Latin words and numbers inside Chinese text follow English's rules.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from ccqa.lang import english
from ccqa.lang.base import Language

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_CHARS = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]")
SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*")


REGION_WORD_FREQUENCY = 100000  # high enough that the segmenter keeps each region word whole


def region_words() -> list[tuple[str, str | None]]:
    """The region's words (``data/chinese_words.txt``) with their part of speech, if given:
    names the general dictionary splits (双城经济圈)."""
    out: list[tuple[str, str | None]] = []
    for line in resources.files("ccqa.lang").joinpath("data/chinese_words.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, *tag = line.split()
            out.append((word, tag[0] if tag else None))
    return out


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    """rjieba with the region's words added."""
    import rjieba

    for word, tag in region_words():
        rjieba.add_word(word, REGION_WORD_FREQUENCY, tag)
    return rjieba


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = resources.files("ccqa.lang").joinpath("data/chinese_stopwords.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def simplified(text: str) -> str:
    """Traditional characters as simplified ones (成渝地區雙城經濟圈 -> 成渝地区双城经济圈)."""
    return _converter().convert(text) if CJK.search(text) else text


def simplified_in_place(text: str) -> str:
    """``simplified`` keeping every character where it was (offsets into the original stay good)."""
    converted = simplified(text)
    if len(converted) == len(text):
        return converted
    return "".join(simplified(c) if len(simplified(c)) == 1 else c for c in text)


def token_terms(token: str) -> list[str]:
    """Terms of a run of Chinese text: its words and the words inside them (search mode), in
    simplified characters, without function words, question words or punctuation."""
    words = _segmenter().cut_for_search(simplified(token))
    stop = stopwords()
    return [w for w in words if w not in stop and _WORD_CHARS.search(w) and not (len(w) == 1 and w.isascii())]


def token_term_spans(token: str) -> list[tuple[str, int, int]]:
    """Each term of a run of Chinese text with its offsets inside the run."""
    stop = stopwords()
    out = []
    for word, start, end in _segmenter().tokenize(simplified_in_place(token), "search"):
        if word not in stop and _WORD_CHARS.search(word) and not (len(word) == 1 and word.isascii()):
            out.append((word.lower(), start, end))
    return out


def words_with_tags(text: str) -> list[tuple[str, str]]:
    """Words of ``text`` with their part of speech (ns: place, nr: person, nt: organisation)."""
    return [(w, tag) for w, tag in _segmenter().tag(simplified(text))]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences end at 。！？； (and any closing quotes after them); Latin sentences inside
    follow Punkt. (``ccqa.lang.split_sentences`` cuts at 。！？ for every language.)"""
    spans: list[tuple[int, int]] = []
    for start, end in english.sentence_spans(text):
        piece = start
        for match in SENTENCE_END.finditer(text, start, end):
            if match.end() < end and CJK.search(text[piece:match.end()]):
                spans.append((piece, match.end()))
                piece = match.end()
        spans.append((piece, end))
    return spans


# --- what a question asks ---------------------------------------------------------------------

_ASKS_NUMBER = re.compile(r"多少|几|多大|多长|多远|多高|多快|多重|比重|占比|增速|增长率|增幅|规模|总量|数量|人数|金额|"
                          r"面积|长度|时速|总投资|投资额|收入|吞吐量|生产总值|GDP|人口")
_ASKS_DATE = re.compile(r"什么时候|何时|哪一年|哪年|哪一天|哪天|几月|几号|哪个月|日期|时间是|何年|开工时间|通车时间|建成时间")
_ASKS_NAME = re.compile(r"谁|哪个|哪些|哪座|哪家|哪里|哪儿|什么名字|叫什么|是什么|有哪些|位于|在哪")


def expected_type(question: str) -> str | None:
    """What a Chinese question asks for: number, date, name, or None."""
    if _ASKS_DATE.search(question):
        return "date"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_NAME.search(question):
        return "name"
    return english.expected_type(question)


# --- follow-ups and names ----------------------------------------------------------------------

_FOLLOW_UP = re.compile(r"^(?:那么?|还有|另外|此外|那它|那其|它的?|其|该|这个|那个)|呢[？?]?$")


def is_follow_up(question: str) -> bool:
    """那2024年呢？ 它的设计时速是多少？ 还有哪些？"""
    text = question.strip()
    return bool(_FOLLOW_UP.search(text)) or (english.is_follow_up(text) and not CJK.search(text))


def names(question: str) -> list[str]:
    """Places, people and organisations a Chinese question names (by part of speech), with any
    Latin names inside it."""
    found = [w for w, tag in words_with_tags(question) if tag in ("ns", "nr", "nt", "nz") and len(w) > 1]
    return found + english.names(question)


LANGUAGE = Language(
    code="zh",
    name="Chinese",
    sentence_spans=sentence_spans,
    expected_type=expected_type,
    is_follow_up=is_follow_up,
    names=names,
)
