"""Each format's reader: decoding, titles, paragraphs, pages, tables."""

from __future__ import annotations

from pathlib import Path

from tests.index_fixtures import REPO
from tests.sample_files import encrypt_pdf, make_docx, make_pdf, read

ZH = "成渝地区双城经济圈建设加速推进。你知道吗？太好了！"


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


def test_every_registered_suffix_is_read_and_named_in_the_readme_and_openapi() -> None:
    from ccqa.api.schemas import ADMIN_SCHEMAS
    from ccqa.ingest.formats import FORMATS, SUPPORTED_SUFFIXES, format_for

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    upload = ADMIN_SCHEMAS["Upload"]["properties"]["file"]["description"]
    for suffix in SUPPORTED_SUFFIXES:
        assert format_for(f"x{suffix.upper()}") in FORMATS
        assert f"`{suffix}`" in readme and suffix in upload
    assert format_for("notes.xyz") is None
