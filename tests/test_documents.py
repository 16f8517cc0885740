"""Reading corpus files of every format into Documents, and skipping the bad ones with a reason."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import socket
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from ccqa.data import Document
from ccqa.errors import BadDocument, CcqaError
from ccqa.ingest.catalog import CATALOG_NAME, load_catalog
from ccqa.ingest.corpus import CorpusScan, Skipped, doc_id_for, read_document, scan_corpus
from ccqa.ingest.formats import SUPPORTED_SUFFIXES

SEED = Path(__file__).resolve().parents[1] / "corpus"
SEED_NAME = "chengdu-chongqing-economic-circle-accelerates.txt"
ZH = "成渝地区双城经济圈建设加速推进。你知道吗？太好了！"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading documents must never reach the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("documents tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def read(tmp_path: Path, name: str, data: bytes | str, max_bytes: int = 10**6) -> Document:
    return read_document(write(tmp_path / name, data), tmp_path, {}, max_bytes)


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal PDF whose text is extractable through a ToUnicode map (Chinese included)."""
    chars = sorted({c for page in pages for c in page if c != "\n"})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    mappings = [f"<{cid[c]:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in chars]
    bfchars = "".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
        for chunk in (mappings[i : i + 100] for i in range(0, len(mappings), 100))
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{bfchars}endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    n_pages = len(pages)
    first_page = 6
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages)).encode()
        + f"] /Count {n_pages} >>".encode(),
        (
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H"
            b" /DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
        ),
        (
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /DW 500 /CIDSystemInfo"
            b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"
        ),
        _stream(cmap.encode()),
    ]
    for page in pages:
        lines = [
            f"<{''.join(f'{cid[c]:04X}' for c in line)}> Tj 0 -20 Td" for line in page.split("\n")
        ]
        content = "BT /F1 12 Tf 50 750 Td " + " ".join(lines) + " ET" if page else ""
        number = len(objects) + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {number + 1} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(_stream(content.encode()))
    info = ""
    if title is not None:
        objects.append(f"<< /Title <FEFF{title.encode('utf-16-be').hex().upper()}> >>".encode())
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def encrypt_pdf(data: bytes, user: str, owner: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user, owner, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(title: str | None = None) -> bytes:
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    document.add_heading("成渝双城经济圈", level=1)
    document.add_paragraph("First paragraph. 第一段。")
    document.add_paragraph("   ")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("City", "GDP"), ("成都", "2.0万亿")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("After the table.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- plain text and decoding ---------------------------------------------------------------


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


def test_plain_text_keeps_whitespace_and_line_endings_exactly(tmp_path: Path) -> None:
    text = "  Title line\r\n\r\nBody one.  \r\nBody two.\n\n\n"
    doc = read(tmp_path, "a.txt", text)
    assert doc.text == text
    assert doc.title == "Title line"


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    doc = read(tmp_path, "bom.txt", b"\xef\xbb\xbf" + ZH.encode("utf-8"))
    assert doc.text == ZH


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    doc = read(tmp_path, "u16.txt", ZH.encode("utf-16"))
    assert doc.text == ZH


def test_gbk_text_is_decoded(tmp_path: Path) -> None:
    doc = read(tmp_path, "gbk.txt", ZH.encode("gbk"))
    assert doc.text == ZH
    assert "。" in doc.text and "？" in doc.text and "！" in doc.text


def test_gb18030_only_characters_are_decoded(tmp_path: Path) -> None:
    text = "𠀀字与€符号。"  # outside GBK: four-byte GB18030 sequences
    doc = read(tmp_path, "gb18030.txt", text.encode("gb18030"))
    assert doc.text == text


def test_long_first_line_gives_a_humanised_file_name_title(tmp_path: Path) -> None:
    doc = read(tmp_path, "annual_report-2021.txt", "word " * 40 + "\nmore")
    assert doc.title == "Annual report 2021"


def test_markdown_is_kept_as_written_and_titled_by_its_first_heading(tmp_path: Path) -> None:
    text = "```\n# not a title\n```\nIntro.\n\n# 成渝规划 #\n\n## Sub\n\nBody.\n"
    doc = read(tmp_path, "notes.md", text)
    assert (doc.text, doc.title, doc.format) == (text, "成渝规划", "md")


# --- HTML -------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>
<style>body {{ color: red }}</style><script>var tracking = "do not index me";</script></head>
<body><nav><a href="/">Home</a> | <a href="/news">News menu</a></nav>
<header><div class="banner">Site banner header</div></header>
<article><h1>{h1}</h1>
<p>{zh} The circle grew quickly in 2021, with regional GDP rising by 8.5 per cent.</p>
<h2>Transport</h2>
<p>The first direct freight train linked Chengdu and Chongqing,<br>setting a new record.</p>
<p>Sichuan and Chongqing implemented the plans to integrate industries between the cities.</p>
</article><footer>Copyright 2022 Footer boilerplate, all rights reserved.</footer></body></html>"""


def html_page(charset: str = "utf-8", title: str = "Circle news", h1: str = "成渝新闻") -> str:
    return PAGE.format(charset=charset, title=title, h1=h1, zh=ZH)


def test_html_keeps_main_text_in_paragraphs_and_drops_boilerplate(tmp_path: Path) -> None:
    doc = read(tmp_path, "news/page.htm", html_page())
    text = doc.text
    assert doc.format == "html" and doc.title == "Circle news"
    for junk in ("tracking", "color: red", "News menu", "Site banner", "Footer boilerplate"):
        assert junk not in text
    blocks = text.split("\n\n")
    assert blocks[0] == "成渝新闻" and "Transport" in blocks
    assert f"{ZH} The circle grew quickly" in text
    assert (
        "The first direct freight train linked Chengdu and Chongqing,\nsetting a new record."
        in blocks
    )


def test_html_title_falls_back_to_the_first_h1(tmp_path: Path) -> None:
    doc = read(tmp_path, "page.html", html_page(title="  "))
    assert doc.title == "成渝新闻"


def test_gbk_html_page_is_decoded(tmp_path: Path) -> None:
    doc = read(tmp_path, "gb.html", html_page(charset="gb2312").encode("gbk"))
    assert ZH in doc.text and doc.title == "Circle news"


def test_html_meta_charset_is_honoured(tmp_path: Path) -> None:
    traditional = "成渝地區雙城經濟圈建設加速推進。"  # Big5 bytes also decode, wrongly, as GB18030
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">'
        f"<title>{traditional}</title></head><body><p>{traditional * 20}</p></body></html>"
    )
    doc = read(tmp_path, "big5.html", page.encode("big5"))
    assert doc.title == traditional and doc.text == traditional * 20


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_pages_are_joined_with_their_offsets(tmp_path: Path) -> None:
    pages = ["First page title\nPage one text.", "", "第三页。成渝！"]
    doc = read(tmp_path, "report.pdf", make_pdf(pages))
    text = doc.text
    assert [p.number for p in doc.pages] == [1, 3]
    first, third = doc.pages
    assert "Page one text." in text[first.start : first.end]
    assert text[third.start : third.end] == "第三页。成渝！"
    assert text[first.end : third.start] == "\n\n"
    assert doc.page_at(third.start) == 3
    assert doc.title == "First page title"


def test_pdf_title_comes_from_its_metadata(tmp_path: Path) -> None:
    doc = read(tmp_path, "r.pdf", make_pdf(["Body line."], title="成渝规划 2021"))
    assert doc.title == "成渝规划 2021"


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    doc = read(tmp_path, "r.pdf", encrypt_pdf(make_pdf(["Open text."]), "", "owner"))
    assert "Open text." in doc.text


# --- DOCX -------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_tables_become_blocks(tmp_path: Path) -> None:
    doc = read(tmp_path, "plan.docx", make_docx(title="Official plan"))
    assert doc.text.split("\n\n") == [
        "成渝双城经济圈",
        "First paragraph. 第一段。",
        "City | GDP",
        "成都 | 2.0万亿",
        "After the table.",
    ]
    assert doc.title == "Official plan"


def test_docx_without_a_title_is_titled_by_its_first_paragraph(tmp_path: Path) -> None:
    doc = read(tmp_path, "plan.docx", make_docx(title=None))
    assert doc.title == "成渝双城经济圈"


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_title_wins_over_the_documents_own(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.md", "# Own heading\n\nText.")
    write(
        tmp_path / CATALOG_NAME,
        json.dumps({"./sub/a.md": {"title": "Catalog title", "date": "2022"}}),
    )
    doc = read_document(tmp_path / "sub" / "a.md", tmp_path)  # catalog None: loaded from the dir
    assert (doc.title, doc.date, doc.publisher, doc.path) == (
        "Catalog title",
        "2022",
        None,
        "sub/a.md",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ("[1, 2]", "must be a JSON object"),
        ('{"a.txt": "title"}', "must be an object"),
        ('{"a.txt": {"date": 2022}}', "date that is not a string"),
    ],
)
def test_malformed_catalog_raises_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / CATALOG_NAME, content)
    with pytest.raises(CcqaError, match=re.escape(message)):
        load_catalog(tmp_path)
    with pytest.raises(CcqaError, match=re.escape(message)):
        scan_corpus(tmp_path)


def test_missing_catalog_is_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == {}


# --- scanning ---------------------------------------------------------------------------------

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
