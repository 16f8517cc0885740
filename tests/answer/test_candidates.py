"""What the reader reads: each sentence and table row of the hits, the quotable part first, and
every quotable character traceable to its place in the document (a citation highlights it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccqa.answer.candidates import CONTEXT_SEPARATOR, candidates_for
from ccqa.search.retrieve import Query, search
from tests.index_fixtures import HashingEncoder, qa_over

RELEASE = """# Economy of the circle

## Output

The GDP of the economic circle reached 7.39 trillion yuan in 2021. It grew 8.5 percent.

Table 1. GDP by part
Unit: 100 million yuan

| Year | Sichuan part | Chongqing part |
| --- | --- | --- |
| 2020 | 43,375.2 | — |
| 2021 | 48,060.2 | 25,859.0 |
"""


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    qa = qa_over(tmp_path_factory.mktemp("candidates"), {"release.md": RELEASE})
    index = qa.index
    question = "GDP of the circle in 2021 Sichuan part"
    vector = HashingEncoder().encode([question])[0]
    hits = search(index, Query(question, vector, question.lower().split(), "en"), k=10, mode="hybrid")
    return index, hits, candidates_for(hits, index.documents)


def test_each_sentence_is_quoted_whole_and_maps_back_to_the_document(found) -> None:  # type: ignore[no-untyped-def]
    index, hits, candidates = found
    prose = [c for c in candidates if not c.cells]
    assert {c.text[:c.quotable] for c in prose} >= {
        "The GDP of the economic circle reached 7.39 trillion yuan in 2021.", "It grew 8.5 percent."}
    for c in prose:
        document = index.documents[hits[c.hit_index].passage.doc_id]
        start, end = c.document_span(0, c.quotable)
        assert document.text[start:end] == c.text[:c.quotable]


def test_a_sentence_is_read_with_its_headings_and_the_sentence_before(found) -> None:  # type: ignore[no-untyped-def]
    _, _, candidates = found
    second = next(c for c in candidates if c.text.startswith("It grew"))
    context = second.text[second.quotable:]
    assert context.startswith(CONTEXT_SEPARATOR)
    assert "Output" in context and "7.39 trillion yuan" in context


def test_a_table_row_reads_each_cell_under_its_header_and_cells_map_to_the_source(found) -> None:  # type: ignore[no-untyped-def]
    index, hits, candidates = found
    row = next(c for c in candidates if c.cells and "48,060.2" in c.text)
    assert row.text.startswith("Year: 2021 · Sichuan part: 48,060.2 · Chongqing part: 25,859.0")
    assert "Table 1. GDP by part" in row.text[row.quotable:]
    document = index.documents[hits[row.hit_index].passage.doc_id]
    at = row.text.index("48,060.2")
    start, end = row.document_span(at, at + len("48,060.2"))
    assert document.text[start:end] == "48,060.2"


def test_a_span_across_two_cells_or_into_the_context_maps_to_nothing(found) -> None:  # type: ignore[no-untyped-def]
    _, _, candidates = found
    row = next(c for c in candidates if c.cells and "48,060.2" in c.text)
    assert row.document_span(row.text.index("2021"), row.text.index("48,060.2") + 3) is None
    assert row.document_span(row.quotable + 2, row.quotable + 6) is None


def test_the_empty_cell_is_no_candidate_answer(found) -> None:  # type: ignore[no-untyped-def]
    _, _, candidates = found
    row = next(c for c in candidates if c.cells and "43,375.2" in c.text)
    assert "—" not in row.text[:row.quotable]


def test_candidates_are_capped_and_distinct(tmp_path: Path) -> None:
    docs = {f"copy-{i}.txt": "The line is 308 km long. It opened in 2015." for i in range(3)}
    qa = qa_over(tmp_path, docs)
    hits = search(qa.index, Query("line", HashingEncoder().encode(["line"])[0], ["line"], "en"), k=10, mode="hybrid")
    texts = [c.text for c in candidates_for(hits, qa.index.documents, limit=5)]
    assert len(texts) == len(set(texts)) <= 5
