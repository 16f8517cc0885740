"""The passage store of an index version: the documents (their whole text, which citations
open), and every passage as columns of numbers, not one Python object each.

A passage's text is its document's text between two offsets, so the index keeps only the
offsets. At 100k passages the objects cost 241 MB and 2.9 s to load from JSON lines (most of a
worker's start-up); these columns take about 8 MB, are memory-mapped (shared by all workers),
and a ``Passage`` is made only for the rows a question shows (bench/README.md "Memory").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ccqa.data import Document, Passage, Span
from ccqa.lang import detect_language

DOCUMENTS_FILE = "documents.jsonl"  # each Document, text included
PASSAGES_FILE = "passages.npy"  # one row per passage: _columns()
SENTENCES_FILE = "sentence_spans.npy"  # (sentences, 2) absolute [start, end), grouped by passage
LEGACY_PASSAGES_FILE = "passages.jsonl"  # format 1: one Passage a line
_NO_PAGE = -1
_ID_BYTES = 16  # passages.passage_id_for: 16 hex digits
_LANG_BYTES = 8  # BCP 47 primary tags ("en", "zh") with room to spare


def mapped(path: Path) -> np.ndarray:
    """A ``.npy`` file memory-mapped read-only, as a plain array over the mapping: shared by
    all workers through the page cache, without ``np.memmap``'s cost on every row read."""
    return np.asarray(np.load(path, allow_pickle=False, mmap_mode="r"))


_BASE_COLUMNS = ("passage_id", "doc", "block", "page", "start", "end", "first_sentence")
_NO_UNIT = -1
MAX_MADE_PASSAGES = 4096  # Passage objects kept per table (each holds its text as a slice)


def _columns(id_bytes: int) -> np.dtype:
    """Format 5's columns. Formats 2 and 3 had no ``lang`` (a passage then has its document's)
    and formats 2-4 no ``unit`` (the passage then has no structure to be read with) and no
    ``copy_of`` (the row of the passage it repeats, -1 for none: duplicates.py)."""
    return np.dtype([("passage_id", f"S{id_bytes}"), ("doc", "<i4"), ("block", "<i4"), ("page", "<i4"),
                     ("start", "<i8"), ("end", "<i8"), ("first_sentence", "<i8"), ("lang", f"S{_LANG_BYTES}"),
                     ("unit", "<i4"), ("copy_of", "<i4")])


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
        self._made: dict[int, Passage] = {}  # the passages answers showed, made once each
        self._has_lang = "lang" in (rows.dtype.names or ())
        self._has_unit = "unit" in (rows.dtype.names or ())
        copies = np.asarray(rows["copy_of"]) if "copy_of" in (rows.dtype.names or ()) else np.zeros(0, dtype=np.int32)
        self._copy_of = copies
        self._originals: dict[int, list[int]] = {}
        for row in np.flatnonzero(copies >= 0):
            self._originals.setdefault(int(copies[row]), []).append(int(row))

    @classmethod
    def from_passages(cls, passages: Sequence[Passage], documents: Sequence[Document],
                      copy_of: Sequence[int] | np.ndarray | None = None) -> PassageTable:
        """Columns for ``passages``; every passage must belong to one of ``documents``;
        ``copy_of``: for each, the row of the passage whose text it repeats (-1: none)."""
        doc_row = {d.doc_id: i for i, d in enumerate(documents)}
        id_bytes = max([_ID_BYTES, *(len(p.passage_id.encode("ascii")) for p in passages)])
        rows = np.zeros(len(passages), dtype=_columns(id_bytes))
        spans: list[tuple[int, int]] = []
        for i, p in enumerate(passages):
            rows[i] = (p.passage_id.encode("ascii"), doc_row[p.doc_id], p.block,
                       _NO_PAGE if p.page is None else p.page, p.start, p.end, len(spans), p.lang.encode("ascii"),
                       _NO_UNIT if p.unit is None else p.unit, -1 if copy_of is None else int(copy_of[i]))
            spans += [(s.start, s.end) for s in p.sentences]
        return cls(rows, np.asarray(spans, dtype=np.int64).reshape(-1, 2), documents)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, row: int) -> Passage:  # type: ignore[override]
        if not isinstance(row, (int, np.integer)):
            raise TypeError("PassageTable rows are taken one at a time, by integer")
        row = int(row) + len(self) if row < 0 else int(row)
        made = self._made.get(row)
        if made is None:
            if len(self._made) >= MAX_MADE_PASSAGES:
                self._made.clear()
            made = self._made[row] = self._make(row)
        return made

    def _make(self, row: int) -> Passage:
        r = self.rows[row]  # IndexError past the end, like a list
        document = self.documents[int(r["doc"])]
        start, end = int(r["start"]), int(r["end"])
        spans = self.sentence_spans[self.sentence_rows[row] : self.sentence_rows[row + 1]]
        page = int(r["page"])
        lang = r["lang"].decode("ascii") if self._has_lang else document.lang
        unit = int(r["unit"]) if self._has_unit else _NO_UNIT
        return Passage(
            passage_id=r["passage_id"].decode("ascii"),
            doc_id=document.doc_id,
            start=start,
            end=end,
            text=document.text[start:end],
            block=int(r["block"]),
            sentences=tuple(Span(int(a), int(b)) for a, b in spans),
            page=None if page == _NO_PAGE else page,
            lang=lang,
            unit=None if unit == _NO_UNIT else unit,
        )

    def __iter__(self) -> Iterator[Passage]:
        return (self[row] for row in range(len(self)))

    def sentence_count(self) -> int:
        return len(self.sentence_spans)

    def languages(self, rows: np.ndarray) -> np.ndarray:
        """The language code of each of ``rows`` (a passage of an older format: its document's)."""
        if self._has_lang:
            return np.char.decode(self.rows["lang"][rows], "ascii")
        return np.asarray([self.documents[int(d)].lang for d in self.rows["doc"][rows]])

    def group_of(self, row: int) -> int | None:
        """The group of passages that share this one's text (the original's row), or None."""
        if len(self._copy_of) and self._copy_of[row] >= 0:
            return int(self._copy_of[row])
        return row if row in self._originals else None

    def copies_of(self, row: int) -> list[int]:
        """The other rows with the same text as ``row`` (its original first, then the copies)."""
        group = self.group_of(row)
        if group is None:
            return []
        return [r for r in [group, *self._originals.get(group, [])] if r != row]

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
        """Write the documents (in row order of ``rows["doc"]``), the columns and the spans."""
        with (directory / DOCUMENTS_FILE).open("w", encoding="utf-8") as handle:
            for document in self.documents:
                handle.write(json.dumps(document.to_dict(), ensure_ascii=False) + "\n")
        np.save(directory / PASSAGES_FILE, self.rows, allow_pickle=False)
        np.save(directory / SENTENCES_FILE, self.sentence_spans, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, format_version: int) -> PassageTable:
        """Read the documents and memory-map the columns (format 1: passages as JSON lines)."""
        documents = _read_documents(directory / DOCUMENTS_FILE)
        if format_version == 1:
            rows = [json.loads(line) for line in (directory / LEGACY_PASSAGES_FILE).read_text(
                encoding="utf-8").splitlines() if line.strip()]
            language = {d.doc_id: d.lang for d in documents}
            passages = [replace(p, lang=language[p.doc_id]) for p in map(Passage.from_dict, rows)]
            return cls.from_passages(passages, documents)
        columns = mapped(directory / PASSAGES_FILE)
        spans = mapped(directory / SENTENCES_FILE)
        names = columns.dtype.names or ()
        if names[:len(_BASE_COLUMNS)] != _BASE_COLUMNS or not set(names) <= set(_columns(1).names or ()) or \
                spans.ndim != 2 or spans.shape[1:] != (2,):
            raise ValueError(f"{directory / PASSAGES_FILE} does not hold passage columns")
        if len(columns) and int(np.max(columns["doc"])) >= len(documents):
            raise ValueError(f"{directory / PASSAGES_FILE} names a document the index does not hold")
        return cls(columns, spans, documents)


def _read_documents(path: Path) -> list[Document]:
    """The saved documents; one saved before languages were recorded gets its language now."""
    documents = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                document = Document.from_dict(row)
                documents.append(document if "lang" in row else replace(document, lang=detect_language(document.text)))
    return documents
