"""Chinese (simplified and traditional): rjieba segmentation (jieba's dictionary, with the region's
own words in ``data/chinese_words.txt``), traditional characters read as simplified (OpenCC) for
matching, sentences ending at 。！？；, and the cues the answer stage reads: what a question asks
(多少 -> a number; 多少公里 -> a distance), values with their units (81986.7亿元, 292公里, 6.1%),
follow-ups (那2024年呢？) and sentences that lean on the one before (其中、这、该).

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


# --- what a question asks, and where values stand ----------------------------------------------

_ASKS_NUMBER = re.compile(r"多少|几|多大|多长|多远|多高|多快|多重|比重|占比|增速|增长率|增幅|规模|总量|数量|人数|金额|"
                          r"面积|长度|时速|总投资|投资额|收入|吞吐量|生产总值|GDP|人口")
_ASKS_DATE = re.compile(r"什么时候|何时|哪一年|哪年|哪一天|哪天|几月|几号|哪个月|日期|时间是|何年|开工时间|通车时间|建成时间")
_ASKS_NAME = re.compile(r"谁|哪个|哪些|哪座|哪家|哪里|哪儿|什么名字|叫什么|是什么|有哪些|位于|在哪")
_KINDS_ASKED = (
    ("percent", re.compile(r"比重|占比|增速|增长率|增幅|增长了多少|增长多少|百分之|百分点|城镇化率|比上年增长|提高.*多少")),
    ("money", re.compile(r"多少钱|总投资|投资额|投资多少|生产总值|GDP|收入|金额|产值|增加值|票价|价格|营收|总额|进出口")),
    ("speed", re.compile(r"时速|速度|多快")),
    ("duration", re.compile(r"多长时间|多久|几个小时|几分钟|多少分钟|多少小时")),
    ("distance", re.compile(r"多长|全长|长度|多少公里|多少千米|多远|里程")),
    ("area", re.compile(r"面积|多大|平方公里")),
    ("person", re.compile(r"谁|什么人|负责人是|市长|主任|局长|书记")),
)
# A Chinese quantity is a figure, a magnitude (万, 亿, ...) and a unit or measure word (元, 公里,
# 家, 头, 岁, ...): "约2.7万件" and "1,249头" are whole answers, "约2.7" and "1,249" are not.
_MAGNITUDE = r"万亿|千亿|百亿|亿|千万|百万|十万|万|千|百"
_UNITS = (r"美元|元|人次|人|平方公里|平方米|公顷|亩|公里/小时|公里|千米|米|个百分点|%|％|倍|吨|公斤|千克|克|"
          r"立方米|升|标箱|辆|列|趟|架次|航班|班|项|个|座|条|家|所|名|位|户|套|台|部|件|次|头|只|岁|株|棵|"
          r"艘|架|本|种|批|场|届|处|间|栋|块|张|份|起|例|枚|颗|小时|分钟|天|年")
_VALUE = re.compile(rf"(?:约|近|超过|超|逾|达到|达|共计|共|累计|突破|不足|接近|将近)?\d[\d,.]*\s*(?:多)?"
                    rf"(?:{_MAGNITUDE})?(?:多)?(?:{_UNITS})?(?:左右|以上|多)?")
_DATE = re.compile(r"(?:19|20)\d\d年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:底|末|初)?|\d{1,2}月\d{1,2}日")
_NAME = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:站|区|县|市|镇|港|机场|新区|示范区|试验区|公司|集团|局|委员会|大学|高铁|铁路|线)"
                   r"|《[^》]{2,40}》|“[^”]{2,30}”")
_VALUE_KINDS = (
    ("percent", re.compile(r"%|％|个百分点")),
    ("money", re.compile(r"元|美元")),
    ("speed", re.compile(r"公里/小时|时速")),
    ("area", re.compile(r"平方")),
    ("distance", re.compile(r"公里|千米|(?<![平方])米")),
    ("duration", re.compile(r"小时|分钟|天(?!津)")),
    ("weight", re.compile(r"吨")),
)


def expected_type(question: str) -> str | None:
    """What a Chinese question asks for: number, date, name, or None."""
    if _ASKS_DATE.search(question):
        return "date"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_NAME.search(question):
        return "name"
    return english.expected_type(question)


def expected_kind(question: str) -> str | None:
    for kind, pattern in _KINDS_ASKED:
        if pattern.search(question):
            return kind
    return None


def value_kind(value: str) -> str | None:
    value = simplified(value)
    if not any(c.isdigit() for c in value):
        return english.value_kind(value) if not CJK.search(value) else None
    for kind, pattern in _VALUE_KINDS:
        if pattern.search(value):
            return kind
    return english.value_kind(value) if not CJK.search(value) else ("count" if re.search(r"\d\s*[\u4e00-\u9fff]", value)
                                                                      else None)


def value_spans(text: str, answer_type: str) -> list[tuple[int, int]]:
    """Values in Chinese text: 81986.7亿元, 约292公里, 2万亿元左右; dates 2022年9月29日; names 重庆东站,
    《规划纲要》. Latin values inside (8.5%, 26 December 2015) as English finds them; traditional
    characters are read as simplified (億元 is 亿元)."""
    text = simplified_in_place(text)
    if answer_type == "date":
        return [m.span() for m in _DATE.finditer(text)] or english.value_spans(text, answer_type)
    if answer_type == "name":
        return [m.span() for m in _NAME.finditer(text)] or english.value_spans(text, answer_type)
    dates = [m.span() for m in _DATE.finditer(text)]
    return [m.span() for m in _VALUE.finditer(text) if any(c.isdigit() for c in m.group(0)) and
            not any(a <= m.start() and m.end() <= b for a, b in dates)]


def typed_values(text: str, answer_type: str) -> set[str]:
    return {text[a:b] for a, b in value_spans(text, answer_type)}


# --- follow-ups, pointing back, names -------------------------------------------------------

_FOLLOW_UP = re.compile(r"^(?:那么?|还有|另外|此外|那它|那其|它的?|其|该|这个|那个)|呢[？?]?$")
_POINTS_BACK = re.compile(r"^[“\"]?(?:其中|这|该|此|其|它|对此|同时|上述|以上|分别)")


def is_follow_up(question: str) -> bool:
    """那2024年呢？ 它的设计时速是多少？ 还有哪些？"""
    text = question.strip()
    return bool(_FOLLOW_UP.search(text)) or (english.is_follow_up(text) and not CJK.search(text))


def points_back(sentence: str) -> bool:
    return bool(_POINTS_BACK.match(sentence)) or english.points_back(sentence)


def names(question: str) -> list[str]:
    """Places, people and organisations a Chinese question names (by part of speech), with any
    Latin names inside it."""
    found = [w for w, tag in words_with_tags(question) if tag in ("ns", "nr", "nt", "nz") and len(w) > 1]
    return found + english.names(question)


def asks_for_person(question: str) -> bool:
    return bool(re.search(r"谁|什么人", simplified(question))) or english.asks_for_person(question)


LANGUAGE = Language(
    code="zh",
    name="Chinese",
    sentence_spans=sentence_spans,
    expected_type=expected_type,
    typed_values=typed_values,
    value_spans=value_spans,
    expected_kind=expected_kind,
    value_kind=value_kind,
    is_follow_up=is_follow_up,
    points_back=points_back,
    names=names,
    asks_for_person=asks_for_person,
)
