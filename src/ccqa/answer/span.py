"""The exact answer inside the answering sentence: the figure, date or name the question asks
for, or the table cell under the column it asks about. Pure logic on a sentence's text.

Among several values of the asked kind, the one nearest the question's own words wins (the
year it names counts most); in a "respectively" sentence the values are matched to the
subjects listed before them, in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from ccqa.answer.question import Question
from ccqa.answer.ranking import VALUE_FEATURES, ValueRanker
from ccqa.ingest.context import TableView, is_empty_cell
from ccqa.lang import detect_language, language
from ccqa.lang.terms import term_set, term_spans, words

Offsets = tuple[int, int]
_RESPECTIVELY = re.compile(r"\brespectively\b|分别")
_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+|、|和|与|及")
_CLAUSE_GAP = re.compile(r"[,;，；:：、]|\band\b")
_PERCENT = re.compile(r"%|percent|百分")
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|、|和|及|与)\s*")
MAX_ITEM_ANSWER_CHARS = 80  # a list item this short is itself the answer to "which ..."


def candidate_span(sentences: Sequence[str], question: Question, ranker: ValueRanker) -> tuple[int, Offsets] | None:
    """The value that answers ``question`` among the sentences of the answer (usually one; a
    sentence and the one continuing it): which sentence, and its offsets there; None when
    none holds a value of the asked type. A "respectively" sentence matches values to the
    subjects listed before them; otherwise the fitted ``ranker`` chooses."""
    found: list[tuple[int, Offsets, np.ndarray]] = []
    for index, graded, rows in sentence_values(sentences, question):
        if lists_respectively(sentences[index], graded):
            matched = _respective(sentences[index], [s for s, _ in _best_graded(graded)], question)
            if matched is not None:
                return index, matched
        found += [(index, span, row) for (span, _), row in zip(graded, rows)]
    if not found:
        return None
    index, best, _ = found[int(np.argmax(ranker.scores(np.stack([row for _, _, row in found]))))]
    if question.answer_type == "name" and question.asks_many:
        return index, _listed_with(sentences[index], best, [s for s, _ in graded_values(sentences[index], question)])
    return index, best


def sentence_values(sentences: Sequence[str], question: Question
                    ) -> Iterator[tuple[int, list[tuple[Offsets, float]], np.ndarray]]:
    """The continuing sentence first, each sentence holding values of the asked type: its index,
    its values (``graded_values``) and their measurements (``value_features``): what the value
    ranker chooses among, and what ``bench/train_ranker.py`` fits it on."""
    if question.answer_type is None:
        return
    for index in range(len(sentences) - 1, -1, -1):
        graded = graded_values(sentences[index], question)
        if graded:
            yield index, graded, value_features(sentences[index], graded, question, last=index == len(sentences) - 1)


def lists_respectively(sentence: str, graded: Sequence[tuple[Offsets, float]]) -> bool:
    """Whether ``sentence`` gives its values "respectively" (or 分别), read by ``_respective``."""
    return len(graded) > 1 and _RESPECTIVELY.search(sentence) is not None


def value_features(sentence: str, graded: Sequence[tuple[Offsets, float]], question: Question,
                   last: bool) -> np.ndarray:
    """One row of ``ranking.VALUE_FEATURES`` per value of ``sentence`` (``graded_values``)."""
    wanted = set(question.terms)
    asked = set(question.asked_terms)
    top = max(grade for _, grade in graded)
    n = len(graded)
    rows = np.zeros((n, len(VALUE_FEATURES)))
    for i, ((start, end), grade) in enumerate(graded):
        clause = _clause_of(sentence, start, end)
        clause_terms = term_set(clause)
        value = sentence[start:end]
        distance = _distance(sentence, (start, end), question)
        rows[i] = (grade, float(grade == top), len(term_set(value) & wanted), np.log1p(distance),
                   distance / max(1, len(sentence)), i / (n - 1) if n > 1 else 0.0, float(i == 0), float(i == n - 1),
                   len(clause_terms & wanted) / max(1, len(wanted)), len(clause_terms & asked) / max(1, len(asked)),
                   float(any(y in clause for y in question.years)),
                   float(_PERCENT.search(value) is not None and question.answer_kind != "percent"), float(last))
    return rows


def _best_graded(graded: Sequence[tuple[Offsets, float]]) -> list[tuple[Offsets, float]]:
    top = max(grade for _, grade in graded)
    return [(span, grade) for span, grade in graded if grade == top]


def _clause_of(sentence: str, start: int, end: int) -> str:
    """The part of ``sentence`` between the separators around ``[start, end)``."""
    left = max((m.end() for m in _CLAUSE_GAP.finditer(sentence, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_GAP.finditer(sentence, end)), len(sentence))
    return sentence[left:right]


def _listed_with(sentence: str, first: Offsets, values: list[Offsets]) -> Offsets:
    """"Which expressways ...?": the chosen name with the names listed after it ("A, B and C")."""
    start, end = first
    for value in sorted(v for v in values if v[0] >= end):
        if not _LIST_GAP.fullmatch(sentence[end:value[0]]):
            break
        end = value[1]
    return start, end


# How well a value fits what is asked: of the asked kind, or counting what "how many" counts, or
# a name ending in the noun "which" asks about; one whose unit says nothing; a count of another thing.
EXACT, UNSAID, OTHER_COUNT = 1.0, 0.6, 0.3


def answer_values(text: str, question: Question, answer_type: str | None = None) -> list[Offsets]:
    """The values in ``text`` that could answer and fit best (see ``graded_values``)."""
    graded = graded_values(text, question, answer_type)
    if not graded:
        return []
    best = max(grade for _, grade in graded)
    return [span for span, grade in graded if grade == best]


def graded_values(text: str, question: Question, answer_type: str | None = None) -> list[tuple[Offsets, float]]:
    """The values in ``text`` of the asked type that the question does not say, each with how
    well it fits: EXACT, UNSAID or OTHER_COUNT (a value of another kind than the one asked, or
    a name when a person is asked, does not fit at all)."""
    answer_type = answer_type or question.answer_type
    if answer_type is None:
        return []
    out = []
    for span, kind in _values_of(text, answer_type):
        value = text[span[0]:span[1]]
        if _inside_question(value, question.asked_words, question):
            continue
        if grade := _fit(value, kind, question, answer_type):
            out.append((span, grade))
    return out


def _fit(value: str, kind: str | None, question: Question, answer_type: str) -> float:
    if question.answer_kind is not None:
        if kind == question.answer_kind:
            return EXACT
        return UNSAID if kind is None and question.answer_kind != "person" else 0.0
    if question.counted is None or answer_type == "date":
        return EXACT
    if question.counted in term_set(value):
        return EXACT
    return OTHER_COUNT if answer_type == "number" and kind == "count" else UNSAID


@lru_cache(maxsize=32768)
def _values_of(text: str, answer_type: str) -> tuple[tuple[Offsets, str | None], ...]:
    """Where the values of a type stand in ``text`` and their kinds, by the text's own language
    (a Chinese passage's values for an English question too); remembered per text."""
    rules = language(detect_language(text))
    return tuple((s, rules.value_kind(text[s[0]:s[1]])) for s in rules.value_spans(text, answer_type))


def _inside_question(value: str, asked: frozenset[str], question: Question) -> bool:
    """A value the question already says ("in 2021", "Duisburg?") is not its answer."""
    value_words = _lower_words(value)
    if not value_words:
        return True
    if question.answer_type == "number" and value.strip() in question.years:
        return True
    return value_words <= asked


@lru_cache(maxsize=32768)
def _lower_words(value: str) -> frozenset[str]:
    return frozenset(w.lower() for w in words(value))


def _distance(sentence: str, span: Offsets, question: Question) -> float:
    """How far ``span`` stands from the question's words in the sentence (a year the question
    names counts three times, so the figure of that year is chosen)."""
    wanted = set(question.terms)
    anchors = [(s, e, 3.0 if sentence[s:e] in question.years else 1.0)
               for term, s, e in term_spans(sentence) if term in wanted]
    if not anchors:
        return 0.0
    middle = (span[0] + span[1]) / 2
    nearest = sorted(abs(middle - (s + e) / 2) / weight for s, e, weight in anchors)
    return sum(nearest[:2])


def _respective(sentence: str, values: list[Offsets], question: Question) -> Offsets | None:
    """"A and B registered X and Y respectively": the value in the place of the subject the
    question names."""
    before = sentence[:values[0][0]]
    subjects = [part for part in _LIST_SPLIT.split(before) if part.strip()][-len(values):]
    if len(subjects) != len(values):
        return None
    wanted = set(question.terms)
    overlap = [len(term_set(s) & wanted) for s in subjects]
    best = max(range(len(values)), key=lambda i: overlap[i])
    if overlap[best] == 0 or overlap.count(overlap[best]) > 1:
        return None
    return values[best]


def list_item_span(item: str) -> Offsets | None:
    """A short list item, without its bullet, is itself the answer to "which ...?"."""
    match = re.match(r"^\s*(?:[-*+•·●▪◦]\s+|\d{1,2}[.)、]\s*|\(\d{1,2}\)\s*|（\d{1,2}）)?", item)
    start = match.end() if match else 0
    end = len(item.rstrip(" 。.;；"))
    return (start, end) if 0 < end - start <= MAX_ITEM_ANSWER_CHARS else None


# Words of a question that name a column without sharing its words ("how long" -> "Length").
COLUMN_WORDS = {"long": ("length", "km", "distanc"), "far": ("distanc", "km"), "fast": ("speed",),
                "big": ("area", "size"), "larg": ("area", "size"), "when": ("open", "date", "start", "year"),
                "mani": ("number",), "peopl": ("popul",), "live": ("popul",), "resid": ("popul",)}


def answer_cell(view: TableView, question: Question) -> int | None:
    """The cell of a table row that answers: under the column whose header shares most of the
    question's terms (or its words for the column: "how long" -> Length), among the cells of
    the asked type that are not the row's own label or year. None when that column's cell is
    empty ("—"): the row then has no value for what was asked."""
    wanted = set(question.terms_for(_language_of(view))) | {w for term in question.terms
                                                            for w in COLUMN_WORDS.get(term, ())}
    # words the caption also says name the whole table more than one column ("GDP of the
    # circle by part"): each counts half; a header the question names whole beats one it names in
    # part ("economic circle" over "Chongqing part" for "the Chengdu-Chongqing economic circle")
    in_caption = term_set(view.caption or "")
    label = _label_cell(view.cells)
    scored: list[tuple[float, int]] = []
    for i, cell in enumerate(view.cells):
        if i == label or cell in question.years or (not is_empty_cell(cell) and not _fits(cell, view, question)):
            continue
        header = view.header[i] if i < len(view.header) else ""
        header_terms = term_set(header)
        named = header_terms & wanted
        overlap = (len(named - in_caption) + 0.5 * len(named & in_caption) + 0.5 * len(term_set(cell) & wanted)
                   + (0.5 * len(named) / len(header_terms) if named else 0.0))
        scored.append((overlap - 0.01 * i - (0.5 if is_empty_cell(cell) else 0.0), i))  # first column on a tie
    if not scored:
        return None
    score, best = max(scored)
    if score < 0 and len(scored) > 1:  # several value columns and the question names none of them
        return None
    return None if is_empty_cell(view.cells[best]) else best


def _language_of(view: TableView) -> str:
    return detect_language(" ".join([view.caption or "", *view.header]))


def _fits(cell: str, view: TableView, question: Question) -> bool:
    """Whether a cell holds a value of the asked type (a number's unit may be the table's unit line)."""
    if question.answer_type is None:
        return True
    reading = f"{cell} {view.unit_note or ''}" if question.answer_type == "number" else cell
    return bool(answer_values(reading, question)) and (question.answer_type != "number" or
                                                        any(c.isdigit() for c in cell))


def _label_cell(cells: Sequence[str]) -> int | None:
    """The row's label: its first cell when that cell is text or a year, not a figure."""
    if not cells:
        return None
    first = cells[0].strip()
    return 0 if not re.fullmatch(r"[\d,.\s%—–-]+", first) or re.fullmatch(r"(?:19|20)\d\d", first) else None
