"""Building and loading the index, with the fake encoder (fast) unless realism matters."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ccqa.config import MODEL_NAME, Settings
from ccqa.errors import BuildLocked, IndexCorrupt, IndexMismatch, IndexMissing
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.ingest.context import passage_search_text
from ccqa.ingest.passages import approximate_token_count
from tests.index_fixtures import HashingEncoder, seed_corpus


def _settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=seed_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index")


def _build(settings: Settings, encoder: HashingEncoder | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return build_index(settings, encoder=encoder or HashingEncoder(), count_tokens=approximate_token_count, **kwargs)


def _load(settings: Settings) -> Index:
    return Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256)


def test_second_build_without_changes_keeps_passage_ids_and_embeds_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = _build(settings)
    ids = [p.passage_id for p in _load(settings).passages]
    encoder = HashingEncoder()
    second = _build(settings, encoder)
    assert first.published and not second.published
    assert second.unchanged == ["chengdu-chongqing-economic-circle-accelerates"]
    assert encoder.calls == []
    full = _build(settings, full=True)
    assert full.published and full.passages_embedded == first.passages_embedded
    assert [p.passage_id for p in _load(settings).passages] == ids


def test_documents_read_differently_by_a_newer_reader_are_rebuilt(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files, but the structure read from them changed (a release reads titles better):
    the next build publishes a new version with the new structure."""
    settings = _settings(tmp_path)
    _build(settings)
    before = _load(settings).documents["chengdu-chongqing-economic-circle-accelerates"].structure
    monkeypatch.setattr("ccqa.ingest.structure._opening_kind", lambda *args, **kwargs: None)
    encoder = HashingEncoder()
    report = _build(settings, encoder)
    after = _load(settings).documents["chengdu-chongqing-economic-circle-accelerates"].structure
    assert report.published and after != before
    assert "title" in [u.kind for u in before.units] and "title" not in [u.kind for u in after.units]


def test_incremental_build_counts_added_changed_removed(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    (settings.corpus_dir / "new.txt").write_text("The new railway opens in 2030.\n\nIt is fast.", encoding="utf-8")
    encoder = HashingEncoder()
    report = _build(settings, encoder)
    assert (report.added, report.changed, report.removed) == (["new"], [], [])
    assert report.passages_embedded == 2  # only the new document's passages
    (settings.corpus_dir / "new.txt").write_text("The new railway opens in 2031.\n\nIt is fast.", encoding="utf-8")
    report = _build(settings)
    assert report.changed == ["new"] and report.passages_embedded == 1  # "It is fast." is cached
    (settings.corpus_dir / "new.txt").unlink()
    report = _build(settings)
    assert report.removed == ["new"]
    assert "new" not in _load(settings).documents


def test_manifest_records_what_was_built(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    manifest = json.loads((versions.current_dir(settings.index_dir) / "manifest.json").read_text())
    assert manifest["model_name"] == MODEL_NAME
    assert manifest["model_sha256"] == settings.model_sha256
    assert manifest["passage_count"] == len(_load(settings).passages)
    assert manifest["chunking"]["max_tokens"] > 0
    assert set(manifest["documents"]) == {"chengdu-chongqing-economic-circle-accelerates"}
    assert {"dense.faiss", "passages.npy", "sentence_spans.npy", "sentence_vectors.npy"} <= set(manifest["files"])


def test_index_built_with_another_model_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    with pytest.raises(IndexMismatch, match="built with model .* `ccqa build --full`"):
        Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, "0" * 64)


def test_corrupt_index_file_is_named_at_load(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    path = versions.current_dir(settings.index_dir) / "passages.npy"
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(IndexCorrupt, match="passages.npy"):
        _load(settings)


def test_missing_index_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="ccqa build"):
        versions.current_dir(tmp_path / "nowhere")


def test_second_concurrent_build_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with versions.build_lock(settings.index_dir), pytest.raises(BuildLocked, match="another build is running"):
        _build(settings)


def test_dense_search_drops_faiss_padding_when_k_exceeds_size(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    index = _load(settings)
    rows, _ = index.dense_search(HashingEncoder().encode(["GDP"])[0], len(index) + 10)
    assert len(rows) == len(index) and (rows >= 0).all()


def test_index_build_refuses_mismatched_vectors(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _build(settings)
    index = _load(settings)
    with pytest.raises(ValueError, match="passages but"):
        Index.build(index.documents.values(), index.passages, np.zeros((1, 64)), np.zeros((0, 64)), index.manifest)


def test_loaded_passages_equal_the_passages_that_were_built(tmp_path: Path) -> None:
    from ccqa.ingest.corpus import scan_corpus
    from ccqa.ingest.passages import passages_for

    settings = _settings(tmp_path)
    _build(settings)
    index = _load(settings)
    (document,) = scan_corpus(settings.corpus_dir).documents
    expected = passages_for(document, count_tokens=approximate_token_count)
    assert list(index.passages) == expected
    assert index.passages[-1] == expected[-1]
    assert [index.passages.row_of(p.passage_id) for p in expected] == list(range(len(expected)))
    assert index.passages.row_of("no-such-passage") is None
    with pytest.raises(IndexError):
        index.passages[len(expected)]


def _rewrite_as_old_format(directory: Path, format_version: int) -> None:
    """Give a freshly built version the manifest and documents of an older format: the encoder,
    vector and lexical records in ``extra``, no language or structure recorded for documents."""
    from ccqa.files import file_sha256

    documents = [json.loads(line) for line in (directory / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    (directory / "documents.jsonl").write_text(
        "".join(json.dumps({k: v for k, v in d.items() if k not in ("lang", "structure", "catalog_date")}) + "\n"
                for d in documents), encoding="utf-8")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["extra"] = {key: manifest.pop(key) for key in ("onnx", "vectors", "embedded", "lexical")}
    files = {name: file_sha256(directory / name) for name in manifest["files"] if (directory / name).exists()}
    for name in ("passages.jsonl", "documents.jsonl", "passages.npy"):
        if (directory / name).exists():
            files[name] = file_sha256(directory / name)
    (directory / "manifest.json").write_text(json.dumps({**manifest, "format_version": format_version, "files": files}))


def test_an_index_written_in_format_1_still_loads_and_the_next_build_writes_format_6(tmp_path: Path) -> None:
    """Upgrading ccqa must not force re-embedding a large corpus: format 1 kept its passages as
    JSON lines and its sentence vectors as float16."""
    settings = _settings(tmp_path)
    _build(settings)
    directory = versions.current_dir(settings.index_dir)
    index = _load(settings)
    built = list(index.passages)
    sentence_vectors = index.sentence_vectors.decode(slice(None))
    with (directory / "passages.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({k: v for k, v in p.to_dict().items() if k != "lang"}) + "\n" for p in built)
    np.save(directory / "sentence_vectors.npy", sentence_vectors.astype(np.float16), allow_pickle=False)
    for name in ("passages.npy", "sentence_spans.npy", "sentence_scales.npy"):
        (directory / name).unlink()
    _rewrite_as_old_format(directory, 1)

    old = _load(settings)
    assert list(old.passages) == built
    assert np.allclose(old.sentence_vectors.decode(slice(None)), sentence_vectors, atol=5e-3)
    encoder = HashingEncoder()
    report = _build(settings, encoder)  # nothing changed but the format: rewritten, nothing embedded
    new = _load(settings)
    # only the passages that gained context (their headings) are embedded again, no sentence
    with_context = [p for p in new.passages if passage_search_text(new.documents[p.doc_id], p) != p.text]
    assert report.published and report.sentences_embedded == 0 and report.passages_embedded == len(with_context)
    assert list(new.passages) == built
    manifest = json.loads((versions.current_dir(settings.index_dir) / "manifest.json").read_text())
    assert manifest["format_version"] == 6 and "passages.jsonl" not in manifest["files"] and "extra" not in manifest
    assert {"sentence_vectors.npy", "sentence_scales.npy"} <= set(manifest["files"])


def test_an_index_written_in_format_3_loads_with_its_languages_and_records(tmp_path: Path) -> None:
    """Format 3 had passage columns without a language and free-form manifest records."""
    settings = _settings(tmp_path)
    (settings.corpus_dir / "zh.txt").write_text("成渝地区双城经济圈建设加速推进。重庆和成都是两个中心城市。", encoding="utf-8")
    _build(settings)
    directory = versions.current_dir(settings.index_dir)
    index = _load(settings)
    built = list(index.passages)
    assert {p.lang for p in built} == {"en", "zh"}
    rows = np.load(directory / "passages.npy")
    names = [n for n in rows.dtype.names if n not in ("lang", "unit")]
    np.save(directory / "passages.npy", rows[names].astype(np.dtype([(n, rows.dtype[n]) for n in names])),
            allow_pickle=False)
    _rewrite_as_old_format(directory, 3)

    old = _load(settings)
    assert list(old.passages) == [replace(p, unit=None) for p in built]  # format 3 knew no structure
    assert old.documents["zh"].lang == "zh" and old.manifest.vectors == index.manifest.vectors
    assert old.manifest.lexical == index.manifest.lexical and old.manifest.embedded == index.manifest.embedded


class _OtherVariant(HashingEncoder):
    variant = "hashing-2"


def test_vectors_made_by_another_encoder_variant_are_embedded_again_not_mixed(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = _build(settings)
    (settings.corpus_dir / "new.txt").write_text("The new railway opens in 2030.", encoding="utf-8")
    report = _build(settings, _OtherVariant())
    assert report.added == ["new"]
    assert report.passages_embedded == first.passages_embedded + 1  # nothing of the old variant reused
    assert _load(settings).manifest.vectors == "hashing-2"
    (settings.corpus_dir / "newer.txt").write_text("The airport opens in 2031.", encoding="utf-8")
    assert _build(settings, _OtherVariant()).passages_embedded == 1  # its own variant is reused


def test_adding_documents_extends_the_hnsw_graph_and_anything_else_rebuilds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding one document to a large index must not rebuild its HNSW graph (16 s at 100k);
    a removed or changed document shifts rows, so the graph is built again."""
    import ccqa.index as index_module
    import ccqa.index.dense as dense_module

    monkeypatch.setattr(dense_module, "HNSW_THRESHOLD", 10)
    built: list[int] = []
    real_build_dense = dense_module.build_dense
    monkeypatch.setattr(index_module, "build_dense", lambda v, *store: built.append(len(v)) or real_build_dense(v, *store))
    settings = _settings(tmp_path)
    _build(settings)
    assert len(built) == 1 and _load(settings).dense.kind == "IndexHNSWFlat"
    (settings.corpus_dir / "a-new.txt").write_text("The monorail opens in 2031.\n\nIt has nine stations.",
                                                   encoding="utf-8")
    report = _build(settings)
    assert report.added == ["a-new"] and len(built) == 1  # extended, not rebuilt
    index = _load(settings)
    assert len(index.dense) == len(index) == report.passages
    assert [p.doc_id for p in index.passages][-2:] == ["a-new", "a-new"]  # new rows come last
    for row in range(len(index)):  # every passage, old and new, is found by its own vector
        rows, _ = index.dense_search(index.passage_vectors[row], 1)
        assert rows[0] == row
    (settings.corpus_dir / "a-new.txt").unlink()
    _build(settings)
    assert len(built) == 2  # a removal rebuilds
    assert "a-new" not in _load(settings).documents
