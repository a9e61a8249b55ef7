"""Webhook delivery: the signed request and what counts as success.

A receiver verifies ``X-ADAM-Signature: sha256=<hex>``, the HMAC-SHA256 with its secret of
``<X-ADAM-Timestamp>.<raw body>``, and should refuse timestamps far from its clock (replays).
``X-ADAM-Delivery`` stays the same across retries of one delivery: receivers dedupe on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx

from adam.notifications.outbox import Outcome

SIGNATURE_HEADER = "X-ADAM-Signature"
TIMESTAMP_HEADER = "X-ADAM-Timestamp"
EVENT_HEADER = "X-ADAM-Event"
DELIVERY_HEADER = "X-ADAM-Delivery"
USER_AGENT = "ADAM-Webhooks/1"
ERROR_SNIPPET = 300  # bytes of a refusal's body kept in the delivery log


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (kept here so the tests and the README use the same rule)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def body(
    *, delivery_id: int, message_id: int, event: str, created_at: dt.datetime, payload: Any
) -> bytes:
    envelope = {
        "delivery": delivery_id,
        "message": message_id,
        "event": event,
        "created_at": created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def post(
    client: httpx.Client,
    *,
    url: str,
    secret: str,
    event: str,
    delivery_id: int,
    payload: bytes,
    now: dt.datetime,
) -> Outcome:
    """POST one delivery; any 2xx is success, anything else (including no answer) a failure."""
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, timestamp, payload),
        TIMESTAMP_HEADER: timestamp,
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
    }
    try:
        # Streamed, so an endpoint answering with a huge body costs us only what we read.
        with client.stream("POST", url, content=payload, headers=headers) as response:
            status = response.status_code
            if 200 <= status < 300:
                return Outcome(True, status)
            snippet = b""
            for chunk in response.iter_bytes():
                snippet += chunk
                if len(snippet) >= ERROR_SNIPPET:
                    break
    except httpx.TimeoutException as error:
        return Outcome(False, error=f"timeout: {error.__class__.__name__}")
    except httpx.HTTPError as error:
        return Outcome(False, error=f"{error.__class__.__name__}: {error}"[:1000])
    # Keep the start of the answer: it usually says why the receiver refused.
    text = snippet[:ERROR_SNIPPET].decode("utf-8", "replace")
    return Outcome(False, status, f"HTTP {status} {text}".strip())
