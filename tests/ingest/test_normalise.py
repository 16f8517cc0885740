"""The one normaliser: radicals become the ideographs they stand for, invisible characters go,
and every offset a reader computed still points at the same words."""

from __future__ import annotations

import unicodedata
from importlib import resources
from pathlib import Path

from ccqa.data import Page, Span
from ccqa.data.documents import Unit
from ccqa.ingest.formats.common import Extracted
from ccqa.ingest.normalise import normalise, normalised, radical_table
from tests.sample_files import read


def _shipped_entries() -> list[tuple[str, str]]:
    text = resources.files("ccqa.ingest").joinpath("data", "radicals.txt").read_text("utf-8")
    return [(chr(int(a, 16)), chr(int(b, 16))) for a, b, *_ in
            (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))]


def test_every_entry_of_the_radical_table_becomes_its_ideograph() -> None:
    entries = _shipped_entries()
    assert len(entries) == len(radical_table()) == 328
    for radical, ideograph in entries:
        assert normalise(radical) == ideograph, f"U+{ord(radical):04X}"
        assert 0x3400 <= ord(ideograph) <= 0x9FFF or 0x20000 <= ord(ideograph) <= 0x323AF  # unified


def test_kangxi_radicals_agree_with_their_compatibility_mapping() -> None:
    """All 214 Kangxi radicals are in the table, and each agrees with Unicode's own NFKC mapping:
    the generated table is checked against a second source."""
    table = radical_table()
    for code in range(0x2F00, 0x2FD6):
        assert table[chr(code)] == unicodedata.normalize("NFKC", chr(code)), f"U+{code:04X}"


def test_every_supplement_radical_with_an_equivalent_is_mapped() -> None:
    assigned = [chr(c) for c in range(0x2E80, 0x2F00) if unicodedata.name(chr(c), "")]
    missing = [f"U+{ord(c):04X}" for c in assigned if c not in radical_table()]
    assert missing == ["U+2E80"]  # CJK RADICAL REPEAT: Unicode lists no equivalent ideograph


def test_radicals_from_a_pdf_font_read_as_words() -> None:
    assert normalise("地区⽣产总值，⼈均，3⽉14⽇，⺠营，⻓江，⼀⽉，⽂化") == "地区生产总值，人均，3月14日，民营，长江，一月，文化"


def test_compatibility_ideographs_full_width_digits_and_spaces() -> None:
    assert normalise("\uf900ＧＤＰ２０２３\u00a0年") == "豈GDP2023 年"
    assert normalise("增长（５．２％）") == "增长（5．2％）"  # punctuation keeps its Chinese form


def test_soft_hyphens_and_zero_width_characters_are_dropped_with_offsets_moved() -> None:
    original = "Chong\u00adqing port.\u200b\n\nSecond\u200d page."
    first, second = original.index("\n"), original.index("Second")
    extracted = Extracted(original, "Chong\u00adqing", (Page(1, 0, first), Page(2, second, len(original))),
                          (Unit("paragraph", 0, first), Unit("paragraph", second, len(original)),
                           Unit("table_row", 0, 5, cells=(Span(0, 5),))))
    out = normalised(extracted)
    assert out.text == "Chongqing port.\n\nSecond page." and out.title == "Chongqing"
    assert [out.text[p.start:p.end] for p in out.pages] == ["Chongqing port.", "Second page."]
    assert [out.text[u.start:u.end] for u in out.units or ()] == ["Chongqing port.", "Second page.", "Chong"]


def test_every_format_is_normalised_at_ingest(tmp_path: Path) -> None:
    doc = read(tmp_path, "note.txt", "成渝地区⽣产总值\u00ad增长，⼈均收入２０２３年。\n")
    assert doc.text == "成渝地区生产总值增长，人均收入2023年。\n"
    html = read(tmp_path, "p.html", "<html><body><p>" + "⻓江航运，⺠营经济。" * 20 + "</p></body></html>")
    assert "长江航运，民营经济。" in html.text and "⻓" not in html.text
