"""The answer given to a request that carried an Idempotency-Key, kept for its replays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from adam.db import Base, intpk, timestamp


class IdempotencyKey(Base):
    """One key of one user: what the first request was (its fingerprint) and what it got.

    Written in the transaction of the create it answers, so a stored answer always stands
    for data that exists, and data written under a key always has its answer.
    """

    __tablename__ = "idempotency_key"
    # Keys are the client's own strings: two users may well pick the same one.
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id_key"),
        Index("ix_idempotency_key_expires_at", "expires_at"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the method, the path and the body: the same key with another request is
    # refused rather than answered with what another request got.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]]
    created_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime]
