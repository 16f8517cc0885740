"""What a question asks, read once: its language, the years it names, and its topic in a few
words (for "the documents give X for 2019 and 2021, not 2015")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ccqa.answer.years import years_in
from ccqa.lang import detect_language

_EN_LEAD = re.compile(r"^\s*(?:and\s+|so\s+|also\s+|please\s+)?(?:what|which|how|when|where|who|whose|tell me)\b"
                      r"(?:\s+(?:is|was|are|were|did|does|do|has|have|had|many|much|long|big|large|far|fast|"
                      r"often|year|the|a|an|in|of))*\s*", re.IGNORECASE)
_EN_YEAR_PHRASE = re.compile(r"\s*(?:\b(?:in|for|of|during|at the end of|by)\s+)?(?:the year\s+)?"
                             r"\b(?:19|20)\d\d\b", re.IGNORECASE)
_ZH_ASK = re.compile(r"(?:是)?(?:多少|几|哪|什么|怎样|如何|何时|谁)[^，。？?]*[？?。！!]*$|[？?。！!]+$")
_ZH_YEAR = re.compile(r"(?:19|20)\d\d\s*年(?:末|底|初)?")


@dataclass(frozen=True)
class Question:
    """A question as the answer stage reads it; ``asked`` is the user's words, ``resolved`` the
    words searched with (a follow-up widened by the turn before)."""

    asked: str
    resolved: str
    lang: str
    years: tuple[str, ...]


def read_question(asked: str, resolved: str | None = None, lang: str | None = None) -> Question:
    """Read ``asked`` (with ``resolved`` for a follow-up): the years named are the user's own,
    or those of the turn it follows when the user named none ("and Chongqing's?")."""
    resolved = resolved or asked
    return Question(
        asked=asked,
        resolved=resolved,
        lang=lang or detect_language(asked),
        years=tuple(sorted(years_in(asked) or years_in(resolved))),
    )


def topic_of(question: Question) -> str:
    """The question's subject without its question words and year: "the GDP of the economic circle"."""
    text = question.resolved if question.asked != question.resolved and len(question.asked) < 25 else question.asked
    if question.lang == "zh":
        topic = _ZH_ASK.sub("", _ZH_YEAR.sub("", text)).strip(" ，,的")
        return topic or text
    topic = _EN_YEAR_PHRASE.sub("", _EN_LEAD.sub("", text)).strip(" ?.!")
    return topic or text.strip(" ?.!")
