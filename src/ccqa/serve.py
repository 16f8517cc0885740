"""``ccqa serve``: the chat and API behind gunicorn, the model and index loaded once.

The master loads and checks the index before forking (``preload_app``), so workers share
those pages copy-on-write; each worker then starts its own encoder session (ONNX Runtime's
threads do not survive a fork) before it takes its first request. Each worker runs
its numeric libraries on one thread: on a small machine, threads in several workers only
fight over the same cores.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from ccqa.config import Settings

log = logging.getLogger(__name__)


def limit_threads(threads: int) -> None:
    """Run the numeric libraries of this process (and of workers forked from it) on
    ``threads`` threads: FAISS now, PyTorch (which reads OMP_NUM_THREADS) if it is loaded later."""
    import faiss

    os.environ["OMP_NUM_THREADS"] = str(threads)
    faiss.omp_set_num_threads(threads)


def _exit_worker_now(server: Any, worker: Any) -> None:
    """gunicorn's ``worker_exit`` hook: end a worker with its exit code, skipping C++ teardown.

    onnxruntime starts a thread in the master at import; in a forked worker its static
    destructors wait for that thread, which does not exist there, and the worker hangs or
    aborts (SIGABRT) on a graceful stop. Requests are finished by now, logs are flushed.
    """
    if os.getpid() != worker.pid:  # gunicorn also calls this in the master for a lost worker
        return
    exiting = sys.exc_info()[1]
    if not isinstance(exiting, SystemExit):
        return
    code = exiting.code
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          threads_per_worker: int = 4) -> int:
    """Run the production server until it is stopped (SIGTERM: finish requests in flight)."""
    from gunicorn.app.base import BaseApplication

    from ccqa.api.app import create_app
    from ccqa.service import QA

    limit_threads(settings.threads)
    qa = QA.open(settings, warm=False)  # index checked and loaded once, shared by the workers
    app = create_app(settings, qa=qa)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads_per_worker,
                "preload_app": True,
                "timeout": 60,
                "graceful_timeout": 30,
                "keepalive": 5,
                "accesslog": None,  # ccqa.access logs one structured line per API request
                "loglevel": "warning",
                "worker_exit": _exit_worker_now,
                # the encoder's and the reader's sessions made before the worker takes its first
                # request, so that a restarted worker is not slow for its first users
                "post_worker_init": lambda worker: qa.warm_up(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    print(f"ccqa: serving index {qa.index_version} on http://{host}:{port}/ with {workers} workers", flush=True)
    Server().run()
    return 0
