"""Notifications: an outbox of events, delivered by ``adam worker`` to e-mail and webhooks.

Producers call ``service.enqueue(session, event=..., payload=...)`` inside their own
transaction; it only writes rows, so a down mail server or endpoint never slows or fails them.
"""
