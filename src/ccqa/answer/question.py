"""What a question asks, read once: its language, the kind of answer, the years it names, its
terms, and its topic in a few words (for "the documents give X for 2019 and 2021, not 2015")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ccqa.answer.years import years_in
from ccqa.lang import Language, detect_language, language
from ccqa.lang.terms import terms, words

_EN_LEAD = re.compile(r"^\s*(?:and\s+|so\s+|also\s+|please\s+)?(?:what|which|how|when|where|who|whose|tell me)\b"
                      r"(?:\s+(?:is|was|are|were|did|does|do|has|have|had|many|much|long|big|large|far|fast|"
                      r"often|year|the|a|an|in|of))*\s*", re.IGNORECASE)
_EN_YEAR_PHRASE = re.compile(r"\s*(?:\b(?:in|for|of|during|at the end of|by)\s+)?(?:the year\s+)?"
                             r"\b(?:19|20)\d\d\b", re.IGNORECASE)
_ZH_ASK = re.compile(r"(?:是)?(?:多少|几|哪|什么|怎样|如何|何时|谁)[^，。？?]*[？?。！!]*$|[？?。！!]+$")
_ZH_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d\d(?![\d.万亿千百%])(?:\s*年(?:末|底|初)?)?")  # "2023年末", or bare as typed: "成都 GDP 2023"


@dataclass(frozen=True)
class Question:
    """A question as the answer stage reads it; ``asked`` is the user's words, ``resolved`` the
    words searched with (a follow-up widened by the turn before)."""

    asked: str
    resolved: str
    lang: str
    answer_type: str | None  # number, date, name
    answer_kind: str | None  # finer: percent, money, distance, duration, area, speed, person
    years: tuple[str, ...]
    terms: tuple[str, ...]
    carried: tuple[str, ...] = ()  # its terms in the other language (English <-> Chinese)
    asked_words: frozenset[str] = frozenset()  # its words as written, lower-cased (a value it says is no answer)
    counted: str | None = None  # the term of what "how many X" counts or "which X" names
    asks_many: bool = False  # "which expressways ...": the answer may be a list of names
    asked_terms: tuple[str, ...] = ()  # the terms of the words typed this turn ("and Chengdu?": chengdu)
    searched: tuple[str, ...] = ()  # the terms of ``resolved``, as the search reads them

    @property
    def rules(self) -> Language:
        return language(self.lang)

    def terms_for(self, lang: str) -> tuple[str, ...]:
        """The terms to look for in text of ``lang``: the question's own, or for the other
        language its carried terms and the figures and Latin words both languages write alike."""
        if lang == self.lang or not self.carried:
            return self.terms
        shared = tuple(t for t in self.terms if t.isascii() and (t.isdigit() or lang == "zh" and t.isupper()))
        return tuple(dict.fromkeys(self.carried + shared))


def read_question(asked: str, resolved: str | None = None, carried: Sequence[str] = ()) -> Question:
    """Read ``asked`` (with ``resolved`` for a follow-up): the years named are the user's own,
    or those of the turn it follows when the user named none ("and Chongqing's?"); ``carried``
    are its terms in the other language."""
    resolved = resolved or asked
    lang = detect_language(asked)
    rules = language(lang)
    years = years_in(asked) or years_in(resolved)
    noun = rules.asked_noun(asked) or rules.asked_noun(resolved)
    counted = terms(noun[0]) if noun else []
    own_terms = terms(asked)
    typed_terms = tuple(own_terms)
    searched = own_terms if resolved == asked else terms(resolved)
    if own_terms and resolved != asked:  # "and in 2022?": its own words, then those of the turn before but its year
        earlier_years = years_in(resolved) - set(years)
        own_terms = own_terms + [t for t in searched if t not in own_terms and t not in earlier_years]
    return Question(
        asked=asked,
        resolved=resolved,
        lang=lang,
        answer_type=rules.expected_type(asked) or rules.expected_type(resolved),
        # a follow-up's own words say what it asks ("and how many tunnels?"); only one that says
        # nothing ("and in 2022?") asks what the turn before asked
        answer_kind=rules.expected_kind(asked) if rules.expected_type(asked) else rules.expected_kind(resolved),
        years=tuple(sorted(years)),
        terms=tuple(own_terms or searched),
        carried=tuple(carried),
        asked_words=frozenset(w.lower() for w in words(asked + " " + resolved)),
        counted=counted[-1] if counted else None,
        asks_many=bool(noun and noun[1]),
        asked_terms=typed_terms,
        searched=tuple(searched),
    )


def topic_of(question: Question) -> str:
    """The question's subject without its question words and year: "the GDP of the economic circle"."""
    text = question.resolved if question.asked != question.resolved and len(question.asked) < 25 else question.asked
    if question.lang == "zh":
        topic = " ".join(_ZH_ASK.sub("", _ZH_YEAR.sub("", text)).split()).strip(" ，,的")
        return topic or text
    topic = _EN_YEAR_PHRASE.sub("", _EN_LEAD.sub("", text)).strip(" ?.!")
    return topic or text.strip(" ?.!")
