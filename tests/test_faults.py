"""Faults, with real processes where it matters: SIGTERM and SIGKILL to ``ccqa serve``
(gunicorn), SIGKILL and a full disk during a build, a corrupt index and wrong model weights
at start-up, hostile documents uploaded to a server and dropped into the corpus of a build.
Every wait is bounded; the servers are started twice in all.

The servers run ``ccqa serve`` through ``SERVE``, which wraps ``QA.ask`` with one test-only
hook: a question starting with "SLOW" touches ``CCQA_TEST_SLOW_MARK``, waits
``CCQA_TEST_SLOW_S`` seconds (to have a request in flight when the signal lands), then is
answered without the prefix.
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed.model import WEIGHTS_FILE, packaged_model_path
from ccqa.errors import BuildFailed, IndexCorrupt, ModelError
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.service import QA
from tests.hostile_files import docx_bomb, write_hostile_files
from tests.index_fixtures import TOKEN, HashingEncoder, seed_corpus
from tests.live import free_port, poll

REPO = Path(__file__).resolve().parents[1]  # on the path of the build subprocesses, for tests.index_fixtures
GDP = "What was the GDP of the Chengdu-Chongqing economic circle in 2021?"
START_S = 90  # the real model and index load in a few seconds; the machine may be busy

SERVE = """
import os, sys, time
from pathlib import Path
from ccqa import service as qa

_ask = qa.QA.ask

def ask(self, question, **kwargs):  # test-only hook, see tests/test_faults.py
    if question.startswith("SLOW"):
        Path(os.environ["CCQA_TEST_SLOW_MARK"]).touch()
        time.sleep(float(os.environ["CCQA_TEST_SLOW_S"]))
        question = question[len("SLOW"):].strip()
    return _ask(self, question, **kwargs)

qa.QA.ask = ask
from ccqa.cli import main
sys.exit(main(sys.argv[1:]))
"""

SLOW_BUILD = """
import sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[4])
from tests.index_fixtures import HashingEncoder
from ccqa.index.build import build_index
from ccqa.config import Settings

_save = np.save

def save_then_stall(file, array, **kwargs):  # test-only: a build slow enough to be killed
    _save(file, array, **kwargs)
    Path(sys.argv[3]).touch()
    time.sleep(60)

np.save = save_then_stall
build_index(Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])),
            encoder=HashingEncoder())
"""


def ccqa_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ccqa"), *args]


def run_ccqa(args: list[str], env: dict[str, str], timeout: float = 60
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(ccqa_command(*args), env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout, check=False)


class Server:
    """``ccqa serve`` (gunicorn, 2 workers) on a free loopback port, run through ``SERVE``."""

    def __init__(self, index_dir: Path, workdir: Path, slow_s: float = 0.0,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.slow_mark = workdir / "slow-request-started"
        self.log = workdir / "serve.log"
        env = {**os.environ, "CCQA_TEST_SLOW_MARK": str(self.slow_mark),
               "CCQA_TEST_SLOW_S": str(slow_s), **(env or {})}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVE, "serve", "--index", str(index_dir),
                 "--port", str(self.port), "--workers", "2"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            poll(self._ready, f"ccqa serve on port {self.port}", START_S)
        except AssertionError:
            self.stop()
            raise AssertionError(f"ccqa serve did not start:\n{self.output()}") from None

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"ccqa serve exited with {self.process.returncode}:\n"
                                 f"{self.output()}")
        try:
            return self.request("GET", "/api/health", timeout=2)[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One request on a fresh connection: (status, parsed JSON); ``body`` bytes are sent as
        they are, anything else as JSON."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, bytes) or body is None else json.dumps(body)
            connection.request(method, path, body=data,
                               headers=headers or {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def ask(self, question: str, timeout: float = 30) -> tuple[int, Any]:
        return self.request("POST", "/api/ask", {"question": question}, timeout)

    def workers(self) -> set[int]:
        """The master's child processes, from /proc."""
        return children_of(self.process.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def children_of(pid: int) -> set[int]:
    """A process's children, from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident size (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


@pytest.fixture(scope="module")
def server(seed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ccqa serve`` of the seed index, 2 workers, admin on, over a corpus of its own."""
    work = tmp_path_factory.mktemp("serve")
    env = {"CCQA_ADMIN_TOKEN": TOKEN, "CCQA_CORPUS_DIR": str(seed_corpus(work / "corpus"))}
    running = Server(seed_settings.index_dir, work, env=env)
    yield running
    running.stop()


def copy_index(settings: Settings, destination: Path) -> Settings:
    shutil.copytree(settings.index_dir, destination, ignore=shutil.ignore_patterns(".*"))
    return Settings(index_dir=destination, corpus_dir=settings.corpus_dir, cache_size=0,
                    reload_interval_s=0.0)


# --- the server ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight_then_exits_0(
        seed_settings: Settings, tmp_path: Path) -> None:
    running = Server(seed_settings.index_dir, tmp_path, slow_s=3.0)
    try:
        result: dict[str, Any] = {}

        def slow_request() -> None:
            try:
                result["response"] = running.ask("SLOW " + GDP)
            except OSError as exc:
                result["error"] = exc

        client = threading.Thread(target=slow_request)
        client.start()
        poll(running.slow_mark.exists, "the slow request to reach the engine", 30)
        stopped_at = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        client.join(timeout=40)

        assert "error" not in result, result
        status, body = result["response"]
        assert status == 200 and body["found"] is True, body
        assert running.process.wait(timeout=40) == 0
        assert time.monotonic() - stopped_at < 20  # finished, not killed at graceful_timeout
        with pytest.raises(OSError):
            running.ask(GDP, timeout=5)
        output = running.output()
        assert "SIGABRT" not in output and "Traceback" not in output, output
    finally:
        running.stop()


@pytest.mark.slow
def test_a_worker_killed_with_sigkill_is_replaced_and_answers_continue(server: Server) -> None:
    before = poll(lambda: len(server.workers()) == 2 and server.workers(), "two workers", 30)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    answers = [server.ask(GDP)[0] for _ in range(10)]  # the other worker answers meanwhile
    after = poll(lambda: (w := server.workers()) and len(w) == 2 and victim not in w and w,
                 "the master to start a new worker", 60)
    assert answers == [200] * 10
    assert len(after - before) == 1
    assert {server.ask(GDP)[0] for _ in range(10)} == {200}
    assert server.request("GET", "/api/health")[0] == 200


# --- builds ------------------------------------------------------------------------------------

@pytest.fixture
def small_index(tmp_path: Path) -> tuple[Settings, str]:
    """A HashingEncoder index of the seed article, plus one more document waiting in the corpus."""
    settings = Settings(corpus_dir=seed_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index",
                        cache_size=0, reload_interval_s=0.0)
    first = build_index(settings, encoder=HashingEncoder())
    assert first.version is not None
    (settings.corpus_dir / "trains.txt").write_text(
        "Trains between Chengdu and Chongqing\n\nThe high-speed railway links the two cities "
        "in one hour. Thirty pairs of trains run every day.\n", encoding="utf-8")
    return settings, first.version


def versions_on_disk(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / versions.VERSIONS).iterdir())


def assert_still_serving(settings: Settings, version: str) -> None:
    assert versions.current_version(settings.index_dir) == version
    index = Index.load(versions.current_dir(settings.index_dir), MODEL_NAME, settings.model_sha256)
    assert "trains.txt" not in {d.path for d in index.documents.values()}
    qa = QA.open(settings, encoder=HashingEncoder())
    assert qa.index_version == version and qa.ask("What was the GDP in 2021?").passages


def test_disk_full_while_writing_an_index_publishes_nothing(
        small_index: tuple[Settings, str], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, version = small_index
    real_save = np.save

    def disk_fills_up(file: Any, array: Any, **kwargs: Any) -> None:
        if Path(file).name == "sentence_vectors.npy":  # the second array: half of it fits
            Path(file).write_bytes(b"\x93NUMPY\x01\x00" + b"\x00" * 512)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        real_save(file, array, **kwargs)

    monkeypatch.setattr(np, "save", disk_fills_up)
    with pytest.raises(BuildFailed, match="No space left on device") as failed:
        build_index(settings, encoder=HashingEncoder())
    assert f"nothing was published, {version} is still served" in str(failed.value)
    assert versions_on_disk(settings) == [version]  # no half version, no staging left behind
    assert_still_serving(settings, version)

    monkeypatch.undo()  # space again: the next build goes through
    report = build_index(settings, encoder=HashingEncoder())
    assert report.published and report.version != version and report.added == ["trains"]


@pytest.mark.slow
def test_build_killed_midway_leaves_the_old_index_and_the_next_build_cleans_up(
        small_index: tuple[Settings, str], tmp_path: Path) -> None:
    settings, version = small_index
    serving = QA.open(settings, encoder=HashingEncoder())
    mark = tmp_path / "wrote-first-array"
    build = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(settings.corpus_dir),
                              str(settings.index_dir), str(mark), str(REPO)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        poll(lambda: mark.exists() or build.poll() is not None, "the build to write", 60)
        assert build.poll() is None, build.stderr.read() if build.stderr else ""
        build.kill()
    finally:
        build.kill()
        build.wait(timeout=10)

    staging = [v for v in versions_on_disk(settings) if v.startswith(versions.STAGING_PREFIX)]
    assert len(staging) == 1  # the half-written version, never published
    assert_still_serving(settings, version)
    assert serving.reload_if_changed() is False and serving.index_version == version

    report = build_index(settings, encoder=HashingEncoder())  # not locked out by the dead build
    assert report.published and report.added == ["trains"]
    assert not [v for v in versions_on_disk(settings) if v.startswith(versions.STAGING_PREFIX)]
    assert serving.reload_if_changed() is True and serving.index_version == report.version


# --- hostile documents ---------------------------------------------------------------------------

BUILD_MEASURED = """
import json, sys, time
from ccqa.ingest import sandbox

seconds, reader_peaks = {}, []
_extract, _close = sandbox.DocumentReader.extract, sandbox.DocumentReader.close

def extract(self, path, fmt, max_bytes):  # test-only: how long each file took to read or refuse
    started = time.perf_counter()
    try:
        return _extract(self, path, fmt, max_bytes)
    finally:
        seconds[path.name] = time.perf_counter() - started

def close(self):
    _close(self)
    reader_peaks.append(self.peak_rss_bytes)

sandbox.DocumentReader.extract, sandbox.DocumentReader.close = extract, close
from ccqa.cli import main
code = main(sys.argv[1:])
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "reader_peaks": reader_peaks, "peak_kb": peak}), file=sys.stderr)
sys.exit(code)
"""


def multipart(name: str, data: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = "ccqa-test-boundary-7d1f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {TOKEN}"}


def test_hostile_documents_are_skipped_the_build_goes_on_and_the_old_index_serves_meanwhile(
        small_index: tuple[Settings, str]) -> None:
    settings, version = small_index  # trains.txt waits in the corpus beside the hostile files
    serving = QA.open(settings, encoder=HashingEncoder())
    expected = write_hostile_files(settings.corpus_dir)
    report = build_index(settings, encoder=HashingEncoder())
    assert report.published and report.added == ["trains"]
    reasons = {s["path"]: s["reason"] for s in report.skipped}
    assert set(reasons) == set(expected)
    assert all(reasons[name].startswith(start) for name, start in expected.items()), reasons
    assert "skipped bomb.docx: expands to 10,240 MB" in report.summary()
    assert serving.index_version == version and serving.ask("What was the GDP in 2021?").passages
    assert serving.reload_if_changed() is True and serving.index_version == report.version
    again = build_index(settings, encoder=HashingEncoder())  # still there: skipped, nothing to publish
    assert not again.published and len(again.skipped) == len(expected)


@pytest.mark.slow
def test_a_docx_inflating_to_10_gb_is_refused_in_2_s_while_the_server_answers(server: Server) -> None:
    body, headers = multipart("bomb.docx", docx_bomb(10 * 1024**3))
    answers: list[int] = []
    uploading = threading.Event()

    def ask_meanwhile() -> None:
        while uploading.is_set():
            answers.append(server.ask(GDP, timeout=10)[0])

    assert server.ask(GDP, timeout=10)[0] == 200
    processes = {server.process.pid, *server.workers()}
    peaks_before = {p: peak_rss_mb(p) for p in processes}  # each worker's models already loaded
    uploading.set()
    asker = threading.Thread(target=ask_meanwhile)
    asker.start()
    try:
        started = time.monotonic()
        status, refused = server.request("POST", "/api/admin/documents", body, timeout=30, headers=headers)
        took = time.monotonic() - started
    finally:
        uploading.clear()
        asker.join(timeout=30)
    assert status == 422 and refused["error"]["code"] == "bad_document", refused
    message = refused["error"]["message"]
    assert message.startswith("bomb.docx cannot be indexed: expands to 10,240 MB"), message
    assert "CCQA_PARSE_MAX_INFLATED_MB" in message
    assert took < 2, took
    assert answers and set(answers) == {200}  # the other worker (and this one, after) answered
    grown = {p: peak_rss_mb(p) - peaks_before[p] for p in processes}
    assert {p: mb for p, mb in grown.items() if mb >= 100} == {}  # the 10 GB were never inflated here
    assert server.request("GET", "/api/documents")[0] == 200


@pytest.mark.slow
def test_a_docx_inflating_to_10_gb_in_the_corpus_is_skipped_by_ccqa_build_in_2_s(
        seed_settings: Settings, tmp_path: Path) -> None:
    settings = copy_index(seed_settings, tmp_path / "index")
    corpus = seed_corpus(tmp_path / "corpus")
    (corpus / "bomb.docx").write_bytes(docx_bomb(10 * 1024**3))
    done = subprocess.run([sys.executable, "-c", BUILD_MEASURED, "build", "--json", "--corpus", str(corpus),
                           "--index", str(settings.index_dir)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["skipped"][0]["path"] == "bomb.docx"
    assert report["skipped"][0]["reason"].startswith("expands to 10,240 MB"), report["skipped"]
    assert measured["seconds"]["bomb.docx"] < 2, measured
    assert measured["peak_kb"] < 600 * 1024, measured  # the build process
    assert measured["reader_peaks"] and max(measured["reader_peaks"]) < 512 * 1024**2  # its reader


# --- start-up integrity ------------------------------------------------------------------------

def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_truncated_index_file_stops_serve_with_one_line_naming_it(
        seed_settings: Settings, tmp_path: Path) -> None:
    settings = copy_index(seed_settings, tmp_path / "index")
    broken = versions.current_dir(settings.index_dir) / "sentence_vectors.npy"
    truncate(broken)
    done = run_ccqa(["serve", "--index", str(settings.index_dir), "--port", str(free_port())],
                    env={})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ccqa: error: "), done.stderr
    assert str(broken) in lines[0] and "ccqa build" in lines[0]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "damage"), [("dense.faiss", flip_a_byte),
                                              ("documents.jsonl", truncate),
                                              ("manifest.json", truncate)])
def test_corrupt_index_file_is_refused_at_open_naming_it(
        seed_settings: Settings, tmp_path: Path, name: str, damage: Callable[[Path], None]) -> None:
    settings = copy_index(seed_settings, tmp_path / "index")
    broken = versions.current_dir(settings.index_dir) / name
    damage(broken)
    with pytest.raises(IndexCorrupt) as refused:
        QA.open(settings)
    assert str(broken) in str(refused.value) and "ccqa build" in str(refused.value)


@pytest.mark.slow
def test_live_reload_of_a_corrupt_version_keeps_the_old_one_serving(
        seed_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = copy_index(seed_settings, tmp_path / "index")
    qa = QA.open(settings)
    old = qa.index_version
    bad = settings.index_dir / versions.VERSIONS / versions.new_version_name()
    shutil.copytree(versions.current_dir(settings.index_dir), bad)
    truncate(bad / "passages.npy")
    (settings.index_dir / versions.CURRENT).write_text(bad.name + "\n", encoding="utf-8")

    caplog.set_level(logging.ERROR, logger="ccqa.service")
    assert qa.maybe_reload() is False
    assert qa.index_version == old and qa.ask(GDP).found
    assert str(bad / "passages.npy") in caplog.text


@pytest.fixture(scope="module")
def tampered_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged model directory with one byte of its weights changed (the rest linked)."""
    original = packaged_model_path()
    copy = tmp_path_factory.mktemp("tampered-model")
    for item in original.iterdir():
        if item.name != WEIGHTS_FILE:
            (copy / item.name).symlink_to(item)
    shutil.copyfile(original / WEIGHTS_FILE, copy / WEIGHTS_FILE)
    flip_a_byte(copy / WEIGHTS_FILE)
    return copy


@pytest.mark.slow
def test_serve_refuses_weights_with_the_wrong_sha256(
        seed_settings: Settings, tampered_model: Path) -> None:
    done = run_ccqa(["serve", "--index", str(seed_settings.index_dir), "--port",
                     str(free_port())], env={"CCQA_MODEL_PATH": str(tampered_model)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(tampered_model / WEIGHTS_FILE) in lines[0] and "sha256" in lines[0]


def test_wrong_weights_are_refused_before_anything_uses_them(
        tampered_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    monkeypatch.setattr("ccqa.service.serving_encoder", lambda *a, **k: used.append("encoder"))
    monkeypatch.setattr("ccqa.index.build.build_encoder", lambda *a, **k: used.append("encoder"))
    monkeypatch.setattr("ccqa.index.build.write_onnx_encoder", lambda *a, **k: used.append("export"))
    monkeypatch.setattr("ccqa.service.Index.load", lambda *a, **k: used.append("index"))
    settings = Settings(model_path=tampered_model, corpus_dir=seed_corpus(tmp_path / "corpus"),
                        index_dir=tmp_path / "index")
    with pytest.raises(ModelError, match="sha256"):
        QA.open(settings)
    with pytest.raises(ModelError, match="sha256"):
        build_index(settings)
    assert used == [] and not settings.index_dir.exists()


FORKED_WORKER = """
import os, sys, time, types
import onnxruntime  # starts a thread in this process that a forked child cannot join at exit
from ccqa.serve import _exit_worker_now

pid = os.fork()
if pid == 0:  # what gunicorn does in a worker: sys.exit, and the hook in a finally clause
    try:
        sys.exit(3)
    finally:
        _exit_worker_now(None, types.SimpleNamespace(pid=os.getpid()))
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print(os.waitstatus_to_exitcode(status))
        sys.exit(0)
    time.sleep(0.05)
os.kill(pid, 9)
print("hung")
"""


def test_worker_exit_hook_ends_a_forked_worker_that_onnxruntime_would_hang() -> None:
    done = subprocess.run([sys.executable, "-c", FORKED_WORKER], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.strip() == "3", done.stdout + done.stderr
