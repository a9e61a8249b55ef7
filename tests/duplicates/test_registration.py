"""Registering or editing a project runs the duplicate check; its answer lists what it found.

The first project of each test is the default ``project_body()`` (TJ, gb-fcdo / unodc,
2025-03..2026-06); the second describes the same activity unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adam.duplicates import check as duplicates_check
from adam.duplicates.models import AlertStatus
from tests.conftest import Account, project_body
from tests.duplicates.conftest import (
    TWIN_TITLE,
    UNRELATED,
    listed,
    pair,
    stored_alerts,
    threshold,
)

Register = Callable[..., dict[str, Any]]


def test_second_registration_lists_the_first_with_score_reasons_and_alert(
    app: Flask, client: FlaskClient, coordinator: Account, register: Register
) -> None:
    first = register()
    assert first["possible_duplicates"] == [] and first["duplicate_check"] == "done"

    second = register(title=TWIN_TITLE)

    assert second["duplicate_check"] == "done"
    [found] = second["possible_duplicates"]
    assert found["project"] == {
        "id": first["id"],
        "code": first["code"],
        "title": first["title"],
        "donors": [{"code": "gb-fcdo", "name": "Foreign, Commonwealth & Development Office"}],
        "countries": [{"code": "TJ", "name": "Tajikistan"}],
    }
    assert threshold(app) <= found["score"] <= 100
    titles = [r for r in found["reasons"] if r["field"] == "title"]
    assert titles and titles[0]["detail"].startswith("title ")
    assert first["title"] in titles[0]["detail"] and TWIN_TITLE in titles[0]["detail"]
    assert any(r["detail"] == "same donor: gb-fcdo" for r in found["reasons"])
    assert all(set(r) == {"field", "score", "detail", "contribution"} for r in found["reasons"])

    alerts = stored_alerts(app)
    assert list(alerts) == [pair(first["id"], second["id"])]
    alert = alerts[pair(first["id"], second["id"])]
    assert found["alert_id"] == alert.id
    assert alert.status == AlertStatus.OPEN and alert.raised_by_project_id == second["id"]
    assert alert.score == found["score"]
    shown = client.get(f"/api/v1/alerts/{alert.id}", headers=coordinator.headers)
    assert shown.status_code == 200
    assert [p["id"] for p in shown.json["projects"]] == [first["id"], second["id"]]


def _withdraw(client: FlaskClient, account: Account, project: dict[str, Any]) -> None:
    response = client.delete(f"/api/v1/projects/{project['id']}", headers=account.headers)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("first_changes", "second_changes", "withdraw_first"),
    [
        pytest.param({}, {"countries": ["AF"]}, False, id="another-country"),
        pytest.param(
            {},
            # Ends 426 days before the first starts: beyond the one-year gap.
            {"start_date": "2022-06-01", "end_date": "2023-12-31"},
            False,
            id="dates-more-than-a-year-apart",
        ),
        pytest.param({}, {}, True, id="first-withdrawn"),
        pytest.param({"status": "cancelled"}, {}, False, id="first-cancelled"),
        pytest.param({}, {"status": "cancelled"}, False, id="second-cancelled"),
    ],
)
def test_the_same_text_elsewhere_or_not_live_is_no_duplicate(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Register,
    first_changes: dict[str, Any],
    second_changes: dict[str, Any],
    withdraw_first: bool,
) -> None:
    first = register(**first_changes)
    if withdraw_first:
        _withdraw(client, coordinator, first)

    second = register(title=TWIN_TITLE, **second_changes)

    assert second["possible_duplicates"] == [] and second["duplicate_check"] == "done"
    assert stored_alerts(app) == {}


def test_dates_within_the_one_year_gap_are_still_compared(app: Flask, register: Register) -> None:
    """Ending 200 days before the other starts is inside the gap: scored, with the gap shown."""
    first = register()
    second = register(title=TWIN_TITLE, start_date="2023-06-01", end_date="2024-08-13")
    assert listed(second) == [first["id"]]
    dates = [r for r in second["possible_duplicates"][0]["reasons"] if r["field"] == "dates"]
    assert dates and "disjoint" in dates[0]["detail"]
    assert pair(first["id"], second["id"]) in stored_alerts(app)


def test_an_undated_project_is_compared_with_dated_ones(app: Flask, register: Register) -> None:
    first = register()
    undated = register(title=TWIN_TITLE, start_date=None, end_date=None)
    assert listed(undated) == [first["id"]]
    assert pair(first["id"], undated["id"]) in stored_alerts(app)


@pytest.mark.parametrize(
    "donors",
    [pytest.param(["us-inl"], id="other-donor"), pytest.param(["gb-fcdo"], id="same-donor")],
)
def test_a_shared_implementer_with_an_unrelated_title_is_no_duplicate(
    app: Flask, register: Register, donors: list[str]
) -> None:
    register()
    other = register(**UNRELATED, donors=donors)
    assert other["possible_duplicates"] == [] and other["duplicate_check"] == "done"
    assert stored_alerts(app) == {}


def test_russian_title_with_the_english_description_is_found(
    app: Flask, register: Register
) -> None:
    """A focal point's Russian title for the donor's English record: the description carries it."""
    first = register()
    russian = register(title="Пограничные офисы связи на таджикско-афганской границе")
    assert listed(russian) == [first["id"]]
    assert russian["possible_duplicates"][0]["score"] >= threshold(app)
    assert pair(first["id"], russian["id"]) in stored_alerts(app)


@pytest.mark.xfail(
    strict=True,
    reason="LIMITATION: the matcher transliterates Cyrillic but does not translate, so a record "
    "written wholly in Russian scores ~1 against its English twin (title 43, description 0).",
)
def test_russian_translation_of_title_and_description_is_found(
    app: Flask, register: Register
) -> None:
    first = register()
    russian = register(
        title="Пограничные офисы связи на таджикско-афганской границе",
        description="Оборудование и обучение для трёх пограничных офисов связи.",
    )
    assert listed(russian) == [first["id"]]


def test_patch_making_the_title_a_duplicate_raises_an_alert(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(**UNRELATED)
    assert second["possible_duplicates"] == [] and stored_alerts(app) == {}

    edited = patch_project(
        second["id"], title=TWIN_TITLE, description=project_body()["description"]
    )

    assert edited["duplicate_check"] == "done"
    assert listed(edited) == [first["id"]]
    alert = stored_alerts(app)[pair(first["id"], second["id"])]
    assert edited["possible_duplicates"][0]["alert_id"] == alert.id
    assert alert.raised_by_project_id == second["id"]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"countries": ["TJ", "UZ"]}, id="countries"),
        pytest.param({"start_date": "2025-04-01"}, id="start_date"),
        pytest.param({"implementers": ["unodc", "tj-dca"]}, id="implementers"),
    ],
)
def test_patch_of_other_matched_fields_reruns_the_check(
    app: Flask,
    register: Register,
    patch_project: Callable[..., dict[str, Any]],
    changes: dict[str, Any],
) -> None:
    """A change of countries, dates or organizations re-runs it (the answer lists the twin)."""
    first = register()
    second = register(title=TWIN_TITLE)
    alert_id = second["possible_duplicates"][0]["alert_id"]
    edited = patch_project(second["id"], **changes)
    assert listed(edited) == [first["id"]]
    assert edited["possible_duplicates"][0]["alert_id"] == alert_id
    assert len(stored_alerts(app)) == 1


def test_patch_moving_a_project_into_the_others_country_raises_an_alert(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(title=TWIN_TITLE, countries=["AF"])
    assert second["possible_duplicates"] == []
    edited = patch_project(second["id"], countries=["AF", "TJ"])
    assert listed(edited) == [first["id"]]
    assert list(stored_alerts(app)) == [pair(first["id"], second["id"])]


def test_patch_of_status_only_does_not_rerun_the_check(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    register()
    second = register(title=TWIN_TITLE)
    assert len(second["possible_duplicates"]) == 1
    before = stored_alerts(app)

    edited = patch_project(second["id"], status="finalisation")

    assert edited["status"] == "finalisation"
    assert edited["possible_duplicates"] == []
    assert edited["duplicate_check"] == "not_needed"
    after = stored_alerts(app)
    assert {k: (a.id, a.score, a.updated_at) for k, a in after.items()} == {
        k: (a.id, a.score, a.updated_at) for k, a in before.items()
    }


def test_one_activity_registered_three_times_gives_one_alert_per_pair(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(title=TWIN_TITLE)
    third = register(title="Border Liaison Offices (BLOs) on the Tajik–Afghan border")

    assert listed(second) == [first["id"]]
    assert sorted(listed(third)) == sorted([first["id"], second["id"]])
    scores = [d["score"] for d in third["possible_duplicates"]]
    assert scores == sorted(scores, reverse=True)
    ids = [first["id"], second["id"], third["id"]]
    alerts = stored_alerts(app)
    assert set(alerts) == {pair(ids[0], ids[1]), pair(ids[0], ids[2]), pair(ids[1], ids[2])}
    alert_ids = {k: a.id for k, a in alerts.items()}
    assert {d["alert_id"] for d in third["possible_duplicates"]} == {
        alert_ids[pair(ids[0], ids[2])],
        alert_ids[pair(ids[1], ids[2])],
    }

    # Editing each again (title and description, so the check runs) raises nothing new.
    for project in (first, second, third):
        edited = patch_project(project["id"], title=project["title"] + " ", description="Same.")
        others = [i for i in ids if i != project["id"]]
        assert sorted(listed(edited)) == sorted(others)
        assert {d["alert_id"] for d in edited["possible_duplicates"]} == {
            alert_ids[pair(project["id"], other)] for other in others
        }
    assert {k: a.id for k, a in stored_alerts(app).items()} == alert_ids


def test_reregistering_after_a_pair_is_alerted_raises_only_new_pairs(
    app: Flask, register: Register
) -> None:
    first = register()
    second = register(title=TWIN_TITLE)
    third = register(title=TWIN_TITLE)
    fourth = register()
    assert len(listed(fourth)) == 3
    expected = {
        pair(a["id"], b["id"])
        for i, a in enumerate((first, second, third, fourth))
        for b in (first, second, third, fourth)[i + 1 :]
    }
    assert set(stored_alerts(app)) == expected


def _failing(*_args: Any, **_kwargs: Any) -> list[int]:
    raise RuntimeError("matcher exploded")


def test_a_failing_matcher_never_loses_the_project(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Register,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = register()
    monkeypatch.setattr(duplicates_check, "candidate_query", _failing)

    response = client.post(
        "/api/v1/projects", json=project_body(title=TWIN_TITLE), headers=coordinator.headers
    )

    assert response.status_code == 201, response.json
    assert response.json["duplicate_check"] == "failed"
    assert response.json["possible_duplicates"] == []
    stored = client.get(response.headers["Location"], headers=coordinator.headers)
    assert stored.status_code == 200 and stored.json["title"] == TWIN_TITLE
    listing = client.get("/api/v1/projects", headers=coordinator.headers).json
    assert {p["id"] for p in listing["items"]} == {first["id"], response.json["id"]}
    assert stored_alerts(app) == {}


def test_a_failing_matcher_on_patch_keeps_the_edit(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Register,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register()
    second = register(**UNRELATED)
    monkeypatch.setattr(duplicates_check, "candidate_query", _failing)
    url = f"/api/v1/projects/{second['id']}"
    response = client.patch(
        url,
        json={"title": TWIN_TITLE},
        headers={**coordinator.headers, "If-Match": second["_etag"]},
    )
    assert response.status_code == 200, response.json
    assert response.json["duplicate_check"] == "failed"
    assert client.get(url, headers=coordinator.headers).json["title"] == TWIN_TITLE
    assert stored_alerts(app) == {}


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"title": 'NEAR AND OR NOT "quoted" * ^ : | & ! <-> ( )'}, id="operators"),
        pytest.param({"title": "x:y a&b c|d e!f (g) h*"}, id="no-content-words"),
        pytest.param({"title": "日本語のプロジェクト"}, id="cjk"),
        pytest.param({"title": "O'Neill's d'Arc \\ back\\slash"}, id="quotes-backslashes"),
        pytest.param({"description": "x" * 3000 + " border liaison"}, id="3000-letter-word"),
        pytest.param({"description": None}, id="no-description"),
    ],
)
def test_odd_text_is_checked_without_failing(register: Register, overrides: dict[str, Any]) -> None:
    """Words reach FTS5 MATCH and to_tsquery; none of them may break the check."""
    register(**overrides)
    again = register(**overrides)
    assert again["duplicate_check"] == "done", again


def test_a_check_lists_and_alerts_the_best_ten(app: Flask, register: Register) -> None:
    earlier = [register(title=TWIN_TITLE)["id"] for _ in range(11)]
    last = register()
    assert len(last["possible_duplicates"]) == 10
    assert set(listed(last)) <= set(earlier)
    scores = [d["score"] for d in last["possible_duplicates"]]
    assert scores == sorted(scores, reverse=True)
    alerted = {k for k in stored_alerts(app) if last["id"] in k}
    assert alerted == {pair(last["id"], other) for other in listed(last)}


def test_an_open_alert_follows_the_latest_score(
    app: Flask, register: Register, patch_project: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(title=TWIN_TITLE, description="Something else entirely: prison reform.")
    key = pair(first["id"], second["id"])
    before = stored_alerts(app)[key]

    edited = patch_project(second["id"], description=project_body()["description"])

    after = stored_alerts(app)[key]
    assert after.id == before.id
    assert after.score == edited["possible_duplicates"][0]["score"]
    if after.score != before.score:
        assert after.updated_at > before.updated_at and after.reasons != before.reasons


def test_restoring_a_withdrawn_project_checks_it_again(
    app: Flask, client: FlaskClient, coordinator: Account, register: Register
) -> None:
    # A twin registered while the first was withdrawn never saw it; the restore must.
    first = register()
    assert (
        client.delete(f"/api/v1/projects/{first['id']}", headers=coordinator.headers).status_code
        == 204
    )
    second = register(title=TWIN_TITLE)
    assert second["possible_duplicates"] == [] and stored_alerts(app) == {}

    restored = client.post(f"/api/v1/projects/{first['id']}/restore", headers=coordinator.headers)

    assert restored.status_code == 200
    assert restored.json["duplicate_check"] == "done"
    assert listed(restored.json) == [second["id"]]
    assert set(stored_alerts(app)) == {pair(first["id"], second["id"])}
