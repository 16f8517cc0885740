"""Follow-up questions, read with the conversation before them.

What a follow-up leaves out comes from the turn before, and what it says replaces it:
"and Chongqing's?" after "What was Chengdu's GDP in 2023?" asks "What was Chongqing's GDP in
2023?" (the figure and the year kept, the place swapped; "那重庆呢？" likewise); "and in 2022?"
keeps the question and changes its year; a follow-up
that points back ("How fast did it grow?", "它的设计时速是多少？") is searched with the turn
before it, and when that turn asked for a name and got one, the pronoun is that name.

>>> resolve_follow_up("and Chongqing's?", ["What was Chengdu's GDP in 2023?"])
"What was Chongqing's GDP in 2023?"
>>> resolve_follow_up("How big is it?", ["Which city hosts the fair?"], ["Chengdu"])
'Which city hosts the fair? How big is Chengdu?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ccqa.answer.years import years_in
from ccqa.lang import detect_language, language
from ccqa.lang.chinese import simplified

# "and X's?", "what about X?", "how about for X?", "and X?" (X a name: checked below)
_EN_OTHER_SUBJECT = re.compile(
    r"^\s*(?:and what about|and how about|what about|how about|and)\s+(?:for\s+|in\s+|of\s+)?(?:the\s+)?"
    r"(?P<subject>[^?？]+?)\s*(?:'s|’s)?\s*[?？.!]*\s*$", re.IGNORECASE)
_EN_QUESTION_WORD = re.compile(r"^(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|did|does|do)\b",
                               re.IGNORECASE)
# "那X呢？", "X呢？", "那么X呢"
_ZH_OTHER_SUBJECT = re.compile(r"^\s*(?:那么?|还有)?\s*(?P<subject>[^，,？?呢]{1,20}?)(?:的)?\s*呢\s*[？?]?\s*$")
_ZH_ASKS = re.compile(r"多少|几|哪|什么|怎样|如何|何时|谁|吗")
_EN_PRONOUN = re.compile(r"\b(?:it|they|them)\b", re.IGNORECASE)
_ZH_PRONOUN = re.compile(r"它们?|其")
_EN_LINKING = frozenset(["of", "in", "for", "and", "with", "to", "on", "at", "by"])  # "the GDP of X" is no name
_EN_NAME = re.compile(r"\b[A-Z][A-Za-z]+(?:[-\s][A-Z][A-Za-z]+)*")  # "Chengdu-Chongqing", "Liangjiang New Area"
_MAX_NAME_CHARS = 40  # an earlier answer longer than this is a sentence, not a name


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the previous turn, by the rules of its own language?"""
    return language(detect_language(question)).is_follow_up(question)


def resolve_follow_up(question: str, history: Sequence[str], answers: Sequence[str] = ()) -> str:
    """The question to search with. ``history``: the earlier questions, oldest first;
    ``answers``: the text each got (its exact answer or sentence; "" for none), when known.

    A self-contained question is returned as it is; a follow-up naming another subject is the
    (resolved) turn before with its subject swapped; any other follow-up is the turn before
    followed by the follow-up, a pronoun in it replaced by the name the turn before got."""
    if not history or not is_follow_up(question):
        return question
    earlier_answers = list(answers)[: len(history)]
    earlier_answers += [""] * (len(history) - len(earlier_answers))
    previous = resolve_follow_up(history[-1], history[:-1], earlier_answers[:-1])
    swapped = swap_subject(question, previous) or swap_year(question, previous)
    if swapped is not None:
        return swapped
    return f"{previous.strip()} {_named_pronoun(question, history[-1], earlier_answers[-1]).strip()}"


def other_subject(question: str) -> str | None:
    """The new subject a follow-up names ("and Chongqing's?" -> "Chongqing", "那重庆呢？" -> "重庆"),
    or None when it asks something else ("and how much was invested?", "and in 2022?")."""
    lang = detect_language(question)
    if lang == "zh":
        match = _ZH_OTHER_SUBJECT.match(question)
        if match is None or _ZH_ASKS.search(match.group("subject")):
            return None
        subject = match.group("subject").strip()
        if not language("zh").names(subject):
            return None  # no name: "那占全国的比重呢？" asks another figure of the same subject
    else:
        match = _EN_OTHER_SUBJECT.match(question)
        if match is None:
            return None
        subject = match.group("subject").strip()
        words = subject.split()
        if _EN_QUESTION_WORD.match(subject) or not words or not words[0][:1].isupper() or words[0].isupper() \
                or len(words) > 4 or _EN_LINKING.intersection(w.lower() for w in words):
            return None  # a question of its own, no name ("what about their number?"), a quantity ("the GDP")
    if not subject or years_in(subject) and not re.sub(r"(?:19|20)\d\d\s*年?|\s", "", subject):
        return None  # only a year: the question is kept, its year changed (question.read_question)
    return subject


def swap_subject(question: str, previous: str) -> str | None:
    """``previous`` asked of the subject ``question`` names instead of the one it named."""
    subject = other_subject(question)
    if subject is None:
        return None
    if detect_language(previous) == "zh":
        named = [n for n in language("zh").names(previous) if not n.isascii()]
    else:  # names, not the question's first word ("What") nor an acronym ("GDP")
        named = [m.group(0) for m in _EN_NAME.finditer(previous) if m.start() > 0 and not m.group(0).isupper()]
    named = [n for n in named if n not in subject and subject not in n]
    if not named:
        return None
    old = named[-1]
    start = _position(old, previous)
    if start is None:
        return None
    after = previous[start + len(old):]
    words = subject.split()
    for cut in range(1, len(words)):  # "the Chongqing part" for "Sichuan" in "the Sichuan part's": only the name
        if re.match(rf"\s*{re.escape(' '.join(words[cut:]))}\b", after, re.IGNORECASE):
            subject = " ".join(words[:cut])
            break
    return previous[:start] + subject + after


def _position(name: str, text: str) -> int | None:
    """Where ``name`` is in ``text``; names are read in simplified script, so in a traditional
    text ("遂寧") the simplified copy is searched (one character for one)."""
    at = text.find(name)
    if at < 0 and len(plain := simplified(text)) == len(text):
        at = plain.find(name)
    return at if at >= 0 else None


def swap_year(question: str, previous: str) -> str | None:
    """``previous`` asked of the one year ``question`` names and nothing else ("and in 2022?",
    "那2024年呢？"), when ``previous`` named one year; else None."""
    asked_years, earlier_years = years_in(question), years_in(previous)
    if len(asked_years) != 1 or len(earlier_years) != 1 or asked_years == earlier_years:
        return None
    rest = re.sub(r"(?:19|20)\d\d|年|\b(?:and|in|for|what|about|how|the|year|of)\b|那么?|呢|[\s?？.!,，]", "",
                  question, flags=re.IGNORECASE)
    if rest:
        return None  # it asks more than another year ("and how many in 2022?")
    return re.sub(rf"\b{next(iter(earlier_years))}(?!\d)", next(iter(asked_years)), previous, count=1)


def _named_pronoun(question: str, asked_before: str, answer_before: str) -> str:
    """``question`` with "it" / "它" standing for the name the turn before asked for and got."""
    name = answer_before.strip()
    rules = language(detect_language(asked_before))
    if not name or len(name) > _MAX_NAME_CHARS or re.search(r"\d", name) or rules.expected_type(asked_before) != "name":
        return question
    pronoun = _ZH_PRONOUN if detect_language(question) == "zh" else _EN_PRONOUN
    return pronoun.sub(name, question, count=1)
