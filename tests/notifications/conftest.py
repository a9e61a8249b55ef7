"""Fixtures for the notification tests: real servers, an alert payload, settings, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from adam.notifications.settings import NotificationSettings
from adam.session import get_settings, new_session
from tests.conftest import Account

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture()
def settings(app: Flask) -> NotificationSettings:
    """Webhooks only, fast retries: 10 s, 20 s, 40 s... at most 5 attempts; the app's keys,
    which open the webhook secrets it sealed."""
    return NotificationSettings(
        max_attempts=5,
        backoff_seconds=10,
        backoff_max_seconds=600,
        webhook_timeout=5,
        webhook_secret_keys=get_settings(app).notifications.webhook_secret_keys,
    )


@pytest.fixture()
def sessions(app: Flask) -> Callable[[], Session]:
    return lambda: new_session(app)


def alert_payload(alert_id: int = 12, **project_overrides: Any) -> dict[str, Any]:
    def project(pid: int, code: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": pid,
            "code": code,
            "description": "Equipment and training for three border liaison offices.",
            "donors": [{"code": "gb-fcdo", "name": "Foreign, Commonwealth & Development Office"}],
            "implementers": [{"code": "unodc", "name": "UNODC"}],
            "countries": [{"code": "TJ", "name": "Tajikistan"}],
            "themes": [{"slug": "border-control", "name": "Border control"}],
            "status": "implementation",
            "start_date": "2026-01-01",
            "end_date": None,
            "budget": {"amount": "100000.00", "currency": "USD"},
            "url": f"/api/v1/projects/{pid}",
            **extra,
        }

    return {
        "alert": {
            "id": alert_id,
            "score": 87.5,
            "status": "open",
            "created_at": "2026-11-23T10:00:00Z",
            "url": f"/api/v1/alerts/{alert_id}",
            "reasons": [
                {
                    "field": "title",
                    "score": 91.0,
                    "detail": 'title 91: "border liaison offices" / "border liaison office"',
                }
            ],
        },
        "projects": [
            project(5, "TJ-2026-0005", **{"title": "Border liaison offices", **project_overrides}),
            project(
                9,
                "TJ-2026-0009",
                title="Border liaison office on the Tajik-Afghan border",
                description=None,
                budget=None,
                donors=[{"code": "us-inl", "name": "INL"}],
            ),
        ],
    }


def create_webhook(client: FlaskClient, account: Account, url: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks", json={"url": url, **body}, headers=account.headers)
    assert response.status_code == 201, response.json
    return response.json
