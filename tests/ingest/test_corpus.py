"""Scanning the corpus: documents read, bad files skipped with their reason, stable ids."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from ccqa.errors import BadDocument, CcqaError
from ccqa.ingest.catalog import CATALOG_NAME
from ccqa.ingest.corpus import CorpusScan, Skipped, doc_id_for, scan_corpus
from ccqa.ingest.formats import SUPPORTED_SUFFIXES
from tests.index_fixtures import REPO
from tests.sample_files import encrypt_pdf, make_pdf, read, write

SEED = REPO / "corpus"



SEED_NAME = "chengdu-chongqing-economic-circle-accelerates.txt"



def test_seed_article_reads_back_byte_identical_with_catalog_metadata(tmp_path: Path) -> None:
    shutil.copy(SEED / SEED_NAME, tmp_path / SEED_NAME)
    shutil.copy(SEED / CATALOG_NAME, tmp_path / CATALOG_NAME)
    scan = scan_corpus(tmp_path)
    (doc,) = scan.documents
    assert scan.skipped == ()
    assert doc.text == (SEED / SEED_NAME).read_bytes().decode("utf-8")
    entry = json.loads((SEED / CATALOG_NAME).read_text(encoding="utf-8"))[SEED_NAME]
    assert (doc.title, doc.publisher, doc.source, doc.date) == (
        entry["title"],
        entry["publisher"],
        entry["source"],
        entry["date"],
    )
    assert (doc.doc_id, doc.path, doc.format, doc.pages) == (
        "chengdu-chongqing-economic-circle-accelerates",
        SEED_NAME,
        "txt",
        (),
    )






BAD = {
    "empty.txt": (b"", "empty document"),
    "blank.md": (b"  \n\t\n", "empty document"),
    "nul.txt": (b"text with a \x00 NUL byte", "binary content, not text"),
    "junk.txt": (random.Random(0).randbytes(4096), "binary content, not text"),
    "latin1.txt": ("Café crème brûlée, à la carte.".encode("latin-1"), "undecodable text"),
    "corrupt.pdf": (b"%PDF-1.4\nthis is not really a pdf", "corrupt PDF: "),
    "locked.pdf": (encrypt_pdf(make_pdf(["Secret text."]), "secret"), "encrypted PDF"),
    "scanned.pdf": (make_pdf([""]), "no extractable text (scanned PDF?)"),
    "broken.docx": (b"PK\x03\x04 not a zip", "corrupt DOCX: "),
    "big.txt": (b"x" * 100_001, "over the size limit of 100000 bytes"),
    "data.xyz": (b"whatever", "unsupported file type .xyz"),
    "Makefile": (b"all:", "unsupported file type (no extension)"),
}



def test_bad_documents_are_skipped_with_their_reason_and_good_ones_kept(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "Good document.")
    write(tmp_path / "deep" / "good.pdf", make_pdf(["Good PDF."]))
    for name, (data, _) in BAD.items():
        write(tmp_path / "bad" / name, data)
    scan = scan_corpus(tmp_path, max_bytes=100_000)
    assert isinstance(scan, CorpusScan)
    assert [d.path for d in scan.documents] == ["deep/good.pdf", "good.txt"]
    reasons = {s.path: s.reason for s in scan.skipped}
    assert set(reasons) == {f"bad/{name}" for name in BAD}
    for name, (_, reason) in BAD.items():
        assert reasons[f"bad/{name}"].startswith(reason), name
    assert [s.path for s in scan.skipped] == sorted(reasons)



@pytest.mark.parametrize("name", sorted(n for n in BAD if Path(n).suffix in SUPPORTED_SUFFIXES))
def test_read_document_raises_bad_document_with_the_reason(tmp_path: Path, name: str) -> None:
    data, reason = BAD[name]
    with pytest.raises(BadDocument) as caught:
        read(tmp_path, name, data, max_bytes=100_000)
    assert str(caught.value).startswith(reason)



def test_hidden_files_and_folders_and_the_catalog_are_ignored(tmp_path: Path) -> None:
    write(tmp_path / "visible.txt", "Seen.")
    write(tmp_path / ".hidden.txt", "Unseen.")
    write(tmp_path / ".git" / "notes.txt", "Unseen.")
    write(tmp_path / "sub" / ".DS_Store", b"\x00\x01")
    write(tmp_path / CATALOG_NAME, "{}")
    scan = scan_corpus(tmp_path)
    assert [d.path for d in scan.documents] == ["visible.txt"] and scan.skipped == ()



def test_colliding_doc_ids_get_the_suffix_then_a_hash(tmp_path: Path) -> None:
    for name in ("a.txt", "a.md", "b.txt", "Plan 2021.txt", "plan-2021.txt"):
        write(tmp_path / name, f"Text of {name}.")
    ids = {d.path: d.doc_id for d in scan_corpus(tmp_path).documents}
    assert (ids["a.txt"], ids["a.md"], ids["b.txt"]) == ("a-txt", "a-md", "b")
    assert ids["Plan 2021.txt"] != ids["plan-2021.txt"]
    assert all(i.startswith("plan-2021-txt-") for i in (ids["Plan 2021.txt"], ids["plan-2021.txt"]))
    assert ids == {d.path: d.doc_id for d in scan_corpus(tmp_path).documents}  # deterministic



def test_doc_id_is_a_stable_url_safe_slug_without_extension() -> None:
    assert doc_id_for("policy/Plan 2021.pdf") == "policy-plan-2021"
    assert doc_id_for("Café_Menu.md") == "cafe-menu"
    chinese = doc_id_for("成渝规划.txt")
    assert chinese.startswith("doc-") and chinese == doc_id_for("成渝规划.pdf")
    assert doc_id_for("2021 成都.txt") != doc_id_for("2021 重庆.txt")
    for doc_id in (chinese, doc_id_for("2021 成都.txt")):
        assert all(c.isascii() and (c.isalnum() or c == "-") for c in doc_id)



def test_missing_corpus_dir_raises(tmp_path: Path) -> None:
    with pytest.raises(CcqaError, match="does not exist"):
        scan_corpus(tmp_path / "nowhere")



def test_skipped_to_dict_names_path_and_reason() -> None:
    assert Skipped("a.xyz", "unsupported file type .xyz").to_dict() == {
        "path": "a.xyz",
        "reason": "unsupported file type .xyz",
    }
