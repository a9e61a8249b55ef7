"""The events a webhook may subscribe to. Producers may enqueue others; nobody receives them."""

from __future__ import annotations

ALERT_CREATED = "alert.created"
# A high-priority need open past GAP_ALERT_AFTER_DAYS with no active project for it (adam/gaps).
NEED_UNASSISTED = "need.unassisted"

# A registered project likely serves an open need of a country (adam.coverage): to the
# country's focal points.
LINK_SUGGESTED = "link.suggested"

# What subscriptions may name (checked by the API). Add an event here when something enqueues it.
EVENTS: tuple[str, ...] = (ALERT_CREATED, LINK_SUGGESTED, NEED_UNASSISTED)
DEFAULT_EVENTS: tuple[str, ...] = (ALERT_CREATED,)
# Events the e-mail channel knows how to write up (see emails.py).
EMAIL_EVENTS: frozenset[str] = frozenset({ALERT_CREATED, LINK_SUGGESTED, NEED_UNASSISTED})
