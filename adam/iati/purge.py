"""Retention of IATI import jobs: finished ones go after ``IMPORT_JOB_RETENTION_DAYS``.

A job holds its uploaded file (the bytes are in ``import_job.content``; nothing is kept on
disk), so deleting the row removes the file too. Done and failed jobs go alike, once finished
for that long; queued and running ones are never purged. The projects an import wrote and
their history are not touched: the history names the account, not the job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adam.iati.models import ImportJob, ImportStatus


def purge_jobs(session: Session, *, finished_before: dt.datetime, batch_size: int) -> int:
    """Delete jobs finished before ``finished_before``, ``batch_size`` at a time (each batch
    committed, so no writer waits long); returns how many."""
    query = (
        select(ImportJob.id)
        .where(
            ImportJob.status.in_((ImportStatus.DONE, ImportStatus.FAILED)),
            ImportJob.finished_at < finished_before,
        )
        .limit(batch_size)
    )
    purged = 0
    while ids := list(session.scalars(query)):
        # A finished job is never claimed again (service.claim_job), so the ids stay valid.
        session.execute(delete(ImportJob).where(ImportJob.id.in_(ids)))
        session.commit()
        purged += len(ids)
        if len(ids) < batch_size:
            break
    return purged
