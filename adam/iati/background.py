"""Run import jobs beside the web process's requests: one small thread pool per process.

The upload's request stores and commits the job, then hands its id here; the thread claims it
(so a worker that saw it queued cannot run it too) and runs it with sessions of its own, never
the request's. A process that dies mid-job leaves a lease that runs out; ``adam worker`` then
takes the job over.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from flask import Flask
from sqlalchemy.orm import Session

from adam import commits
from adam.auth.actor import Actor
from adam.iati import runner, service
from adam.iati.models import ImportJob
from adam.session import get_settings, new_session

log = logging.getLogger(__name__)

# Imports are long and write-heavy; two at a time per process is plenty (more queue up).
THREADS = 2

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def import_settings(app: Flask) -> service.ImportSettings:
    return get_settings(app).imports


def _pool() -> ThreadPoolExecutor:
    # Made on first use, so a gunicorn worker makes its own after the fork.
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="iati-import")
        return _executor


def submit(app: Flask, job_id: int) -> Future[None]:
    return _pool().submit(run_one, app, job_id)


def start_upload(
    app: Flask,
    session: Session,
    *,
    actor: Actor,
    filename: str | None,
    stream: IO[bytes],
    publisher_org: str | None = None,
    default_theme: str | None = None,
) -> ImportJob:
    """Queue an uploaded file's import (``service.create_job``), commit it, and start it in
    this process's pool: what the API's upload and the portal's import form both do.

    Reads at most one byte more than the limit, so a larger file is refused without being
    read whole. Raises what ``create_job`` raises (nothing is stored then).
    """
    settings = import_settings(app)
    job = service.create_job(
        session,
        actor=actor,
        filename=filename,
        content=stream.read(settings.max_bytes + 1),
        settings=settings,
        publisher_org=publisher_org,
        default_theme=default_theme,
    )
    session.commit()
    job_id = job.id
    # Not before the job is committed, which an Idempotency-Key may hold back (adam.commits).
    commits.after_commit(session, lambda: _start(app, job_id))
    return job


def _start(app: Flask, job_id: int) -> None:
    submit(app, job_id)


def drain(timeout: float = 60.0) -> None:
    """Wait until every job handed to this process's pool so far has ended, its sessions
    closed (before an engine is disposed: a connection given back to a disposed pool is left
    open for the garbage collector). Each pool thread is made to wait at one barrier: they can
    only all get there once what was queued before has run."""
    with _lock:
        executor = _executor
    if executor is None:
        return
    barrier = threading.Barrier(THREADS + 1, timeout=timeout)
    waiting = [executor.submit(barrier.wait) for _ in range(THREADS)]
    barrier.wait()
    for future in waiting:
        future.result(timeout=timeout)


def run_one(app: Flask, job_id: int) -> None:
    """Claim and run one job, unless another process has it already."""
    settings = import_settings(app)
    try:
        with new_session(app) as session:
            token = service.claim_job(session, job_id, lease_seconds=settings.lease_seconds)
            session.commit()
        if token is None:
            return
        runner.run_job(
            lambda: new_session(app),
            job_id,
            token=token,
            settings=settings,
            matcher=get_settings(app).matcher,
        )
    except Exception:  # a thread's exception would vanish unseen; the lease lets a worker retry
        log.exception("IATI import job %s could not be run here.", job_id)


def run_queued(app: Flask) -> list[int]:
    """Every job to be had now: queued ones, and running ones whose runner died."""
    return runner.run_queued(
        lambda: new_session(app),
        settings=import_settings(app),
        matcher=get_settings(app).matcher,
    )
