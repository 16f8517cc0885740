"""Each reader held to its limits, in this process: hostile files are refused with a reason
naming the limit, quickly and without inflating what they claim to hold; good files read as
before (tests/ingest/test_formats.py). The child process around the readers is test_sandbox.py.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ccqa.config import Settings
from ccqa.errors import BadDocument
from ccqa.ingest.formats import format_for
from ccqa.ingest.formats.docx import read_docx
from ccqa.ingest.formats.html import read_html
from ccqa.ingest.formats.pdf import read_pdf
from ccqa.ingest.formats.text import read_text
from ccqa.ingest.limits import DepthCounter, ParseLimits, check_zip
from ccqa.ingest.sandbox import extract_file
from tests import hostile_files as hostile
from tests.sample_files import make_docx, make_pdf, write

MiB = hostile.MiB


@pytest.fixture
def bounded() -> Iterator[Callable[[], tuple[float, int]]]:
    """Seconds since the test began and the peak of Python's allocations since then."""
    tracemalloc.start()
    started = time.perf_counter()
    yield lambda: (time.perf_counter() - started, tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()


def refusal(read: Callable[[], object]) -> str:
    with pytest.raises(BadDocument) as refused:
        read()
    return str(refused.value)


def test_limits_are_settings() -> None:
    settings = Settings.from_env({"CCQA_PARSE_MAX_PDF_PAGES": "5", "CCQA_PARSE_MEMORY_MB": "300",
                                  "CCQA_PARSE_TIMEOUT_S": "2.5"})
    limits = ParseLimits.from_settings(settings)
    assert (limits.max_pdf_pages, limits.memory_mb, limits.timeout_s) == (5, 300, 2.5)
    assert ParseLimits.from_settings(Settings()) == ParseLimits()  # the same defaults
    assert ParseLimits.from_dict(limits.to_dict()) == limits


def test_a_docx_inflating_to_10_gb_is_refused_by_its_declared_size_without_inflating(
        bounded: Callable[[], tuple[float, int]]) -> None:
    bomb = hostile.docx_bomb(10 * hostile.GiB)
    assert len(bomb) < 20 * MiB
    bounded()  # the bomb's own bytes are not the reader's
    tracemalloc.reset_peak()
    reason = refusal(lambda: read_docx(bomb))
    seconds, peak = bounded()
    assert reason.startswith("expands to 10,240 MB (word/document.xml alone to 10,239 MB)")
    assert "CCQA_PARSE_MAX_INFLATED_MB" in reason
    assert seconds < 2 and peak < 64 * MiB


def test_a_docx_whose_directory_understates_a_member_is_refused_while_inflating(
        bounded: Callable[[], tuple[float, int]]) -> None:
    liar = hostile.docx_bomb(10 * hostile.GiB, declared=4 * MiB)
    tracemalloc.reset_peak()
    reason = refusal(lambda: read_docx(liar))
    seconds, peak = bounded()
    assert reason.startswith("corrupt DOCX") and "word/document.xml" in reason  # stopped at 4 MB
    assert seconds < 2 and peak < 64 * MiB


def test_a_member_compressed_past_the_ratio_is_refused_as_a_zip_bomb() -> None:
    reason = refusal(lambda: read_docx(hostile.docx_bomb(90 * MiB)))  # under the size limit
    assert "word/document.xml inflates" in reason and "more than the 100 to 1 allowed" in reason
    assert "CCQA_PARSE_MAX_ZIP_RATIO" in reason


def test_a_docx_of_thousands_of_members_is_refused() -> None:
    reason = refusal(lambda: read_docx(hostile.docx_of_many_members(5000)))
    assert reason.startswith("has 5,0") and "more than the 2,000 allowed (CCQA_PARSE_MAX_ZIP_MEMBERS)" in reason


def test_the_inflated_size_is_counted_over_all_members() -> None:
    docx = make_docx("Plan")
    check_zip(docx, ParseLimits(), "DOCX")
    reason = refusal(lambda: check_zip(docx, ParseLimits(max_inflated_mb=0), "DOCX"))
    assert reason.startswith("expands to ") and "more than the 0 MB allowed" in reason


def test_a_corrupt_zip_is_named_corrupt() -> None:
    assert refusal(lambda: read_docx(b"PK\x03\x04 not really a zip")).startswith("corrupt DOCX")


def test_deeply_nested_html_is_refused_without_building_a_tree(
        bounded: Callable[[], tuple[float, int]]) -> None:
    page = hostile.nested_html(200_000)
    tracemalloc.reset_peak()
    reason = refusal(lambda: read_html(page))
    seconds, peak = bounded()
    assert reason == "HTML nested more than 256 elements deep (CCQA_PARSE_MAX_HTML_DEPTH)"
    assert seconds < 2 and peak < 64 * MiB
    assert read_html(hostile.nested_html(100)).text.endswith("Deep inside.")  # within the limit: read


def test_depth_is_counted_by_the_parser() -> None:
    from lxml import etree

    counter = DepthCounter(1000)
    assert etree.fromstring(hostile.nested_html(300), etree.HTMLParser(target=counter, huge_tree=True)) == 303


def test_an_html_page_of_one_50_mb_line_is_refused_by_its_size() -> None:
    page = hostile.html_one_line(50 * 1000 * 1000)
    started = time.perf_counter()
    reason = refusal(lambda: read_html(page))
    assert reason == "an HTML page of 48 MB, more than the 20 MB allowed (CCQA_PARSE_MAX_HTML_MB)"
    assert time.perf_counter() - started < 1


def test_a_pdf_of_10000_empty_pages_is_refused_by_its_page_count() -> None:
    reason = refusal(lambda: read_pdf(hostile.pdf_of_empty_pages(10_000)))
    assert reason == "has 10,000 pages, more than the 2,000 allowed (CCQA_PARSE_MAX_PDF_PAGES)"


def test_a_pdf_stream_inflating_to_gigabytes_is_refused_before_the_table_search(
        bounded: Callable[[], tuple[float, int]]) -> None:
    bomb = hostile.pdf_stream_bomb(2 * hostile.GiB)
    tracemalloc.reset_peak()
    reason = refusal(lambda: read_pdf(bomb))
    seconds, peak = bounded()
    assert reason == "a PDF stream expands to more than 100 MB (CCQA_PARSE_MAX_INFLATED_MB)"
    assert seconds < 10 and peak < 400 * MiB  # pypdf's own limit stops the inflating at 100 MB
    small = ParseLimits(max_inflated_mb=1)
    assert "more than 1 MB" in refusal(lambda: read_pdf(hostile.pdf_stream_bomb(8 * MiB), small))


def test_text_with_nul_bytes_and_text_in_no_one_encoding_are_refused() -> None:
    assert refusal(lambda: read_text(hostile.text_with_nul_bytes())) == "binary content, not text"
    assert refusal(lambda: read_text(hostile.text_of_mixed_encodings())) == "undecodable text"


@pytest.mark.parametrize("name", ["a.txt", "a.md"])
def test_text_past_the_text_limit_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "Chengdu and Chongqing. " * 100_000)  # 2.3 MB
    reason = refusal(lambda: extract_file(path, format_for(name), 10 * MiB, ParseLimits(max_text_mb=1)))
    assert reason == "expands to more than 1 MB of text (CCQA_PARSE_MAX_TEXT_MB)"


def test_a_pdf_past_the_text_limit_is_refused_page_by_page() -> None:
    pdf = make_pdf(["Chengdu and Chongqing grew. " * 30] * 3)
    assert read_pdf(pdf).pages  # within the default limits
    reason = refusal(lambda: read_pdf(pdf, ParseLimits(max_text_mb=0)))
    assert reason == "expands to more than 0 MB of text (CCQA_PARSE_MAX_TEXT_MB)"
