"""Keys and their stored answers: checking a key, finding, storing and purging answers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adam.db import utcnow
from adam.errors import N_, AdamError
from adam.idempotency.models import IdempotencyKey
from adam.notifications import sealing

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Headers of the first answer given again with it; the rest (dates, caching) are the replay's.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


class InvalidKey(AdamError):
    status = 400
    code = "invalid_idempotency_key"


class KeyInFlight(AdamError):
    """Another request with this key has not been answered yet."""

    status = 409
    code = "idempotency_key_in_flight"


class KeyReused(AdamError):
    """The key was used for another request (other method, path or body)."""

    status = 422
    code = "idempotency_key_reused"


class AnswerUnreadable(AdamError):
    """The key's request was done, but the sealed answer opens with no configured key."""

    status = 409
    code = "idempotency_answer_unreadable"


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: bytes
    headers: dict[str, str]


def checked_key(raw: str) -> str:
    """The key as sent, if it is one: 1 to 255 printable ASCII characters (spaces inside
    allowed). :raises InvalidKey: otherwise."""
    if not raw.strip():
        raise InvalidKey(N_("The Idempotency-Key header is empty."))
    if len(raw) > MAX_KEY_LENGTH:
        raise InvalidKey(
            N_("The Idempotency-Key header is longer than %(limit)s characters.", limit=255)
        )
    if not all(" " <= char <= "~" for char in raw):
        raise InvalidKey(N_("The Idempotency-Key header may hold printable ASCII characters only."))
    return raw


def fingerprint(method: str, path: str, body_parts: Iterable[bytes]) -> str:
    """What makes two requests the same request: method, path with its query, and body."""
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    for part in body_parts:
        # Each part's length first, so that moving bytes from one part to the next changes it.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find(
    session: Session,
    *,
    user_id: int,
    key: str,
    request_fingerprint: str,
    now: dt.datetime,
    keys: Sequence[str],
) -> Answer | None:
    """The answer stored for this user's key, if it has not expired, opened with ``keys``.

    :raises KeyReused: the key answered another request.
    :raises AnswerUnreadable: the key that sealed the answer is no longer configured.
    """
    stored = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at > now,
        )
    )
    if stored is None:
        return None
    if stored.fingerprint != request_fingerprint:
        raise KeyReused(
            N_(
                "This Idempotency-Key was used for another request (another method, path "
                "or body); send a new key for a new request."
            ),
            {HEADER: [N_("Already used for another request.")]},
        )
    try:
        body = sealing.unseal_bytes(stored.body, keys)
    except sealing.SecretUnavailable:
        # The request was done; creating again would duplicate it, so it is refused instead.
        raise AnswerUnreadable(
            N_(
                "This Idempotency-Key's request was done, but its answer cannot be read back "
                "(the service's encryption key changed); look the created item up instead."
            )
        ) from None
    return Answer(stored.status_code, body, dict(stored.headers))


def store(
    session: Session,
    *,
    user_id: int,
    key: str,
    request_fingerprint: str,
    answer: Answer,
    ttl: dt.timedelta,
    keys: Sequence[str],
    now: dt.datetime | None = None,
) -> None:
    """Keep ``answer`` for this user's key in the session's transaction (the caller commits
    it together with what the request wrote), its body sealed with ``keys``: an answer may
    hold a secret (a new webhook's). An expired answer under the same key, not yet purged,
    gives way to it."""
    now = now or utcnow()
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at <= now,
        )
    )
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            fingerprint=request_fingerprint,
            status_code=answer.status_code,
            body=sealing.seal_bytes(answer.body, keys),
            headers=answer.headers,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()


def kept_headers(headers: Mapping[str, str] | Any) -> dict[str, str]:
    """The headers of an answer that its replays give again (werkzeug's Headers or a dict)."""
    return {name: str(headers[name]) for name in REPLAYED_HEADERS if name in headers}


def purge_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    """Delete the answers whose keys have expired; returns how many. The caller commits."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
