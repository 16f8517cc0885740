from __future__ import annotations

import itertools

from ccqa.data import Document
from ccqa.ingest.context import heading_path, passage_search_text
from ccqa.ingest.passages import ChunkingParams, passages_for
from ccqa.ingest.structure import structure_of
from ccqa.lang import split_sentences
from tests.index_fixtures import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def read_text_document(text: str) -> Document:
    return Document(doc_id="d", path="d.md", title="D", text=text, structure=structure_of(text))


def seed_document() -> Document:
    return Document(doc_id="seed", path=SEED.name, title="Seed", text=SEED_TEXT)


def test_every_seed_passage_round_trips_its_offsets() -> None:
    passages = passages_for(seed_document())
    assert len(passages) > 20
    for passage in passages:
        assert SEED_TEXT[passage.start : passage.end] == passage.text
        for sentence in passage.sentences:
            assert passage.start <= sentence.start < sentence.end <= passage.end
            assert SEED_TEXT[sentence.start : sentence.end].strip() == SEED_TEXT[sentence.start : sentence.end]


def test_headline_is_context_and_footer_lines_are_a_passage_of_their_own() -> None:
    passages = passages_for(seed_document())
    assert not any("Open Governance" in p.text or "Across the Board" in p.text for p in passages)
    footer = [p for p in passages if "Website Identification Code" in p.text]
    assert len(footer) == 1 and "Hosted by" in footer[0].text and "12,800" not in footer[0].text
    # Footer lines are sentences of their own, so the answer can be one line.
    assert any(SEED_TEXT[s.start : s.end].startswith("Website Identification Code") for s in footer[0].sentences)


def test_long_paragraph_is_windowed_with_one_sentence_overlap() -> None:
    sentences = [f"Sentence number {i} talks about the freight train and its many wagons." for i in range(12)]
    doc = Document(doc_id="d", path="d.txt", title="D", text=" ".join(sentences))
    passages = passages_for(doc, ChunkingParams(max_tokens=40))
    assert len(passages) > 2
    for before, after in itertools.pairwise(passages):
        assert before.sentences[-1] == after.sentences[0]
        assert before.block == after.block
    covered = {s for p in passages for s in p.sentences}
    assert len(covered) == 12


def test_passages_never_cross_paragraphs() -> None:
    doc = Document(doc_id="d", path="d.txt", title="D", text="First paragraph here.\n\nSecond paragraph there.")
    passages = passages_for(doc)
    assert [p.text for p in passages] == ["First paragraph here.", "Second paragraph there."]


def test_passage_ids_are_stable_and_distinct() -> None:
    first = [p.passage_id for p in passages_for(seed_document())]
    second = [p.passage_id for p in passages_for(seed_document())]
    assert first == second
    assert len(set(first)) == len(first)


def test_abbreviations_do_not_end_sentences_but_company_suffixes_can() -> None:
    text = "Dr. Wang met Mr. Li at 9 a.m. on Monday. The firm is Zhongxing Co., Ltd. The deal closed."
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == ["Dr. Wang met Mr. Li at 9 a.m. on Monday.", "The firm is Zhongxing Co., Ltd.",
                         "The deal closed."]


def test_chinese_sentences_split_on_full_width_marks() -> None:
    text = "成渝地区双城经济圈建设加快。货运班列开通了！你知道吗？"
    assert [text[a:b] for a, b in split_sentences(text)] == ["成渝地区双城经济圈建设加快。", "货运班列开通了！", "你知道吗？"]


def test_markdown_headings_are_no_passages_but_the_context_of_those_below() -> None:
    text = "# Plan\n\nThe plan has 47 tasks.\n\n## Goals\n\nGrow the economy.\n\nKey tasks:\n- Build rail\n- Open ports"
    document = read_text_document(text)
    passages = passages_for(document)
    assert [p.text for p in passages] == ["The plan has 47 tasks.", "Grow the economy.", "Key tasks:",
                                          "- Build rail\n- Open ports"]
    assert [heading_path(document, p.unit) for p in passages] == [[], ["Goals"], ["Goals"], ["Goals"]]
    items = passages[-1]
    assert [items.text[s.start - items.start:s.end - items.start] for s in items.sentences] == ["- Build rail",
                                                                                                  "- Open ports"]
    assert passage_search_text(document, items) == "Goals\nKey tasks: - Build rail\n- Open ports"
