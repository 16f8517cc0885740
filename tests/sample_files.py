"""Files made in the tests: written to disk, read back as ccqa reads them, PDFs and Word files built
byte by byte or with python-docx (nothing binary is committed)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from pypdf import PdfReader, PdfWriter

from ccqa.data import Document
from ccqa.ingest.corpus import read_document


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
    return _assembled(objects, info)



def _assembled(objects: list[bytes], info: str = "") -> bytes:
    """Numbered objects, the cross-reference table and the trailer: a whole PDF file."""
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


Placed = tuple[float, float, float, str]  # x, y (baseline, from the bottom), font size, text


def make_placed_pdf(pages: list[list[Placed]], font: str = "mapped") -> bytes:
    """A PDF (612 x 792 pt pages) whose lines stand where the test puts them, every character
    half an em wide. ``font``: "mapped" (a ToUnicode map), "ucs2" (a CJK font that is not
    embedded, with only the predefined UniGB-UCS2-H encoding) or "unmapped" (Identity-H, no map)."""
    chars = sorted({c for page in pages for *_, text in page for c in text})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    if font == "ucs2":
        code = {c: c.encode("utf-16-be").hex().upper() for c in chars}
        fonts = [(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
                 b" /DescendantFonts [4 0 R] >>"),
                 (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /DW 500 /CIDSystemInfo"
                 b" << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R >>"),
                 (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
                 b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")]
    else:
        code = {c: f"{cid[c]:04X}" for c in chars}
        mappings = [f"<{cid[c]:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in chars]
        bfchars = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
                          for chunk in (mappings[i:i + 100] for i in range(0, len(mappings), 100)))
        cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
                "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
                f"{bfchars}endcmap CMapName currentdict /CMap defineresource pop end end")
        to_unicode = b" /ToUnicode 5 0 R" if font == "mapped" else b""
        fonts = [b"<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H"
                 b" /DescendantFonts [4 0 R]" + to_unicode + b" >>",
                 (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /DW 500 /CIDSystemInfo"
                 b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"),
                 _stream(cmap.encode())]
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>",
                            b"<< /Type /Pages /Kids [" + " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages))).encode()
                            + f"] /Count {len(pages)} >>".encode(), *fonts]
    for page in pages:
        content = " ".join(f"BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm <{''.join(code[c] for c in text)}> Tj ET"
                           for x, y, size, text in page)
        number = len(objects) + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {number + 1} 0 R"
                       " /Resources << /Font << /F1 3 0 R >> >> >>".encode())
        objects.append(_stream(content.encode()))
    return _assembled(objects)


def wrapped(text: str, x: float, y: float, size: float = 10, width: int = 80, pitch: float = 12) -> list[Placed]:
    """``text`` cut into lines of at most ``width`` characters at spaces, as a page would wrap it."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [(x, y - i * pitch, size, piece) for i, piece in enumerate(lines)]
