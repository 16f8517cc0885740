"""Documents read in a child process: hostile files skipped with their reasons while the rest
of the corpus is read, the child's peak memory under its limit (from the kernel's count of the
child itself), and a child that breaks its memory, CPU or wall-clock limit replaced for the
next document."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccqa.errors import BadDocument
from ccqa.ingest.corpus import read_document, scan_corpus
from ccqa.ingest.formats import Extracted, format_for
from ccqa.ingest.limits import MB, ParseLimits
from ccqa.ingest.sandbox import DocumentReader, extract_file
from tests import hostile_files as hostile
from tests.sample_files import make_docx, make_pdf, write

GOOD = "Chengdu and Chongqing\n\nThe economic circle grew by 8.5 per cent in 2021.\n"
# A page of many paragraphs: trafilatura needs a few hundred MB and a few seconds for it.
HEAVY_HTML = b"<html><body>" + b"<p>Chengdu and Chongqing grew again in 2021.</p>" * 150_000 + b"</body></html>"


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good file among one of each hostile kind (made once: about 100 MB on disk)."""
    corpus = tmp_path_factory.mktemp("hostile") / "corpus"
    write(corpus / "good.txt", GOOD)
    hostile.write_hostile_files(corpus)
    return corpus


def test_each_hostile_file_is_skipped_with_its_reason_and_the_rest_is_read(hostile_corpus: Path) -> None:
    scan = scan_corpus(hostile_corpus)
    assert [d.path for d in scan.documents] == ["good.txt"]
    reasons = {s.path: s.reason for s in scan.skipped}
    assert set(reasons) == set(hostile.HOSTILE_CORPUS)
    for name, start in hostile.HOSTILE_CORPUS.items():
        assert reasons[name].startswith(start), (name, reasons[name])


def test_the_reading_process_stays_under_its_memory_limit_on_every_hostile_file(hostile_corpus: Path) -> None:
    corpus = hostile_corpus
    limits = ParseLimits()
    with DocumentReader(limits) as reader:
        for path in sorted(corpus.iterdir()):
            try:
                read_document(path, corpus, {}, 50 * MB, reader.extract)
            except BadDocument:
                pass
        assert reader.started == 1  # no file made it break a limit: each was refused by its checks
    assert 10 * MB < reader.peak_rss_bytes < limits.memory_mb * MB


def test_a_file_needing_more_memory_than_allowed_is_refused_and_the_next_is_read(tmp_path: Path) -> None:
    heavy, good = write(tmp_path / "heavy.html", HEAVY_HTML), write(tmp_path / "good.txt", GOOD)
    with DocumentReader(ParseLimits(memory_mb=150)) as reader:
        with pytest.raises(BadDocument, match=r"^needs more than the 150 MB of memory allowed to read it "
                                              r"\(CCQA_PARSE_MEMORY_MB\)$"):
            reader.extract(heavy, format_for(heavy), 50 * MB)
        assert reader.extract(good, format_for(good), 50 * MB).text == GOOD
        assert reader.started == 2  # the one that ran out is not trusted with another file
    assert reader.peak_rss_bytes < 150 * MB


def test_a_file_taking_more_cpu_time_than_allowed_is_refused(tmp_path: Path) -> None:
    heavy, good = write(tmp_path / "heavy.html", HEAVY_HTML), write(tmp_path / "good.txt", GOOD)
    with DocumentReader(ParseLimits(cpu_s=1)) as reader:
        with pytest.raises(BadDocument, match=r"^took more than 1 s of CPU time to read \(CCQA_PARSE_CPU_S\)$"):
            reader.extract(heavy, format_for(heavy), 50 * MB)
        assert reader.extract(good, format_for(good), 50 * MB).text == GOOD


def test_a_file_taking_longer_than_the_wall_clock_limit_is_refused_and_its_reader_killed(tmp_path: Path) -> None:
    heavy, good = write(tmp_path / "heavy.html", HEAVY_HTML), write(tmp_path / "good.txt", GOOD)
    with DocumentReader(ParseLimits(timeout_s=0.5)) as reader:
        with pytest.raises(BadDocument, match=r"^took more than 0.5 s to read \(CCQA_PARSE_TIMEOUT_S\)$"):
            reader.extract(heavy, format_for(heavy), 50 * MB)
        assert reader.extract(good, format_for(good), 50 * MB).text == GOOD
        assert reader.started == 2


def test_a_reader_that_dies_is_reported_and_replaced(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", GOOD)
    with DocumentReader() as reader:
        assert reader.extract(good, format_for(good), 50 * MB).text == GOOD
        child = reader._child
        assert child is not None
        os.kill(child.pid, 9)
        child.wait(timeout=10)
        assert reader.extract(good, format_for(good), 50 * MB).text == GOOD  # a new one, started for it
        assert reader.started == 2


def test_what_comes_back_is_what_the_reader_gives_in_process(tmp_path: Path) -> None:
    files = {"plan.docx": make_docx("Plan"), "report.pdf": make_pdf(["First page.", "成渝 second page."]),
             "good.txt": GOOD}
    with DocumentReader() as reader:
        for name, data in files.items():
            path = write(tmp_path / name, data)
            child = reader.extract(path, format_for(name), 50 * MB)
            assert child == extract_file(path, format_for(name), 50 * MB)
            assert Extracted.from_dict(child.to_dict()) == child
    assert reader._child is None  # closed: the child has exited


def test_the_previous_reasons_are_kept_for_ordinary_bad_files(tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", b"  \n")
    assert [s.reason for s in scan_corpus(tmp_path).skipped] == ["empty document"]
    big = write(tmp_path / "big.txt", "x" * 2000)
    with DocumentReader() as reader, pytest.raises(BadDocument, match="over the size limit of 1000 bytes"):
        reader.extract(big, format_for(big), 1000)
