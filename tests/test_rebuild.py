"""Rebuilding under load: kill -9 mid-build, a server answering through a rebuild, a bad version.

A real HTTP server (werkzeug, threaded) on 127.0.0.1 serves the app while builds run, so
"no request fails" means no failed HTTP request, not just no exception in a test client.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import pytest
from flask import Flask

from ccqa.api.app import create_app
from ccqa.config import MODEL_NAME, Settings
from ccqa.index import Index, versions
from ccqa.service import QA
from tests.index_fixtures import MONORAIL, HashingEncoder, fast_build, seed_corpus, tiny_settings
from tests.live import poll, serve_in_thread
from tests.sample_files import make_pdf

REPO = Path(__file__).resolve().parents[1]  # on the path of the build subprocesses, for tests.index_fixtures
MONORAIL_QUESTION = "When did the Zephyr monorail open?"
RAILWAY_QUESTION = "When did the high-speed railway open?"


# --- helpers: a live server, a client that hammers it, polling ---------------------------------


def request_json(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def ask(port: int, question: str) -> dict[str, Any]:
    status, body = request_json(port, "POST", "/api/ask", {"question": question})
    assert status == 200, body
    answer: dict[str, Any] = body
    return answer


class Hammer:
    """A few client threads asking one question over and over, recording every outcome."""

    def __init__(self, port: int, question: str, threads: int = 4) -> None:
        self.port, self.question = port, question
        self.versions: Counter[str] = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    @property
    def count(self) -> int:
        with self._lock:
            return sum(self.versions.values()) + len(self.failures)

    def _run(self) -> None:
        while not self._stop.is_set():
            version, failure = None, None
            try:
                status, body = request_json(self.port, "POST", "/api/ask", {"question": self.question})
                if status == 200 and body.get("passages"):
                    version = body["index_version"]
                else:
                    failure = f"HTTP {status}: {body}"
            except (
                OSError,
                http.client.HTTPException,
                ValueError,
            ) as exc:  # refused, reset, timeout, bad body
                failure = f"{type(exc).__name__}: {exc}"
            with self._lock:
                if version is not None:
                    self.versions[version] += 1
                else:
                    self.failures.append(str(failure))


def serving_app(settings: Settings) -> Flask:
    return create_app(settings, qa=QA.open(settings, encoder=HashingEncoder()))


# --- (a) kill -9 in the middle of a build -----------------------------------------------------

BUILD_SCRIPT = """
import sys, time
from pathlib import Path
from tests.index_fixtures import HashingEncoder
from ccqa.index import versions
from ccqa.index.build import build_index
from ccqa.config import Settings
from ccqa.ingest.passages import approximate_token_count

corpus, index, marker, phase = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]

class StallingEncoder(HashingEncoder):
    def encode(self, texts, batch_size=64, progress=False):
        if phase == "embedding":
            marker.write_text("embedding")
            time.sleep(600)
        return super().encode(texts, batch_size, progress)

def stalled_publish(index_dir, staged, name):
    marker.write_text(str(staged))
    time.sleep(600)

if phase == "publishing":
    versions.publish = stalled_publish
build_index(Settings(corpus_dir=corpus, index_dir=index), encoder=StallingEncoder(),
            count_tokens=approximate_token_count)
"""


@pytest.mark.parametrize("phase", ["embedding", "publishing"])
def test_build_killed_mid_way_leaves_the_old_index_answering(tmp_path: Path, phase: str) -> None:
    settings = tiny_settings(tmp_path)
    before = versions.current_version(settings.index_dir)
    qa = QA.open(settings, encoder=HashingEncoder())
    (settings.corpus_dir / "monorail.txt").write_text(MONORAIL, encoding="utf-8")
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    build = subprocess.Popen(
        [
            sys.executable,
            "-c",
            BUILD_SCRIPT,
            str(settings.corpus_dir),
            str(settings.index_dir),
            str(marker),
            phase,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        poll(lambda: marker.exists() or build.poll() is not None, f"the build to reach {phase}")
        assert build.poll() is None, build.communicate()[1].decode()
        os.kill(build.pid, signal.SIGKILL)
        assert build.wait(30) == -signal.SIGKILL
    finally:
        if build.poll() is None:
            build.kill()
        build.communicate()

    staged = [
        p.name for p in (settings.index_dir / versions.VERSIONS).iterdir() if p.name.startswith(versions.STAGING_PREFIX)
    ]
    assert staged  # the killed build's half-done work (its encoder copied first) is there, unused
    assert versions.current_version(settings.index_dir) == before
    reopened = QA.open(settings, encoder=HashingEncoder())
    assert reopened.index_version == before and "monorail" not in reopened.index.documents
    assert reopened.ask(RAILWAY_QUESTION).passages[0].citation.doc_id == "railway"
    assert qa.reload_if_changed() is False and qa.ask(RAILWAY_QUESTION).passages

    report = fast_build(settings)  # the lock died with the process; no --wait needed
    assert report.published and report.added == ["monorail"]
    assert not [p for p in (settings.index_dir / versions.VERSIONS).iterdir() if p.name.startswith(versions.STAGING_PREFIX)]
    assert qa.reload_if_changed() is True
    assert qa.ask(MONORAIL_QUESTION).passages[0].citation.doc_id == "monorail"


# --- (b) a server answering through rebuilds ---------------------------------------------------


def test_server_keeps_answering_during_rebuilds_and_then_serves_the_new_document(
    tmp_path: Path,
) -> None:
    settings = tiny_settings(tmp_path, reload_interval_s=0.3)
    first = versions.current_version(settings.index_dir)
    with serve_in_thread(serving_app(settings)) as port, Hammer(port, MONORAIL_QUESTION) as hammer:
        poll(lambda: hammer.count >= 20, "requests to flow before the rebuild")
        (settings.corpus_dir / "monorail.txt").write_text(MONORAIL, encoding="utf-8")
        added = fast_build(settings)
        published_at = time.monotonic()
        served = poll(
            lambda: ask(port, MONORAIL_QUESTION)["index_version"] == added.version,
            "the server to serve the new version",
        )
        picked_up_after = time.monotonic() - published_at
        assert served and picked_up_after < settings.reload_interval_s + 2.0
        assert ask(port, MONORAIL_QUESTION)["passages"][0]["citation"]["doc_id"] == "monorail"

        # the served version's files are deleted under it (as a later build's clean-up may do)
        shutil.rmtree(settings.index_dir / versions.VERSIONS / added.version)
        count = hammer.count
        poll(lambda: hammer.count >= count + 20, "requests answered from the deleted version")
        assert ask(port, MONORAIL_QUESTION)["index_version"] == added.version

        # two builds back to back
        (settings.corpus_dir / "cablecar.txt").write_text(
            "The Yangtze cable car carries 10,000 riders a day.", encoding="utf-8"
        )
        fast_build(settings)
        (settings.corpus_dir / "tea.md").unlink()
        last = fast_build(settings)
        poll(
            lambda: ask(port, MONORAIL_QUESTION)["index_version"] == last.version,
            "the latest version",
        )
        count = hammer.count
        poll(lambda: hammer.count >= count + 20, "more requests after the last reload")
    assert hammer.failures == []
    assert first in hammer.versions and last.version in hammer.versions


# --- (c) a bad new version -------------------------------------------------------------------------


def _copy_current(settings: Settings, name: str) -> Path:
    copy = settings.index_dir / versions.VERSIONS / name
    shutil.copytree(versions.current_dir(settings.index_dir), copy)
    return copy


def _truncate_passages(settings: Settings, name: str) -> None:
    path = _copy_current(settings, name) / "passages.npy"
    path.write_bytes(path.read_bytes()[:-40])


def _garbage_manifest(settings: Settings, name: str) -> None:
    (_copy_current(settings, name) / "manifest.json").write_text("{", encoding="utf-8")


def _flipped_vector_bytes(settings: Settings, name: str) -> None:
    path = _copy_current(settings, name) / "sentence_vectors.npy"
    data = bytearray(path.read_bytes())
    data[-8:] = b"\xff" * 8
    path.write_bytes(bytes(data))


def _other_model(settings: Settings, name: str) -> None:
    path = _copy_current(settings, name) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "model_sha256": "0" * 64}), encoding="utf-8")


def _missing(settings: Settings, name: str) -> None:
    pass


@pytest.mark.parametrize(
    "corrupt",
    [_truncate_passages, _garbage_manifest, _flipped_vector_bytes, _other_model, _missing],
)
def test_bad_new_version_keeps_the_old_index_serving(tmp_path: Path, corrupt: Callable[[Settings, str], None]) -> None:
    settings = tiny_settings(tmp_path, reload_interval_s=0.0)
    good = versions.current_version(settings.index_dir)
    assert good is not None
    bad = "29990101T000000Z-bad000"
    with serve_in_thread(serving_app(settings)) as port:
        assert ask(port, RAILWAY_QUESTION)["index_version"] == good
        corrupt(settings, bad)
        (settings.index_dir / versions.CURRENT).write_text(bad + "\n", encoding="utf-8")
        for _ in range(3):  # each request checks CURRENT again, and keeps the old version
            answer = ask(port, RAILWAY_QUESTION)
            assert answer["index_version"] == good
            assert answer["passages"][0]["citation"]["doc_id"] == "railway"
        assert request_json(port, "GET", "/api/health")[1]["index_version"] == good

        (settings.corpus_dir / "monorail.txt").write_text(MONORAIL, encoding="utf-8")
        report = fast_build(settings)  # the broken current version is not reused; the build redoes all
        assert report.published and "monorail" in report.added
        assert ask(port, MONORAIL_QUESTION)["index_version"] == report.version
        assert ask(port, MONORAIL_QUESTION)["passages"][0]["citation"]["doc_id"] == "monorail"


# --- the maintainer's flow, with the real model ------------------------------------------------------

PDF_PAGES = [
    "Hydrogen Corridor Plan\nThe plan covers the whole Chengdu-Chongqing economic circle.",
    "By 2025 the hydrogen corridor will have 80 refuelling stations.\nFuel cell trucks will run on six highways.",
]
HTML_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Jialing River Ferry Museum Opens</title>
<script>var tracking = "TRACKING-SCRIPT";</script><style>body { color: red; }</style></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About the site navigation</a></nav>
<article><h1>Jialing River Ferry Museum Opens</h1>
<p>The Jialing River ferry museum opened in Nanchong in May 2022 beside the old ferry landing.</p>
<p>The museum received 150,000 visitors in its first month, twice the number the city expected.</p>
<p>Its collection includes wooden boats, rope winches and photographs of the river crossings.</p>
</article><footer>Copyright 2022 Nanchong Daily. All rights reserved. Contact us.</footer></body></html>"""
GBK_SENTENCE = "成渝中线高铁全长约292公里，设计时速350公里。"
GBK_TEXT = f"成渝中线高铁\n\n{GBK_SENTENCE}预计2027年建成通车！届时成都至重庆最快50分钟可达。沿线将设8座车站。\n"


@pytest.mark.slow
def test_maintainer_drops_pdf_html_and_gbk_files_and_the_running_app_answers(
    tmp_path: Path,
    seed_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ccqa.cli import main

    shutil.copytree(seed_settings.index_dir, tmp_path / "index")  # as if built yesterday
    settings = Settings(
        corpus_dir=seed_corpus(tmp_path / "corpus"),
        index_dir=tmp_path / "index",
        reload_interval_s=0.5,
        cache_size=0,
    )
    app = create_app(settings, qa=QA.open(settings))
    with serve_in_thread(app) as port:
        before = request_json(port, "GET", "/api/health")[1]["index_version"]
        (settings.corpus_dir / "hydrogen-plan.pdf").write_bytes(make_pdf(PDF_PAGES, title="Hydrogen Corridor Plan"))
        (settings.corpus_dir / "ferry-museum.html").write_text(HTML_PAGE, encoding="utf-8")
        (settings.corpus_dir / "gaotie-zhongxian.txt").write_bytes(GBK_TEXT.encode("gbk"))

        assert (
            main(
                [
                    "build",
                    "--corpus",
                    str(settings.corpus_dir),
                    "--index",
                    str(settings.index_dir),
                    "--json",
                ]
            )
            == 0
        )
        report = json.loads(capsys.readouterr().out)
        assert sorted(report["added"]) == ["ferry-museum", "gaotie-zhongxian", "hydrogen-plan"]
        assert report["unchanged"] == ["chengdu-chongqing-economic-circle-accelerates"]
        assert report["skipped"] == [] and report["version"] != before
        poll(
            lambda: request_json(port, "GET", "/api/health")[1]["index_version"] == report["version"],
            "the running app to serve the new version",
            deadline_s=10,
        )

        pdf = ask(port, "How many hydrogen refuelling stations will there be by 2025?")
        assert pdf["found"] and "80 refuelling stations" in pdf["answer"]["text"]
        cited = pdf["passages"][pdf["answer"]["citation"]]["citation"]
        assert cited["doc_id"] == "hydrogen-plan" and cited["page"] == 2

        html = ask(port, "How many visitors did the ferry museum receive in its first month?")
        assert html["found"] and "150,000 visitors" in html["answer"]["text"]
        assert html["passages"][html["answer"]["citation"]]["citation"]["doc_id"] == "ferry-museum"
        page_text = request_json(port, "GET", "/api/documents/ferry-museum")[1]["text"]
        assert "150,000 visitors" in page_text
        assert not any(junk in page_text for junk in ("TRACKING-SCRIPT", "color: red", "navigation", "Copyright"))

        gbk = ask(port, "成渝中线高铁全长多少公里？")
        top = gbk["passages"][0]
        assert top["citation"]["doc_id"] == "gaotie-zhongxian" and GBK_SENTENCE in top["text"]
        if gbk["found"]:
            assert gbk["answer"]["text"] == GBK_SENTENCE
        assert request_json(port, "GET", "/api/documents/gaotie-zhongxian")[1]["text"].strip() == GBK_TEXT.strip()
    index = Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256)
    assert any(p.page == 2 for p in index.passages if p.doc_id == "hydrogen-plan")
