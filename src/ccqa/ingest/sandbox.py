"""Documents read in a child process held to memory and CPU limits, so that no file, however it
was made, can take down the build or the server worker that wants its text.

``extract_file`` is the reading itself: the file's bytes (up to the size limit), the format's
reader (``ccqa.ingest.formats``, bounded by ``ccqa.ingest.limits``), the text checked.
``DocumentReader`` runs it in a child (``python -m ccqa.ingest.sandbox``) whose address space
is capped (``RLIMIT_AS``: ``parse_memory_mb``), whose CPU time per document is capped
(``RLIMIT_CPU``: ``parse_cpu_s``), and which is killed past ``parse_timeout_s`` of wall time.
Requests and replies are JSON lines on its stdin and stdout: plain data, nothing executable
crosses back. A child that dies is replaced for the next document, and its death is the
document's reason ("took more than 30 s of CPU time to read").

    with DocumentReader(ParseLimits()) as reader:
        extracted = reader.extract(path, format_for(path), max_bytes)   # or BadDocument(reason)
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ccqa.errors import BadDocument
from ccqa.ingest.formats import FORMATS, Extracted, Format
from ccqa.ingest.limits import DEFAULT_LIMITS, MB, ParseLimits, check_text_size

log = logging.getLogger(__name__)

Extract = Callable[[Path, Format, int], Extracted]  # what read_document calls to read a file
REAP_S = 5.0  # how long a child that closed its pipe may take to exit before it is killed
PEAK_SAMPLE_S = 0.1  # how often a child's peak resident size is read while it works
_BY_NAME = {f.name: f for f in FORMATS}


def extract_file(path: Path, fmt: Format, max_bytes: int, limits: ParseLimits = DEFAULT_LIMITS) -> Extracted:
    """Read ``path`` as ``fmt`` in this process, within ``limits``; BadDocument if unusable."""
    data = read_bounded(path, max_bytes)
    if not data.strip():
        raise BadDocument("empty document")
    extracted = fmt.read(data, limits)
    if not extracted.text.strip():
        raise BadDocument("empty document")
    check_text_size(extracted.text, limits)
    return extracted


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refused past ``max_bytes`` (checked before and while reading)."""
    too_big = BadDocument(f"over the size limit of {max_bytes} bytes")
    try:
        if path.stat().st_size > max_bytes:
            raise too_big
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise BadDocument(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise too_big
    return data


class DocumentReader:
    """Reads documents one at a time in a child process held to ``limits``.

    ``peak_rss_bytes`` is the largest resident size a child reached (the kernel's ``VmHWM`` of
    each child, sent with each reply, read before a kill); ``started`` counts the children it ran. Not for use by two threads at once: give each its own reader.
    """

    def __init__(self, limits: ParseLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.peak_rss_bytes = 0
        self.started = 0
        self._child: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def extract(self, path: Path, fmt: Format, max_bytes: int) -> Extracted:
        """``extract_file`` in the child; BadDocument(reason) for an unusable file, including
        one that made the child break a limit."""
        child = self._running()
        assert child.stdin is not None
        request = {"path": str(path), "format": fmt.name, "max_bytes": max_bytes}
        try:
            child.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            child.stdin.flush()
        except OSError:
            raise BadDocument(self._death(child)) from None
        reply = self._reply(child)
        self._note_peak(int(reply.get("peak_rss_kb", 0)))
        if reply.get("exit"):  # the child's heap is not to be trusted after running out
            self._reap(child)
        if "extracted" in reply:
            return Extracted.from_dict(reply["extracted"])
        raise BadDocument(str(reply.get("error") or "the reading process gave no reason"))

    def close(self) -> None:
        """End the child: its stdin closed, it exits; killed if it does not within ``REAP_S``."""
        if self._child is not None:
            child, self._child = self._child, None
            if child.stdin is not None:
                child.stdin.close()
            self._reap(child)

    # --- the child -----------------------------------------------------------------------------

    def _running(self) -> subprocess.Popen[bytes]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        if self._child is not None:  # it ended between documents
            self._reap(self._child)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self._child = subprocess.Popen(
            [sys.executable, "-P", "-m", "ccqa.ingest.sandbox", json.dumps(self.limits.to_dict())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env)
        self.started += 1
        return self._child

    def _reply(self, child: subprocess.Popen[bytes]) -> dict[str, Any]:
        """The child's one-line JSON reply, or BadDocument when it dies, overruns the wall-clock
        limit or sends more than any document's text could need."""
        assert child.stdout is not None
        fd = child.stdout.fileno()
        deadline = time.monotonic() + self.limits.timeout_s
        most = 8 * self.limits.max_text_chars + 16 * MB  # UTF-8 text, escaped, with its units
        received = bytearray()
        while not received.endswith(b"\n"):  # JSON escapes newlines: only the reply's end is one
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._reap(child, kill=True)
                raise BadDocument(f"took more than {self.limits.timeout_s:g} s to read (CCQA_PARSE_TIMEOUT_S)")
            if not select.select([fd], [], [], min(remaining, PEAK_SAMPLE_S))[0]:
                self._note_peak(_peak_rss_kb(child.pid))  # known even if a limit then kills it
                continue
            piece = os.read(fd, MB)
            if not piece:
                raise BadDocument(self._death(child))
            received += piece
            if len(received) > most:
                self._reap(child, kill=True)
                raise BadDocument("the reading process sent more than any document's text needs")
        reply: dict[str, Any] = json.loads(received)
        return reply

    def _death(self, child: subprocess.Popen[bytes]) -> str:
        """Why the child stopped, as a document's reason."""
        code = self._reap(child)
        if code == -signal.SIGXCPU:
            return f"took more than {self.limits.cpu_s} s of CPU time to read (CCQA_PARSE_CPU_S)"
        memory = f"needs more than the {self.limits.memory_mb} MB of memory allowed to read it (CCQA_PARSE_MEMORY_MB)"
        if code < 0:
            return f"the reading process was ended by {signal.Signals(-code).name}; it probably {memory}"
        return f"the reading process stopped with exit code {code}; it may have {memory}"

    def _reap(self, child: subprocess.Popen[bytes], kill: bool = False) -> int:
        """Wait for the child (killing it when asked, or when it lingers past ``REAP_S``) and
        return its exit code (negative: the signal that ended it)."""
        if self._child is child:
            self._child = None
        if child.returncode is None:
            if kill:
                self._note_peak(_peak_rss_kb(child.pid))
                child.kill()
            try:
                child.wait(timeout=REAP_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()
        return child.returncode

    def _note_peak(self, kb: int) -> None:
        self.peak_rss_bytes = max(self.peak_rss_bytes, kb * 1024)


def _peak_rss_kb(pid: int | str = "self") -> int:
    """A process's peak resident size (``VmHWM``), 0 when it cannot be read. Not ``ru_maxrss``:
    Linux carries that over ``exec`` from the parent that spawned the process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --- inside the child ------------------------------------------------------------------------

def hold_to(limits: ParseLimits) -> None:
    """Cap this process's address space (hard limit too: nothing here can raise it again) and
    turn off core files (a CPU-limit kill would write one)."""
    memory = limits.memory_mb * MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _arm_cpu_limit(seconds: int) -> None:
    """SIGXCPU once this document has taken ``seconds`` of CPU time (the limit counts the
    process's whole life, so it is moved on before each document)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _answer(request: dict[str, Any], limits: ParseLimits) -> dict[str, Any]:
    _arm_cpu_limit(limits.cpu_s)
    reply: dict[str, Any]
    out_of_memory = False
    try:
        fmt = _BY_NAME[request["format"]]
        reply = {"extracted": extract_file(Path(request["path"]), fmt, int(request["max_bytes"]), limits)
                 .to_dict()}
    except BadDocument as exc:
        reply = {"error": str(exc)}
    except MemoryError:  # the reply is made below, once the frames holding the memory are gone
        out_of_memory = True
    except RecursionError:
        reply = {"error": "nested too deeply to read"}
    except Exception as exc:  # a reader's bug skips this file, not the build
        log.exception("reading %s failed", request.get("path"))
        reply = {"error": f"cannot be read ({type(exc).__name__}: {exc})"}
    if out_of_memory:
        reply = {"error": f"needs more than the {limits.memory_mb} MB of memory allowed to read it "
                          "(CCQA_PARSE_MEMORY_MB)", "exit": True}
    reply["peak_rss_kb"] = _peak_rss_kb()
    return reply


def main(argv: list[str]) -> int:
    """The child: limits from ``argv[0]`` (JSON), then one reply per request line until EOF."""
    limits = ParseLimits.from_dict(json.loads(argv[0]))
    hold_to(limits)
    logging.basicConfig(level=logging.WARNING, format="ccqa document reader: %(name)s: %(message)s")
    replies: IO[bytes] = sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not break a reply
    for line in sys.stdin.buffer:
        reply = _answer(json.loads(line), limits)
        try:
            encoded = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a PDF's font map: escape everything
            encoded = json.dumps(reply).encode("ascii")
        replies.write(encoded + b"\n")
        replies.flush()
        if reply.get("exit"):
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
