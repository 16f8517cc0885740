"""Every passage of an index version as columns of numbers, not one Python object each.

A passage's text is its document's text between two offsets, so the index keeps only the
offsets. At 100k passages the objects cost 241 MB and 2.9 s to load from JSON lines (most of a
worker's start-up); these columns take about 8 MB, are memory-mapped (shared by all workers),
and a ``Passage`` is made only for the rows a question shows (bench/README.md "Memory").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from ccqa.data import Document, Passage, Span

PASSAGES_FILE = "passages.npy"  # one row per passage: _COLUMNS
SENTENCES_FILE = "sentence_spans.npy"  # (sentences, 2) absolute [start, end), grouped by passage
_NO_PAGE = -1
_ID_BYTES = 16  # passages.passage_id_for: 16 hex digits


def mapped(path: Path) -> np.ndarray:
    """A ``.npy`` file memory-mapped read-only, as a plain array over the mapping: shared by
    all workers through the page cache, without ``np.memmap``'s cost on every row read."""
    return np.asarray(np.load(path, allow_pickle=False, mmap_mode="r"))


def _columns(id_bytes: int) -> np.dtype:
    return np.dtype([("passage_id", f"S{id_bytes}"), ("doc", "<i4"), ("block", "<i4"), ("page", "<i4"),
                     ("start", "<i8"), ("end", "<i8"), ("first_sentence", "<i8")])


class PassageTable(Sequence[Passage]):
    """A read-only sequence of passages backed by arrays; ``table[row]`` builds the Passage.

    >>> table = PassageTable.from_passages(passages, documents)  # doctest: +SKIP
    >>> table[0] == passages[0], table.row_of(passages[0].passage_id)  # doctest: +SKIP
    (True, 0)
    """

    def __init__(self, rows: np.ndarray, sentence_spans: np.ndarray, documents: Sequence[Document]) -> None:
        self.rows = rows
        self.sentence_spans = sentence_spans
        self.documents = list(documents)  # the order ``rows["doc"]`` counts in
        firsts = np.asarray(rows["first_sentence"], dtype=np.int64)
        self.sentence_rows = np.append(firsts, np.int64(len(sentence_spans)))  # passage i: [i], [i+1]
        self._row_of: dict[str, int] | None = None

    @classmethod
    def from_passages(cls, passages: Sequence[Passage], documents: Sequence[Document]) -> PassageTable:
        """Columns for ``passages``; every passage must belong to one of ``documents``."""
        doc_row = {d.doc_id: i for i, d in enumerate(documents)}
        id_bytes = max([_ID_BYTES, *(len(p.passage_id.encode("ascii")) for p in passages)])
        rows = np.zeros(len(passages), dtype=_columns(id_bytes))
        spans: list[tuple[int, int]] = []
        for i, p in enumerate(passages):
            rows[i] = (p.passage_id.encode("ascii"), doc_row[p.doc_id], p.block,
                       _NO_PAGE if p.page is None else p.page, p.start, p.end, len(spans))
            spans += [(s.start, s.end) for s in p.sentences]
        return cls(rows, np.asarray(spans, dtype=np.int64).reshape(-1, 2), documents)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, row: int) -> Passage:  # type: ignore[override]
        if not isinstance(row, (int, np.integer)):
            raise TypeError("PassageTable rows are taken one at a time, by integer")
        row = int(row) + len(self) if row < 0 else int(row)
        r = self.rows[row]  # IndexError past the end, like a list
        document = self.documents[int(r["doc"])]
        start, end = int(r["start"]), int(r["end"])
        spans = self.sentence_spans[self.sentence_rows[row] : self.sentence_rows[row + 1]]
        page = int(r["page"])
        return Passage(
            passage_id=r["passage_id"].decode("ascii"),
            doc_id=document.doc_id,
            start=start,
            end=end,
            text=document.text[start:end],
            block=int(r["block"]),
            sentences=tuple(Span(int(a), int(b)) for a, b in spans),
            page=None if page == _NO_PAGE else page,
        )

    def __iter__(self) -> Iterator[Passage]:
        return (self[row] for row in range(len(self)))

    def sentence_count(self) -> int:
        return len(self.sentence_spans)

    def block_of(self, row: int) -> tuple[int, int]:
        """(document row, block): what de-duplicates overlapping windows, without a Passage."""
        r = self.rows[row]
        return int(r["doc"]), int(r["block"])

    def row_of(self, passage_id: str) -> int | None:
        """The row of a passage id (the lookup is built on first use: only builds and tools ask)."""
        if self._row_of is None:
            self._row_of = {pid.decode("ascii"): row for row, pid in enumerate(self.rows["passage_id"])}
        return self._row_of.get(passage_id)

    def save(self, directory: Path) -> None:
        np.save(directory / PASSAGES_FILE, self.rows, allow_pickle=False)
        np.save(directory / SENTENCES_FILE, self.sentence_spans, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, documents: Mapping[str, Document]) -> PassageTable:
        """Memory-map the columns; ``documents`` in the order they were saved with."""
        rows = mapped(directory / PASSAGES_FILE)
        spans = mapped(directory / SENTENCES_FILE)
        if rows.dtype.names != _columns(1).names or spans.ndim != 2 or spans.shape[1:] != (2,):
            raise ValueError(f"{directory / PASSAGES_FILE} does not hold passage columns")
        if len(rows) and int(np.max(rows["doc"])) >= len(documents):
            raise ValueError(f"{directory / PASSAGES_FILE} names a document the index does not hold")
        return cls(rows, spans, list(documents.values()))
