"""Signed-in browsers: start a session at sign-in, resume it per page, end it.

A session is a row, not only a cookie, so that sign-out, idle expiry, deactivation and a
password change end it on the server whatever copy of the cookie a browser keeps.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adam.auth.models import PortalSession, User
from adam.auth.secrets import hash_password, hash_token, new_token, verify_password
from adam.db import utcnow
from adam.errors import N_, InvalidInput

# A page view moves last_seen_at only when it is older than this: idling is measured in
# minutes, and a write per page view would queue every reader behind SQLite's one writer.
SEEN_RESOLUTION = dt.timedelta(seconds=60)
MIN_PASSWORD_LENGTH = 10


def start(session: Session, user: User) -> str:
    """A new session for ``user``; the token, for the cookie, is returned only here."""
    token = new_token()
    now = utcnow()
    session.add(
        PortalSession(
            user_id=user.id, token_hash=hash_token(token), created_at=now, last_seen_at=now
        )
    )
    session.flush()
    return token


def resume(session: Session, token: str, *, idle: dt.timedelta) -> User | None:
    """The user of a live session, or None (unknown, ended, idle too long, inactive user)."""
    record = session.scalar(
        select(PortalSession).where(PortalSession.token_hash == hash_token(token))
    )
    if record is None or record.ended_at is not None:
        return None
    now = utcnow()
    if not record.user.is_active or now - record.last_seen_at > idle:
        record.ended_at = now
        return None
    if now - record.last_seen_at > SEEN_RESOLUTION:
        record.last_seen_at = now
    return record.user


def end(session: Session, token: str) -> None:
    session.execute(
        update(PortalSession)
        .where(PortalSession.token_hash == hash_token(token), PortalSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all(session: Session, user_id: int, *, keep: str | None = None) -> None:
    """End every session of the user but the one whose token is ``keep``."""
    statement = update(PortalSession).where(
        PortalSession.user_id == user_id, PortalSession.ended_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(PortalSession.token_hash != hash_token(keep))
    session.execute(statement.values(ended_at=utcnow()))


def change_password(
    session: Session, user: User, *, current: str, new: str, keep: str | None = None
) -> None:
    """Set a new password after checking the current one; the user's other sessions end.

    :raises InvalidInput: the current password is wrong, or the new one is too short.
    """
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = [N_("The current password is wrong.")]
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = [N_("The new password is too short: use at least 10 characters.")]
    if errors:
        raise InvalidInput(N_("The password was not changed."), errors)
    user.password_hash = hash_password(new)
    end_all(session, user.id, keep=keep)
    session.flush()


def set_locale(session: Session, user: User, locale: str | None) -> None:
    user.locale = locale
    session.flush()
