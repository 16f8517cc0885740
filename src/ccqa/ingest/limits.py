"""How much one document may cost to read, and the checks that hold a reader to it.

Documents come from outside (files dropped into ``corpus/``, admin uploads), so every reader
is bounded: a zip-based file's members by count, declared size, inflated size and compression
ratio, before and while they are inflated; HTML by size and nesting; PDF by pages and stream
size; all text by its length. What the checks cannot bound (a parser's own memory and time)
the process that reads documents is held to (``ccqa.ingest.sandbox``). Each refusal is a
``BadDocument`` whose reason names the limit and the setting that raises it.

>>> limits = ParseLimits(max_text_mb=1)
>>> check_text_size("x" * (2 << 20), limits)
Traceback (most recent call last):
...
ccqa.errors.BadDocument: expands to more than 1 MB of text (CCQA_PARSE_MAX_TEXT_MB)
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass, fields
from typing import Any

from ccqa.config import Settings
from ccqa.errors import BadDocument

MB = 1 << 20
RATIO_FROM_BYTES = MB  # the compression ratio is checked on members inflating past this
_READ_BYTES = MB


@dataclass(frozen=True)
class ParseLimits:
    """The limits of the ``parse_*`` settings, without the prefix (defaults: the settings')."""

    memory_mb: int = 512
    cpu_s: int = 30
    timeout_s: float = 60.0
    max_text_mb: int = 50
    max_inflated_mb: int = 100
    max_zip_members: int = 2000
    max_zip_ratio: int = 100
    max_pdf_pages: int = 2000
    max_html_mb: int = 20
    max_html_depth: int = 256

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(**{f.name: getattr(settings, f"parse_{f.name}") for f in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParseLimits:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})

    @property
    def max_text_chars(self) -> int:
        return self.max_text_mb * MB

    @property
    def max_inflated_bytes(self) -> int:
        return self.max_inflated_mb * MB


DEFAULT_LIMITS = ParseLimits()


def _mb(n: int) -> str:
    return f"{n / MB:,.0f}" if n >= 10 * MB else f"{n / MB:,.1f}"


def check_text_size(text: str, limits: ParseLimits) -> None:
    """Refuse text longer than ``max_text_mb`` (counted in characters)."""
    if len(text) > limits.max_text_chars:
        raise text_too_long(limits)


def text_too_long(limits: ParseLimits) -> BadDocument:
    return BadDocument(f"expands to more than {limits.max_text_mb} MB of text (CCQA_PARSE_MAX_TEXT_MB)")


def check_zip(data: bytes, limits: ParseLimits, label: str) -> None:
    """Refuse a zip-based file (``label``: "DOCX") whose members are too many, would inflate past
    ``max_inflated_mb`` together, or inflate more than ``max_zip_ratio`` to 1: first by what
    its directory declares, then by inflating every member in pieces and counting, so a
    directory that lies is caught while reading, with at most one piece in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise BadDocument(f"corrupt {label}: {exc}") from None
    if len(members) > limits.max_zip_members:
        raise BadDocument(f"has {len(members):,} parts, more than the {limits.max_zip_members:,} "
                          "allowed (CCQA_PARSE_MAX_ZIP_MEMBERS)")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_inflated_bytes:
        largest = max(members, key=lambda m: m.file_size)
        raise BadDocument(f"expands to {_mb(declared)} MB ({largest.filename} alone to "
                          f"{_mb(largest.file_size)} MB), more than the {limits.max_inflated_mb} MB "
                          "allowed (CCQA_PARSE_MAX_INFLATED_MB)")
    for member in members:
        _check_ratio(member.filename, member.file_size, member.compress_size, limits)
    total = 0
    for member in members:
        total += _inflated_size(archive, member, limits, total, label)


def _inflated_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ParseLimits,
                   before: int, label: str) -> int:
    """Inflate one member piece by piece, refusing it once it passes its declared size, the
    limit for all members or the ratio; returns the bytes it inflated to."""
    streamed = 0
    try:
        with archive.open(member) as stream:
            while piece := stream.read(_READ_BYTES):
                streamed += len(piece)
                if streamed > member.file_size:
                    raise BadDocument(f"corrupt {label}: {member.filename} inflates past the "
                                      f"{member.file_size:,} bytes its directory declares")
                if before + streamed > limits.max_inflated_bytes:
                    raise BadDocument(f"expands to more than {limits.max_inflated_mb} MB while "
                                      f"inflating {member.filename} (CCQA_PARSE_MAX_INFLATED_MB)")
                _check_ratio(member.filename, streamed, member.compress_size, limits)
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required for extraction"
        raise BadDocument(f"encrypted {label}: {exc}") from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise BadDocument(f"corrupt {label}: {exc}") from None
    return streamed


def _check_ratio(name: str, inflated: int, compressed: int, limits: ParseLimits) -> None:
    if inflated > RATIO_FROM_BYTES and inflated > limits.max_zip_ratio * max(compressed, 1):
        raise BadDocument(f"{name} inflates {inflated / max(compressed, 1):,.0f} to 1, more than the "
                          f"{limits.max_zip_ratio} to 1 allowed, as zip bombs do (CCQA_PARSE_MAX_ZIP_RATIO)")


class TooDeep(Exception):
    """Raised from inside lxml's parser by ``DepthCounter`` to stop it at once."""


class DepthCounter:
    """An lxml parser target that builds nothing and stops past ``limit`` nested elements.

    >>> from lxml import etree
    >>> etree.fromstring(b"<html><body><p>hi</p></body></html>", etree.HTMLParser(target=DepthCounter(8)))
    3
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.deepest = 0

    def start(self, tag: str, attrib: Any) -> None:
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth
            if self.depth > self.limit:
                raise TooDeep(self.depth)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, data: str) -> None:
        pass

    def close(self) -> int:
        return self.deepest


def check_html(data: bytes, limits: ParseLimits) -> None:
    """Refuse a page over ``max_html_mb`` or nested deeper than ``max_html_depth``; the depth
    is counted by lxml's own parser (with its depth cap lifted), building no tree."""
    from lxml import etree

    if len(data) > limits.max_html_mb * MB:
        raise BadDocument(f"an HTML page of {_mb(len(data))} MB, more than the {limits.max_html_mb} MB "
                          "allowed (CCQA_PARSE_MAX_HTML_MB)")
    try:
        etree.fromstring(data, etree.HTMLParser(target=DepthCounter(limits.max_html_depth), huge_tree=True))
    except TooDeep:
        raise BadDocument(f"HTML nested more than {limits.max_html_depth} elements deep "
                          "(CCQA_PARSE_MAX_HTML_DEPTH)") from None
    except (etree.LxmlError, ValueError):  # the reader proper reports unreadable markup
        pass
