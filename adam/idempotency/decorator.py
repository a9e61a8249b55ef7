"""``@idempotent``: a create that honours the Idempotency-Key header.

The same key, from the same user, with the same method, path and body, gets the first
answer again (status, body, Location, ETag; ``Idempotent-Replayed: true`` says so) and
writes nothing; with another request it is 422; while the first is still being answered,
409. The answer is stored in the create's own transaction (``adam.commits``). Without the
header a view behaves as before. Errors are not stored: they write nothing, so a retry simply
runs again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, request

from adam import commits
from adam.db import utcnow
from adam.idempotency import service
from adam.idempotency.in_flight import claimed
from adam.session import get_session, get_settings
from adam.web import current_actor

View = TypeVar("View", bound=Callable[..., Any])

HEADER_PARAMETER = {
    "name": service.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "A key of your choosing (1-255 printable ASCII characters, e.g. a UUID), new for each "
        "new request. Sent again with the same request (same method, path and body) within "
        "IDEMPOTENCY_KEY_TTL_HOURS, it gets the first answer again and creates nothing: "
        "retry with it after a lost connection or a 5xx. The same key with another request "
        "is refused with 422; while the first request is still being answered, with 409. "
        "Keys are per user."
    ),
    # What checked_key takes, so that a client (or a fuzzer) knows which keys are refused.
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": service.MAX_KEY_LENGTH,
        "pattern": "^[ -~]*[!-~][ -~]*$",
    },
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
RESPONSES = {
    "400": {"description": "Malformed Idempotency-Key.", "content": ERROR_CONTENT},
    "409": {
        "description": "A request with this Idempotency-Key is still being answered.",
        "content": ERROR_CONTENT,
    },
}
READ_CHUNK = 1 << 16


def idempotent(view: View) -> View:
    """Put between ``@blp.route`` and ``@blp.arguments``: it needs the answer as sent."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(service.HEADER)
        if raw is None:
            return view(*args, **kwargs)
        key = service.checked_key(raw)
        user_id = current_actor().user_id
        fingerprint = service.fingerprint(request.method, _target(), _body_parts())
        session = get_session()
        with claimed(session, user_id=user_id, key=key):
            stored = service.find(
                session,
                user_id=user_id,
                key=key,
                request_fingerprint=fingerprint,
                now=utcnow(),
                keys=_sealing_keys(),
            )
            if stored is not None:
                session.rollback()
                replay = current_app.response_class(
                    stored.body, status=stored.status_code, headers=stored.headers
                )
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            commits.hold(session)
            try:
                response = current_app.make_response(view(*args, **kwargs))
                if not 200 <= response.status_code < 300:
                    commits.abandon(session)
                    return response
                service.store(
                    session,
                    user_id=user_id,
                    key=key,
                    request_fingerprint=fingerprint,
                    answer=service.Answer(
                        response.status_code,
                        response.get_data(),
                        service.kept_headers(response.headers),
                    ),
                    ttl=dt.timedelta(hours=get_settings().idempotency_key_ttl_hours),
                    keys=_sealing_keys(),
                )
            except BaseException:
                commits.abandon(session)
                raise
            commits.release(session)
            return response

    # In the OpenAPI document, as flask-smorest's @blp.doc would put it.
    apidoc: dict[str, Any] = dict(getattr(wrapper, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["parameters"] = [*manual.get("parameters", []), HEADER_PARAMETER]
    manual["responses"] = {**RESPONSES, **manual.get("responses", {})}
    apidoc["manual_doc"] = manual
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return cast(View, wrapper)


def _sealing_keys() -> tuple[str, ...]:
    # The webhook secrets' keys: a stored answer to POST /webhooks holds the new secret.
    return get_settings().notifications.webhook_secret_keys


def _target() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def _body_parts() -> Iterator[bytes]:
    """The body as its meaning: JSON with its keys in order, a form by its fields and its
    files' contents (a client's retry draws a new multipart boundary), else its bytes."""
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            yield f"field {name}={value}".encode()
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            yield f"file {name} {upload.filename or ''}".encode() + _digest(upload.stream)
        return
    if request.is_json:
        data = request.get_json(silent=True)
        if data is not None:
            yield json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
            return
    yield request.get_data()


def _digest(stream: Any) -> bytes:
    digest = hashlib.sha256()
    start = stream.tell()
    stream.seek(0)
    while chunk := stream.read(READ_CHUNK):
        digest.update(chunk)
    stream.seek(start)
    return digest.digest()
