"""Commits a request can hold back, so that what it stores about its answer joins them.

An idempotent create keeps its answer in the same transaction as the data it wrote (a process
killed between two commits would leave data without an answer, and its retry would create it
again). The view commits before its answer is serialised, so while a session's commits are
held, ``commit()`` only flushes; ``release`` commits once the answer is added. Work that must
follow the commit (starting an import) or undo what the database cannot (a stored file) is
registered with ``after_commit`` and ``if_not_committed``, and runs at once when nothing is
held. No Flask here: services call these too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

HELD = "adam.held_commits"


@dataclass(slots=True)
class Held:
    requested: bool = False
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    if_not_committed: list[Callable[[], None]] = field(default_factory=list)


class AdamSession(Session):
    """The sessions of ``settings.session_factory``: a commit while held is a flush."""

    def commit(self) -> None:
        held: Held | None = self.info.get(HELD)
        if held is None:
            super().commit()
            return
        self.flush()
        held.requested = True


def hold(session: Session) -> Held:
    held = Held()
    session.info[HELD] = held
    return held


def release(session: Session) -> None:
    """Commit what was held, then run what waited for the commit. If the commit fails,
    what ``if_not_committed`` registered runs and the error goes on."""
    held: Held = session.info.pop(HELD)
    try:
        Session.commit(session)
    except BaseException:
        _undo(session, held)
        raise
    for callback in held.after_commit:
        callback()


def abandon(session: Session) -> None:
    """Roll back what was held (the request failed) and undo what the database cannot."""
    held: Held | None = session.info.pop(HELD, None)
    if held is not None:
        _undo(session, held)


def _undo(session: Session, held: Held) -> None:
    session.rollback()
    for callback in held.if_not_committed:
        callback()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's last ``commit()`` is real: now, unless held."""
    held: Held | None = session.info.get(HELD)
    if held is None:
        callback()
    else:
        held.after_commit.append(callback)


def if_not_committed(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if the held commit fails or is abandoned; nothing when not held (the
    commit has happened already)."""
    held: Held | None = session.info.get(HELD)
    if held is not None:
        held.if_not_committed.append(callback)
