"""Shared pieces of the Paris Pact tests: valid bodies, registered records, row counts."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from adam.pact.models import Event, ProgressNote, Recommendation, RecommendationHistory
from adam.session import new_session
from tests.conftest import Account

EWG = {
    "kind": "expert_working_group",
    "pillar": "precursors",
    "focus": "Trafficking in precursor chemicals",
    "place": "Sofia",
    "start_date": "2023-06-13",
    "end_date": "2023-06-14",
    "countries": ["BG", "TR"],
    "routes": ["balkan"],
    "participants": {"countries": 34, "organizations": 10, "people": 140},
}
PCG = {
    "kind": "policy_consultative_group",
    "number": 17,
    "place": "Vienna",
    "start_date": "2023-12-11",
    "end_date": "2023-12-12",
}


def event_body(**overrides: Any) -> dict[str, Any]:
    return {**EWG, **overrides}


def create_event(client: FlaskClient, account: Account, **overrides: Any) -> dict[str, Any]:
    """Register an event and return its JSON, with its ETag under ``_etag``."""
    response = client.post("/api/v1/events", json=event_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.json
    return {**response.json, "_etag": response.headers["ETag"]}


def create_pcg(client: FlaskClient, account: Account, **overrides: Any) -> dict[str, Any]:
    body = {**PCG, "pillar": None, "focus": None, "countries": [], "routes": [], **overrides}
    return create_event(client, account, **body)


def rec_body(event_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "text_en": "Strengthen backtracking investigations of seized precursor shipments.",
        "themes": ["precursor-control"],
        "countries": ["TJ"],
        "addressees": ["governments", "unodc"],
    }
    body.update(overrides)
    return body


def create_rec(
    client: FlaskClient, account: Account, event_id: int, **overrides: Any
) -> dict[str, Any]:
    """Register a recommendation and return its JSON, with its ETag under ``_etag``."""
    response = client.post(
        "/api/v1/recommendations", json=rec_body(event_id, **overrides), headers=account.headers
    )
    assert response.status_code == 201, response.json
    return {**response.json, "_etag": response.headers["ETag"]}


def counts(app: Flask) -> tuple[int, int, int, int]:
    """How many events, recommendations, history rows and progress notes are stored."""
    with new_session(app) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Event, Recommendation, RecommendationHistory, ProgressNote)
        )


def pdf_text(document: bytes) -> str:
    """The words a PDF shows, each page's in order, whitespace made single spaces (pypdf
    reads the ToUnicode map fpdf2 writes for its font subsets, so Cyrillic reads back)."""
    reader = PdfReader(io.BytesIO(document))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
