"""How ``adam serve`` runs gunicorn: its command line, and this module as its config (hooks).

gunicorn loads this module with ``-c python:adam.serving`` and takes the names it knows
(``post_worker_init``); the rest is ignored by it.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

# Collect the youngest generation after this many net allocations instead of 700: a
# registration allocates tens of thousands of short-lived objects, almost all freed by
# reference counting, so the default threshold runs the collector ~once per request for
# nothing (the cost measured with bench/registration_inprocess.py is in bench/RESULTS.md).
YOUNG_THRESHOLD = 5000


def gunicorn_argv(host: str, port: int, workers: int, threads: int) -> list[str]:
    """The gunicorn command line of ``adam serve`` (and of the benchmarks, which time it)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:adam.serving",
        "--bind",
        f"{host}:{port}",
        # Threaded workers: a long download (an Excel export of 100k projects takes over a
        # minute to build) holds one thread, not a whole worker, and is not killed by the sync
        # worker's 30-second timeout, which gthread workers apply to the process, not the
        # request.
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--workers",
        str(workers),
        "adam.app:create_app()",
    ]


def post_worker_init(_worker: Any) -> None:
    """gunicorn hook, in each worker once the app is loaded: what was built at start (the
    app, its schemas, the reference data, the imported modules) lives as long as the worker,
    so the collector stops scanning it. Without this, a full collection walks every one of
    those objects and now and then stalls one request far beyond the others (bench/RESULTS.md)."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
