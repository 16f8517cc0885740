"""Split a document into passages: whole sentences inside one block, sized to the model's window.

A *block* is a paragraph, a headline or a run of short standalone lines (a site header or
footer); passages never cross blocks, so a headline or footer is never glued to body text.
Long blocks become windows of whole sentences with one sentence of overlap. Every passage
and sentence carries exact character offsets into ``Document.text``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from ccqa.data import Document, Passage, Span, sha256_hex
from ccqa.lang import detect_language, split_sentences, stripped_span

TokenCounter = Callable[[str], int]
SentenceSplitter = Callable[[str], list[tuple[int, int]]]

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class ChunkingParams:
    """How documents are cut; stored in the manifest, so changing it forces a full rebuild."""

    max_tokens: int = 200
    overlap_sentences: int = 1
    max_line_chars: int = 120
    splitter: str = "punkt-fixed-abbrev-v1"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def approximate_token_count(text: str) -> int:
    """Word-piece count estimate (words and punctuation, long words counted twice)."""
    return sum(1 + len(w) // 8 for w in _WORD.findall(text))


def blocks_of(text: str, max_line_chars: int = 120) -> Iterator[tuple[int, int, bool]]:
    """Yield ``(start, end, is_line_block)`` for each block of ``text``.

    Blocks are separated by blank lines; a Markdown heading line is a block of its own. A
    block of several short lines that each start with a capital or digit (a header, a
    footer, an address) is a *line block*: each line is a sentence of its own.
    """
    position = 0
    for separator in [*_BLANK_LINE.finditer(text), None]:
        end = separator.start() if separator else len(text)
        yield from _split_block(text, position, end, max_line_chars)
        position = separator.end() if separator else len(text)


def _split_block(text: str, start: int, end: int, max_line_chars: int) -> Iterator[tuple[int, int, bool]]:
    start, end = stripped_span(text, start, end)
    if start >= end:
        return
    lines = _line_spans(text, start, end)
    heading_at = [i for i, (s, _) in enumerate(lines) if text[s] == "#"]
    if heading_at and len(lines) > 1:
        cuts = sorted({0, *heading_at, *(i + 1 for i in heading_at)} - {len(lines)})
        for a, b in zip(cuts, [*cuts[1:], len(lines)]):
            yield from _split_block(text, lines[a][0], lines[b - 1][1], max_line_chars)
        return
    yield start, end, _is_line_block(text, lines, max_line_chars)


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, position = [], start
    for line in text[start:end].split("\n"):
        s, e = stripped_span(text, position, position + len(line))
        if s < e:
            spans.append((s, e))
        position += len(line) + 1
    return spans


def _is_line_block(text: str, lines: list[tuple[int, int]], max_line_chars: int) -> bool:
    if len(lines) < 2:
        return False
    short = all(e - s <= max_line_chars for s, e in lines)
    starts_upper = all(not text[s].islower() for s, _ in lines[1:])
    return short and starts_upper


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
    splitter = sentence_spans or functools.partial(split_sentences, lang=document.lang)
    passages: list[Passage] = []
    for block_number, (b_start, b_end, is_line_block) in enumerate(blocks_of(text, params.max_line_chars)):
        if is_line_block:
            units = _line_spans(text, b_start, b_end)
        else:
            units = [(b_start + s, b_start + e) for s, e in splitter(text[b_start:b_end])]
        sentences = [
            Span(s, e) for ls, le in units for s, e in _sentences_in_line(text, ls, le, is_line_block, splitter)
        ]
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
                    lang=detect_language(passage_text),
                )
            )
    return passages


def _sentences_in_line(
    text: str, start: int, end: int, is_line_block: bool, sentence_spans: SentenceSplitter
) -> list[tuple[int, int]]:
    if not is_line_block:
        return [(start, end)]
    return [(start + s, start + e) for s, e in sentence_spans(text[start:end])] or [(start, end)]


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
