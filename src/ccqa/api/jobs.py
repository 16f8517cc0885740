"""Index rebuilds started over HTTP: one at a time, each a ``ccqa build`` child process watched
by a background thread (the build's memory is the child's, never the serving worker's), each
with a record.

Records are JSON files in ``index_dir/.jobs`` so any worker process can report any job; the
running job holds ``.jobs/.lock``, so a second start in any worker is refused, and a record
still "running" without its lock belongs to a worker that died.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ccqa.config import Settings
from ccqa.errors import BuildFailed, BuildLocked, CcqaError
from ccqa.files import try_lock, write_atomically
from ccqa.index import versions

log = logging.getLogger(__name__)

JOBS_DIR = ".jobs"  # inside index_dir, so that every worker process sees every job
KEEP_JOBS = 20
JOB_ID = re.compile(r"[0-9a-f]{16}")


class RebuildJobs:
    """Incremental builds in a child process, one at a time, each with a job record.

    >>> jobs = RebuildJobs(settings)  # doctest: +SKIP
    >>> jobs.get(jobs.start()["job"])["status"]  # doctest: +SKIP
    'running'

    ``build`` is replaceable (tests pass a fast fake encoder).
    """

    def __init__(self, settings: Settings, build: Callable[[Settings], Any] | None = None) -> None:
        self.settings = settings
        self.build = build or build_in_child_process

    def start(self) -> dict[str, Any]:
        """Start a build and return its record; BuildLocked when one is already running."""
        held = try_lock(self._dir() / ".lock") or self._lock_being_released()
        if held is None or versions.build_running(self.settings.index_dir):
            if held is not None:
                held.close()
            raise BuildLocked("An index build is already running; wait for it to finish and try again.")
        job = {"job": secrets.token_hex(8), "status": "running", "started_at": _now(),
               "finished_at": None, "report": None, "error": None}
        self._save(job)
        threading.Thread(target=self._run, args=(job, held), name=f"rebuild-{job['job']}", daemon=True).start()
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        job = self._read(job_id)
        if job is not None and job.get("status") == "running":
            held = try_lock(self._dir() / ".lock")
            if held is not None:  # nobody is running it: the worker died mid-build
                with held:
                    job = self._read(job_id) or job  # it may have finished just now
                    if job["status"] == "running":
                        job = {**job, "status": "failed", "finished_at": _now(),
                               "error": "the server stopped during the build; the previous index is still served"}
                        self._save(job)
        return job

    def _lock_being_released(self) -> IO[str] | None:
        """The job lock, when its holder has written its final record and is about to let go.

        A job's record says "succeeded" a moment before its lock is released (so that no reader
        takes a finished job for a dead one); a client that starts the next build on seeing it
        should get that build, not a 409."""
        if any(job.get("status") == "running" for job in self._records()):
            return None
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            time.sleep(0.02)
            held = try_lock(self._dir() / ".lock")
            if held is not None:
                return held
        return None

    def _records(self) -> list[dict[str, Any]]:
        return [job for path in self._dir().glob("*.json") if (job := self._read(path.stem)) is not None]

    def _read(self, job_id: str) -> dict[str, Any] | None:
        if not JOB_ID.fullmatch(job_id):
            return None
        try:
            job: dict[str, Any] = json.loads((self._dir() / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return job

    def _run(self, job: dict[str, Any], held: IO[str]) -> None:
        with held:  # closing it releases the job lock, after the final record is written
            try:
                report = self.build(self.settings)
                job = {**job, "status": "succeeded", "report": report if isinstance(report, dict) else report.to_dict()}
            except CcqaError as exc:
                log.warning("rebuild %s failed: %s", job["job"], exc)
                job = {**job, "status": "failed", "error": str(exc)}
            except Exception as exc:  # a bug must still end the job, not leave it "running"
                log.exception("rebuild %s failed", job["job"])
                job = {**job, "status": "failed", "error": f"unexpected error: {exc}"}
            self._save({**job, "finished_at": _now()})

    def _dir(self) -> Path:
        return self.settings.index_dir / JOBS_DIR

    def _save(self, job: dict[str, Any]) -> None:
        directory = self._dir()
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically(directory / f"{job['job']}.json", json.dumps(job, ensure_ascii=False))
        old = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-KEEP_JOBS]
        for path in old:
            path.unlink(missing_ok=True)


def build_in_child_process(settings: Settings) -> dict[str, Any]:
    """``ccqa build --json --wait`` with these settings in a child process; its report.

    A build holds the encoder and every passage while it runs; in a child that memory goes when
    it ends instead of staying with the worker that serves questions. A CLI build that slipped
    in first is waited for."""
    done = subprocess.run([sys.executable, "-m", "ccqa.cli", "build", "--json", "--wait"],
                          env={**os.environ, **settings.to_env()}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        message = lines[-1] if lines else f"the build exited with status {done.returncode}"
        raise BuildFailed(message.removeprefix("ccqa: error: "))
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
