"""A pair one end found stays while it holds, though the other end's capped list leaves it
out: suggestions do not come and go as the two ends are saved in turn."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adam.coverage.settings import CoverageSettings
from adam.session import SETTINGS_KEY, get_settings
from tests.conftest import Account
from tests.coverage.conftest import BORDER_NEED, links_of
from tests.needs.helpers import need_body


def _one_per_refresh(app: Flask) -> None:
    settings = get_settings(app)
    app.extensions[SETTINGS_KEY] = dataclasses.replace(
        settings, coverage=CoverageSettings(max_suggestions=1)
    )


def _need(client: FlaskClient, coordinator: Account) -> dict[str, Any]:
    body = need_body(start_date="2025-01-01", end_date="2027-12-31", **BORDER_NEED)
    response = client.post("/api/v1/needs", json=body, headers=coordinator.headers)
    assert response.status_code == 201, response.json
    return {**response.json, "_etag": response.headers["ETag"]}


def _edit(client: FlaskClient, coordinator: Account, need: dict[str, Any], **fields: Any) -> Any:
    response = client.patch(
        f"/api/v1/needs/{need['id']}",
        json=fields,
        headers={**coordinator.headers, "If-Match": need["_etag"]},
    )
    assert response.status_code == 200, response.json
    return response


def test_a_need_refresh_keeps_the_pairs_projects_found_while_they_hold(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    _one_per_refresh(app)
    need = _need(client, coordinator)
    first = register()
    second = register(title="Border liaison offices on the Afghan border: equipment, training")
    path = f"/api/v1/needs/{need['id']}/links"
    found = {link["project"]["id"] for link in links_of(client, coordinator.headers, path)}
    assert found == {first["id"], second["id"]}

    # The need's own refresh lists one project; the other pair still holds and stays.
    edited = _edit(client, coordinator, need, title=BORDER_NEED["title"] + " (2026)")
    assert len(edited.json["suggested_projects"]) == 2
    kept = links_of(client, coordinator.headers, path)
    assert {link["project"]["id"] for link in kept} == found
    assert {link["state"] for link in kept} == {"suggested"}


def test_a_pair_that_no_longer_scores_goes_on_the_next_refresh(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    _one_per_refresh(app)
    need = _need(client, coordinator)
    register()
    register(title="Border liaison offices on the Afghan border: equipment, training")
    path = f"/api/v1/needs/{need['id']}/links"
    assert len(links_of(client, coordinator.headers, path)) == 2

    # Rewritten to ask for something else, the need keeps none of the border projects.
    _edit(
        client,
        coordinator,
        need,
        title="Opioid substitution therapy in the prisons of Khatlon",
        description="Treatment for people who inject drugs, in prisons.",
        themes=["demand-reduction"],
    )
    assert links_of(client, coordinator.headers, path) == []
