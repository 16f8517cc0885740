"""Hostile documents made in the tests, small on disk however much they claim to hold: zip
bombs (Word files whose ``word/document.xml`` inflates to gigabytes), Word files of thousands of
members, deeply nested HTML, PDFs of thousands of pages or with a stream that inflates to
gigabytes, text with NUL bytes and broken encodings. Nothing large is committed or written.

The inflating streams repeat one deflate block: after a full flush a compressor starts afresh,
so the compressed bytes of the same chunk are the same every time, and N copies of them inflate
to N chunks. Their checksums are not computed (that would mean hashing gigabytes): a reader
that trusts the sizes finds out only after inflating everything.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from tests.sample_files import make_docx, write

MiB = 1 << 20
GiB = 1 << 30

_CHUNK = MiB  # one repeated piece inflates to this many bytes


def _repeated_deflate(prefix: bytes, filler: bytes, total: int, suffix: bytes,
                      wbits: int = -15) -> tuple[bytes, int, int]:
    """A deflate stream of ``prefix``, ``filler`` repeated to about ``total`` bytes, ``suffix``;
    its exact inflated size and CRC-32. ``wbits`` -15: raw (zip members); 15: zlib-wrapped (PDF)."""
    chunk = (filler * (_CHUNK // len(filler) + 1))[:_CHUNK]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert piece == again, "a full flush should make the compressed chunk repeatable"
    tail = compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)
    copies = max(1, (total - len(prefix) - len(suffix)) // _CHUNK)
    return head + piece * copies + tail, len(prefix) + copies * _CHUNK + len(suffix), _crc(
        prefix, chunk, copies, suffix)


def _crc(prefix: bytes, chunk: bytes, copies: int, suffix: bytes) -> int:
    """The CRC-32 of the inflated bytes when there are few enough to hash quickly, else 0."""
    if copies > 256:
        return 0
    crc = zlib.crc32(prefix)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(suffix, crc)


def _dos_time() -> tuple[int, int]:
    return (12 << 11), ((2024 - 1980) << 9) | (1 << 5) | 1


def write_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of ``(name, deflated bytes, declared inflated size, crc32)`` members,
    written by hand (zipfile cannot store precompressed data), with ZIP64 sizes where needed."""
    out = bytearray()
    central = bytearray()
    mod_time, mod_date = _dos_time()
    for name, data, size, crc in members:
        encoded = name.encode("utf-8")
        zip64 = size >= 0xFFFFFFFF or len(data) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 0x0001, 16, size, len(data)) if zip64 else b""
        small_size = 0xFFFFFFFF if zip64 else size
        small_comp = 0xFFFFFFFF if zip64 else len(data)
        version = 45 if zip64 else 20
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, version, 0, 8, mod_time, mod_date, crc,
                           small_comp, small_size, len(encoded), len(extra)) + encoded + extra
        out += data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0, 8,
                               mod_time, mod_date, crc, small_comp, small_size, len(encoded),
                               len(extra), 0, 0, 0, 0, offset) + encoded + extra
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       start, 0)
    return bytes(out)


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data)


def docx_bomb(inflated: int = 10 * GiB, declared: int | None = None) -> bytes:
    """A Word file whose ``word/document.xml`` inflates to ``inflated`` bytes (10 GiB: about
    10 MB on disk). ``declared``: the size its headers claim, when they lie (default: the truth)."""
    good = zipfile.ZipFile(io.BytesIO(make_docx("Bomb")))
    members = []
    for info in good.infolist():
        if info.filename == "word/document.xml":
            stream, size, crc = _repeated_deflate(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
                b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
                b"boom ", inflated, b"</w:t></w:r></w:p></w:body></w:document>")
            members.append((info.filename, stream, size if declared is None else declared, crc))
        else:
            members.append((info.filename, *_deflated(good.read(info.filename))))
    return write_zip(members)


def docx_of_many_members(count: int = 5000) -> bytes:
    """A valid Word file with ``count`` extra small members beside its parts."""
    out = io.BytesIO(make_docx("Many parts"))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            archive.writestr(f"customXml/extra{n}.xml", f"<item n='{n}'/>")
    return out.getvalue()


def nested_html(depth: int = 200_000) -> bytes:
    """An HTML page whose one paragraph sits ``depth`` elements deep."""
    return (b"<html><head><title>Deep</title></head><body><p>The circle grew in 2021.</p>"
            + b"<div>" * depth + b"<p>Deep inside.</p>" + b"</div>" * depth + b"</body></html>")


def html_one_line(size: int = 50 * 1000 * 1000) -> bytes:
    """An HTML page of one line of ``size`` bytes (one paragraph of words, no newline)."""
    head, tail = b"<html><head><title>One line</title></head><body><p>", b"</p></body></html>"
    words = b"Chengdu Chongqing "
    body = words * ((size - len(head) - len(tail)) // len(words) + 1)
    return head + body[: size - len(head) - len(tail)] + tail


def pdf_of_empty_pages(count: int = 10_000) -> bytes:
    """A PDF of ``count`` pages with nothing on them."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (3 + n) for n in range(count))
               + b"] /Count %d >>" % count]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * count
    return _pdf(objects)


def pdf_stream_bomb(inflated: int = 2 * GiB) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes (2 GiB: about 2 MB)."""
    stream, _, _ = _repeated_deflate(b"BT ", b" ", inflated, b" ET", wbits=15)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_with_nul_bytes() -> bytes:
    return b"Chengdu and Chongqing\n\n" + b"\x00" * 64 + b"grew in 2021.\n" * 10


def text_of_mixed_encodings() -> bytes:
    """UTF-8, GBK and bytes valid in neither, line after line: no one encoding reads it."""
    lines = ["成渝地区双城经济圈".encode(), "成渝地区双城经济圈".encode("gbk"), b"\xff\xfe\xfa\x80\x81"]
    return b"\n".join(lines * 200)


# Each hostile kind in a corpus: file name -> how the reason it is skipped for begins.
HOSTILE_CORPUS = {
    "bomb.docx": "expands to 10,240 MB",
    "many-parts.docx": "has 5,0",
    "nested.html": "HTML nested more than 256 elements deep",
    "one-line.html": "an HTML page of 48 MB",
    "pages.pdf": "has 10,000 pages",
    "stream-bomb.pdf": "a PDF stream expands to more than 100 MB",
    "nul.txt": "binary content, not text",
    "mixed.txt": "undecodable text",
    "passwd.txt": "a link to a file outside the corpus directory",
}


def write_hostile_files(corpus: Path) -> dict[str, str]:
    """One file of each hostile kind into ``corpus`` (about 100 MB on disk), and a link out of
    it; returns ``HOSTILE_CORPUS``."""
    write(corpus / "bomb.docx", docx_bomb(10 * GiB))
    write(corpus / "many-parts.docx", docx_of_many_members(5000))
    write(corpus / "nested.html", nested_html(200_000))
    write(corpus / "one-line.html", html_one_line(50 * 1000 * 1000))
    write(corpus / "pages.pdf", pdf_of_empty_pages(10_000))
    write(corpus / "stream-bomb.pdf", pdf_stream_bomb(2 * GiB))
    write(corpus / "nul.txt", text_with_nul_bytes())
    write(corpus / "mixed.txt", text_of_mixed_encodings())
    outside = write(corpus.parent / f"outside-{corpus.name}" / "secret.txt", "A file outside the corpus.")
    (corpus / "passwd.txt").symlink_to(outside)
    return HOSTILE_CORPUS
