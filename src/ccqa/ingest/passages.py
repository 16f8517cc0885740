"""Split a document into passages: whole sentences inside one block of its structure.

A *block* is a paragraph, a run of list items under one lead-in, one table row, or a run of
short standalone lines (a site header or footer), read from the document's structure
(``ingest/structure.py``). Titles, datelines, headings and captions are no passage: they are
the context passages are searched with (``ingest/context.py``). Long blocks become windows of
whole sentences with one sentence of overlap. Every passage and sentence carries exact
character offsets into ``Document.text``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass

from ccqa.data import Document, Passage, Span, sha256_hex
from ccqa.data.documents import Unit
from ccqa.ingest.structure import structure_of
from ccqa.lang import detect_language, split_sentences

TokenCounter = Callable[[str], int]
SentenceSplitter = Callable[[str], list[tuple[int, int]]]

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")  # a passage of figures alone ("| 2019 | 1,580 |") has its document's language


@dataclass(frozen=True)
class ChunkingParams:
    """How documents are cut; stored in the manifest, so changing it forces a full rebuild."""

    max_tokens: int = 200
    overlap_sentences: int = 1
    splitter: str = "structure-v2"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def approximate_token_count(text: str) -> int:
    """Word-piece count estimate (words and punctuation, long words counted twice)."""
    return sum(1 + len(w) // 8 for w in _WORD.findall(text))


@dataclass(frozen=True)
class Block:
    """The units one run of passages is cut from, and whether each unit is one sentence."""

    units: tuple[int, ...]  # indices into the document's structure units
    whole_units: bool  # a table row is one sentence; a line is split only at sentence ends


def blocks_of(units: Sequence[Unit], text: str = "") -> Iterator[Block]:
    """The blocks of a structure: each paragraph, each run of list items with one lead-in,
    each table row, each run of lines. A one-line paragraph that opens by leaning on the one
    before ("That was ...", "To be specific, ...") joins its block, as news items write them.
    A structure with no body keeps its title as a block."""
    body = [i for i, u in enumerate(units) if u.kind in ("paragraph", "list_item", "table_row", "line")]
    if not body:
        body = [i for i, u in enumerate(units) if u.kind == "title"]
    run: list[int] = []
    for i in body:
        unit = units[i]
        previous = units[run[-1]] if run else None
        joins = previous is not None and i == run[-1] + 1 and previous.kind == unit.kind and (
            unit.kind == "line" or unit.kind == "list_item" and previous.lead_in == unit.lead_in or
            unit.kind == "paragraph" and _leans_back(text, previous, unit))
        if run and not joins:
            yield _block(units, run)
            run = []
        run.append(i)
        if unit.kind in ("table_row", "title"):
            yield _block(units, run)
            run = []
    if run:
        yield _block(units, run)


_LEANS_BACK = re.compile(r"^[\"“]?(?:It|Its|They|Their|This|These|That|Those|Such|To be specific|Specifically|Of this|"
                         r"Of these|Of which|In particular|Among them|其中|这|该|此|具体来看|具体而言)\b|^(?:其中|这|该|此)")


def _leans_back(text: str, previous: Unit, unit: Unit) -> bool:
    """A paragraph on the line right after the one before (no blank line) that opens by pointing back."""
    between = text[previous.end:unit.start]
    return bool(text) and between.count("\n") == 1 and bool(_LEANS_BACK.match(text[unit.start:unit.end]))


def _block(units: Sequence[Unit], run: list[int]) -> Block:
    return Block(tuple(run), units[run[0]].kind == "table_row")


def passage_id_for(doc_id: str, start: int, end: int, text: str) -> str:
    """Stable id: the same document content gives the same ids on every build."""
    return sha256_hex(f"{doc_id}\0{start}\0{end}\0{text}")[:16]


def passages_for(
    document: Document,
    params: ChunkingParams = ChunkingParams(),
    count_tokens: TokenCounter = approximate_token_count,
    sentence_spans: SentenceSplitter | None = None,
) -> list[Passage]:
    """Cut ``document`` into passages of whole sentences, never crossing a block; sentences
    are split by the document's language unless ``sentence_spans`` is given."""
    text = document.text
    units = document.structure.units or structure_of(text).units
    splitter = sentence_spans or functools.partial(split_sentences, lang=document.lang)
    passages: list[Passage] = []
    for block_number, block in enumerate(blocks_of(units, text)):
        sentences: list[Span] = []
        for index in block.units:
            unit = units[index]
            if block.whole_units:
                sentences.append(Span(unit.start, unit.end))
            else:
                found = [Span(unit.start + s, unit.start + e) for s, e in splitter(text[unit.start:unit.end])]
                sentences += found or [Span(unit.start, unit.end)]
        for window in _windows(text, sentences, params, count_tokens):
            start, end = window[0].start, window[-1].end
            passage_text = text[start:end]
            passages.append(
                Passage(
                    passage_id=passage_id_for(document.doc_id, start, end, passage_text),
                    doc_id=document.doc_id,
                    start=start,
                    end=end,
                    text=passage_text,
                    block=block_number,
                    sentences=tuple(window),
                    page=document.page_at(start),
                    lang=detect_language(passage_text) if _LETTER.search(passage_text) else document.lang,
                    unit=block.units[0],
                )
            )
    return passages


def _windows(
    text: str, sentences: list[Span], params: ChunkingParams, count_tokens: TokenCounter
) -> Iterator[list[Span]]:
    """Greedy runs of sentences up to ``max_tokens``, each starting with the previous run's
    last ``overlap_sentences`` sentences; a sentence longer than the window stands alone."""
    sizes = [count_tokens(text[s.start : s.end]) for s in sentences]
    first = 0
    while first < len(sentences):
        last, total = first, sizes[first]
        while last + 1 < len(sentences) and total + sizes[last + 1] <= params.max_tokens:
            last += 1
            total += sizes[last]
        yield sentences[first : last + 1]
        if last + 1 >= len(sentences):
            return
        overlap = min(params.overlap_sentences, last - first)
        first = last + 1 - overlap
