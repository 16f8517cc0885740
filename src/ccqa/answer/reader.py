"""The reader: a trained model reads the question against each candidate and gives how well the
candidate answers it and where in it the exact answer lies.

It serves where it measurably helps: marking the exact answer in the sentence the rules chose
when they mark none (``answer.marking``). Choosing the sentence it lost to the rules on writers
it never saw (bench/README.md "The reader answering alone"). ``OnnxReader`` runs the int8 graph merged from the base model and trained
tensors (``ccqa.embed.reader_model``); pairs are encoded here for training
(``bench/train_reader.py``) and scoring (``bench/reader/score_pairs.py``) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ccqa.answer.candidates import ReaderCandidate
from ccqa.embed.e5_base import E5Tokenizer
from ccqa.embed.reader_model import MAX_LENGTH

QUERY, PASSAGE = "query: ", "passage: "
MAX_ANSWER_TOKENS = 24
BATCH = 8


@dataclass(frozen=True)
class Reading:
    """What the reader says of one candidate: its relevance logit and the answer's characters
    in ``candidate.text`` (None when the candidate marks none)."""

    logit: float
    span: tuple[int, int] | None


class Reader(Protocol):
    def read(self, question: str, history: Sequence[str], candidates: Sequence[ReaderCandidate]) -> list[Reading]: ...


@dataclass(frozen=True)
class EncodedPair:
    ids: list[int]
    quotable_tokens: list[int]
    token_chars: list[tuple[int, int]]  # per token: characters of the candidate text (-1, -1: none)
    span_tokens: tuple[int, int] | None


def question_text(question: str, history: Sequence[str]) -> str:
    """The question as the reader reads it: the earlier turn after it, when there is one."""
    return QUERY + question + (" | " + history[-1] if history else "")


def encode_pair(tokenizer: E5Tokenizer, question: str, text: str, quotable: int,
                span: Sequence[int] | None = None) -> EncodedPair:
    """Token ids of (question, candidate), which tokens may be quoted, each token's characters
    in the candidate, and (in training) the labelled answer's first and last token."""
    passage = PASSAGE + text
    _, origin = tokenizer.normalise_aligned(passage)
    encoding = tokenizer.encode(question, passage)
    ids = encoding.ids[:MAX_LENGTH]
    quotable_tokens: list[int] = []
    token_chars: list[tuple[int, int]] = []
    first = last = None
    for position, (which, (a, b)) in enumerate(zip(encoding.sequence_ids[:MAX_LENGTH], encoding.offsets[:MAX_LENGTH])):
        if which != 1 or a >= b or a >= len(origin):
            token_chars.append((-1, -1))
            continue
        start = origin[a] - len(PASSAGE)
        end = origin[min(b, len(origin)) - 1] - len(PASSAGE) + 1
        token_chars.append((start, end))
        if start < 0 or end > quotable:
            continue
        quotable_tokens.append(position)
        if span is not None:
            if first is None and end > span[0]:
                first = position
            if start < span[1]:
                last = position
    labelled = (first, last) if first is not None and last is not None and last >= first else None
    return EncodedPair(ids, quotable_tokens, token_chars, labelled)


def best_span(start: np.ndarray, end: np.ndarray, pair: EncodedPair, text: str) -> tuple[int, int] | None:
    """The highest-scoring start <= end over quotable tokens, at most ``MAX_ANSWER_TOKENS`` long,
    as characters of the candidate text with surrounding spaces and punctuation trimmed."""
    tokens = pair.quotable_tokens
    if not tokens:
        return None
    allowed = np.full(start.shape, -np.inf)
    allowed[tokens] = 0.0
    s, e = start + allowed, end + allowed
    best, where = -np.inf, None
    for i in tokens:
        window = e[i:i + MAX_ANSWER_TOKENS]
        j = int(np.argmax(window))
        if s[i] + window[j] > best:
            best, where = s[i] + window[j], (i, i + j)
    if where is None:
        return None
    a, b = pair.token_chars[where[0]][0], pair.token_chars[where[1]][1]
    while a < b and (text[a].isspace() or text[a] in ",.;:，。；：、"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",.;:，。；：、"):
        b -= 1
    return (a, b) if a < b else None


class OnnxReader:
    """The trained reader, int8, on onnxruntime. The tokenizer (~130 MB of vocabulary, pure data)
    is read here, so a server that makes its reader before forking shares it among its workers;
    the session, which does not survive a fork, is made on first use."""

    def __init__(self, onnx_path: Path, base_folder: Path, threads: int = 0) -> None:
        self._path, self._threads = onnx_path, threads
        self._session: Any = None
        self._tokenizer = E5Tokenizer(base_folder, cut=True)

    def _load(self) -> tuple[Any, E5Tokenizer]:
        if self._session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            if self._threads:
                options.intra_op_num_threads = self._threads
            self._session = ort.InferenceSession(str(self._path), options, providers=["CPUExecutionProvider"])
        return self._session, self._tokenizer

    def read(self, question: str, history: Sequence[str], candidates: Sequence[ReaderCandidate]) -> list[Reading]:
        session, tokenizer = self._load()
        asked = question_text(question, history)
        pairs = [encode_pair(tokenizer, asked, c.text, c.quotable) for c in candidates]
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].ids))
        readings: list[Reading | None] = [None] * len(pairs)
        for at in range(0, len(order), BATCH):
            chunk = order[at:at + BATCH]
            width = max(len(pairs[i].ids) for i in chunk)
            ids = np.ones((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, :len(pairs[i].ids)] = pairs[i].ids
                mask[row, :len(pairs[i].ids)] = 1
            relevance, start, end = session.run(None, {"input_ids": ids, "attention_mask": mask})
            for row, i in enumerate(chunk):
                span = best_span(start[row], end[row], pairs[i], candidates[i].text)
                readings[i] = Reading(float(relevance[row]), span)
        return [r for r in readings if r is not None]
