"""The alert inbox: listing, filters, one alert, resolutions, and who sees and resolves what.

Three alerts, one per country, each on a pair of registrations of one activity:

- TJ: border liaison offices, funded by gb-fcdo;
- AF: mobile detection teams at Hairatan, funded by us-inl;
- KG: a forensic laboratory in Bishkek, funded by gb-fcdo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adam.duplicates.models import Resolution
from tests.conftest import Account
from tests.duplicates.conftest import TWIN_TITLE, listed, pair, stored_alerts

ALERTS = "/api/v1/alerts"

AF_PAIR = (
    {
        "title": "Mobile detection teams at the Hairatan border crossing",
        "description": "Sniffer dogs and container scanners for mobile teams at Hairatan.",
        "countries": ["AF"],
        "donors": ["us-inl"],
    },
    {"title": "Hairatan border crossing mobile detection teams"},
)
KG_PAIR = (
    {
        "title": "Forensic drug laboratory in Bishkek",
        "description": "Equipment and accreditation of the national forensic drug laboratory.",
        "countries": ["KG"],
        "themes": ["forensics"],
    },
    {"title": "Upgrade of the Bishkek forensic drug laboratory"},
)


@dataclass
class Inbox:
    client: FlaskClient
    coordinator: Account
    projects: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # country -> the pair
    alerts: dict[str, int]  # country -> alert id

    def get(self, url: str, account: Account | None = None, **query: Any) -> Any:
        account = account or self.coordinator
        return self.client.get(url, query_string=query, headers=account.headers)

    def resolve(self, alert_id: int, body: Any, account: Account | None = None) -> Any:
        account = account or self.coordinator
        return self.client.post(
            f"{ALERTS}/{alert_id}/resolution", json=body, headers=account.headers
        )


@pytest.fixture()
def inbox(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> Inbox:
    projects: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    alerts: dict[str, int] = {}
    for country, (base, twin) in {
        "TJ": ({}, {"title": TWIN_TITLE}),
        "AF": AF_PAIR,
        "KG": KG_PAIR,
    }.items():
        first = register(**base)
        second = register(**{**base, **twin})
        assert listed(second) == [first["id"]], (country, second["possible_duplicates"])
        projects[country] = (first, second)
        alerts[country] = second["possible_duplicates"][0]["alert_id"]
    assert len(stored_alerts(app)) == 3
    return Inbox(client, coordinator, projects, alerts)


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json
    return [a["id"] for a in response.json["items"]]


# --- Listing ---


def test_list_is_newest_first_and_paged(inbox: Inbox) -> None:
    newest_first = [inbox.alerts["KG"], inbox.alerts["AF"], inbox.alerts["TJ"]]
    everything = inbox.get(ALERTS)
    assert _ids(everything) == newest_first
    assert everything.json["total"] == 3 and everything.json["page"] == 1
    assert everything.json["per_page"] == 20
    pages = [inbox.get(ALERTS, per_page=2, page=n).json for n in (1, 2, 3)]
    assert [[a["id"] for a in p["items"]] for p in pages] == [
        newest_first[:2],
        newest_first[2:],
        [],
    ]
    assert {p["total"] for p in pages} == {3}


def test_listed_alert_carries_both_projects_and_the_evidence(inbox: Inbox) -> None:
    first, second = inbox.projects["TJ"]
    [alert] = [a for a in inbox.get(ALERTS).json["items"] if a["id"] == inbox.alerts["TJ"]]
    assert [p["id"] for p in alert["projects"]] == [first["id"], second["id"]]
    assert alert["projects"][1]["title"] == TWIN_TITLE
    assert alert["projects"][0]["implementers"] == [
        {"code": "unodc", "name": "United Nations Office on Drugs and Crime"}
    ]
    assert alert["projects"][0]["countries"][0]["code"] == "TJ"
    assert alert["projects"][0]["withdrawn"] is False
    assert alert["status"] == "open" and alert["resolution"] is None
    assert alert["raised_by_project_id"] == second["id"]
    assert any(r["field"] == "title" for r in alert["reasons"])


@pytest.mark.parametrize(
    ("query", "countries"),
    [
        ({"country": "AF"}, ["AF"]),
        ({"country": "af"}, ["AF"]),
        ({"country": "AF,KG"}, ["KG", "AF"]),
        ({"country": "UZ"}, []),
        ({"status": "open"}, ["KG", "AF", "TJ"]),
        ({"status": "resolved"}, []),
        ({"sort": "created_at"}, ["TJ", "AF", "KG"]),
    ],
)
def test_filters_by_country_and_status(
    inbox: Inbox, query: dict[str, str], countries: list[str]
) -> None:
    assert _ids(inbox.get(ALERTS, **query)) == [inbox.alerts[c] for c in countries]


def test_filter_by_project_finds_the_alerts_on_either_side(inbox: Inbox) -> None:
    first, second = inbox.projects["AF"]
    assert _ids(inbox.get(ALERTS, project=first["id"])) == [inbox.alerts["AF"]]
    assert _ids(inbox.get(ALERTS, project=second["id"])) == [inbox.alerts["AF"]]
    assert inbox.get(ALERTS, project=2**31 - 1).json == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
    }


def test_status_filter_follows_resolutions(inbox: Inbox) -> None:
    assert inbox.resolve(inbox.alerts["AF"], {"resolution": "related"}).status_code == 200
    assert _ids(inbox.get(ALERTS, status="resolved")) == [inbox.alerts["AF"]]
    assert _ids(inbox.get(ALERTS, status="open")) == [inbox.alerts["KG"], inbox.alerts["TJ"]]
    assert _ids(inbox.get(ALERTS, resolution="related")) == [inbox.alerts["AF"]]
    assert _ids(inbox.get(ALERTS, resolution="duplicate")) == []


def test_min_score_and_sort_by_score(inbox: Inbox) -> None:
    items = inbox.get(ALERTS, sort="-score").json["items"]
    scores = [a["score"] for a in items]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
    ascending = [a["score"] for a in inbox.get(ALERTS, sort="score").json["items"]]
    assert ascending == sorted(scores)
    for bound in sorted(set(scores)):
        kept = inbox.get(ALERTS, min_score=bound).json
        assert sorted(a["score"] for a in kept["items"]) == sorted(s for s in scores if s >= bound)
        assert kept["total"] == len(kept["items"])
    assert inbox.get(ALERTS, min_score=100).json["total"] == sum(s >= 100 for s in scores)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "closed"},
        {"resolution": "maybe"},
        {"sort": "title"},
        {"page": "0"},
        {"per_page": "101"},
        {"project": "abc"},
        {"project": str(2**31)},
        {"min_score": "101"},
        {"min_score": "high"},
        {"unknown": "1"},
    ],
)
def test_bad_query_parameter_is_422_naming_it(inbox: Inbox, query: dict[str, str]) -> None:
    response = inbox.get(ALERTS, **query)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    name = next(iter(query))
    assert any(k.split(".")[0] == name for k in response.json["error"]["details"]), response.json


# --- One alert ---


def test_get_one_alert(inbox: Inbox) -> None:
    response = inbox.get(f"{ALERTS}/{inbox.alerts['KG']}")
    assert response.status_code == 200
    body = response.json
    assert body["id"] == inbox.alerts["KG"]
    assert [p["id"] for p in body["projects"]] == [p["id"] for p in inbox.projects["KG"]]
    assert body["resolved_at"] is None and body["resolved_by"] is None and body["note"] is None
    assert set(body) == {
        "id",
        "status",
        "score",
        "reasons",
        "projects",
        "raised_by_project_id",
        "resolution",
        "note",
        "resolved_at",
        "resolved_by",
        "created_at",
        "updated_at",
    }


@pytest.mark.parametrize("alert_id", ["999999", str(2**31 - 1), str(2**31), str(10**30)])
def test_unknown_alert_is_404(inbox: Inbox, alert_id: str) -> None:
    response = inbox.get(f"{ALERTS}/{alert_id}")
    assert response.status_code == 404, response.json
    resolved = inbox.resolve(int(alert_id), {"resolution": "duplicate"})
    assert resolved.status_code == 404, resolved.json


# --- Resolution ---


@pytest.mark.parametrize("resolution", [r.value for r in Resolution])
def test_resolution_records_verdict_note_and_who(
    inbox: Inbox, admin: Account, resolution: str
) -> None:
    alert_id = inbox.alerts["TJ"]
    response = inbox.resolve(alert_id, {"resolution": resolution, "note": "  Checked with FCDO.  "})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "resolved" and body["resolution"] == resolution
    assert body["note"] == "Checked with FCDO."
    assert body["resolved_by"]["id"] == inbox.coordinator.id
    assert body["resolved_by"]["email"] == inbox.coordinator.email
    assert body["resolved_at"] is not None
    assert inbox.get(f"{ALERTS}/{alert_id}", admin).json == body


def test_a_verdict_can_be_changed_by_another_coordinator(inbox: Inbox, admin: Account) -> None:
    alert_id = inbox.alerts["TJ"]
    assert inbox.resolve(alert_id, {"resolution": "duplicate"}).status_code == 200
    changed = inbox.resolve(alert_id, {"resolution": "related", "note": None}, admin)
    assert changed.status_code == 200, changed.json
    assert changed.json["resolution"] == "related"
    assert changed.json["resolved_by"]["id"] == admin.id and changed.json["note"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resolution": "maybe"}, "resolution"),
        ({}, "resolution"),
        ({"resolution": None}, "resolution"),
        ({"resolution": "duplicate", "reason": "x"}, "reason"),
        ({"resolution": "duplicate", "note": "x" * 5001}, "note"),
        ({"resolution": "duplicate", "note": 5}, "note"),
    ],
)
def test_bad_resolution_is_422_and_changes_nothing(
    inbox: Inbox, body: dict[str, Any], field: str
) -> None:
    alert_id = inbox.alerts["TJ"]
    response = inbox.resolve(alert_id, body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert inbox.get(f"{ALERTS}/{alert_id}").json["status"] == "open"


def test_resolution_body_must_be_json(inbox: Inbox) -> None:
    response = inbox.client.post(
        f"{ALERTS}/{inbox.alerts['TJ']}/resolution",
        data="resolution=duplicate",
        headers={**inbox.coordinator.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


# --- Who sees and resolves what ---

# name -> (make_user() arguments, countries whose alert the account sees)
ROLES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "coordinator": ({"role": "coordinator"}, {"TJ", "AF", "KG"}),
    "admin": ({"role": "admin"}, {"TJ", "AF", "KG"}),
    "focal_point_tj": ({"role": "focal_point", "country": "TJ"}, {"TJ"}),
    "focal_point_af": ({"role": "focal_point", "country": "AF"}, {"AF"}),
    "donor_fcdo": ({"role": "donor", "org": "gb-fcdo"}, {"TJ", "KG"}),
    "donor_inl": ({"role": "donor", "org": "us-inl"}, {"AF"}),
    # A donor account sees what its organization funds, not what it implements.
    "donor_unodc": ({"role": "donor", "org": "unodc"}, set()),
}
RESOLVERS = {"coordinator", "admin"}


@pytest.mark.parametrize("name", list(ROLES))
def test_each_role_lists_and_reads_only_the_alerts_in_its_scope(
    inbox: Inbox, make_user: Callable[..., Account], name: str
) -> None:
    arguments, visible = ROLES[name]
    account = make_user(**arguments)
    expected = [inbox.alerts[c] for c in ("KG", "AF", "TJ") if c in visible]
    listing = inbox.get(ALERTS, account)
    assert _ids(listing) == expected and listing.json["total"] == len(expected)
    for country, alert_id in inbox.alerts.items():
        response = inbox.get(f"{ALERTS}/{alert_id}", account)
        assert response.status_code == (200 if country in visible else 403), (
            country,
            response.json,
        )
    # A filter cannot widen the view.
    assert _ids(inbox.get(ALERTS, account, country="TJ,AF,KG")) == expected


@pytest.mark.parametrize("name", list(ROLES))
def test_only_coordinators_and_admins_resolve(
    inbox: Inbox, make_user: Callable[..., Account], name: str
) -> None:
    account = make_user(**ROLES[name][0])
    for country, alert_id in inbox.alerts.items():
        response = inbox.resolve(alert_id, {"resolution": "duplicate"}, account)
        if name in RESOLVERS:
            assert response.status_code == 200, response.json
        else:
            assert response.status_code == 403, (country, response.json)
    expected_status = "resolved" if name in RESOLVERS else "open"
    assert {a["status"] for a in inbox.get(ALERTS).json["items"]} == {expected_status}


def test_focal_point_denial_says_why(inbox: Inbox, make_user: Callable[..., Account]) -> None:
    focal_point = make_user("focal_point", country="TJ")
    read = inbox.get(f"{ALERTS}/{inbox.alerts['AF']}", focal_point)
    assert read.status_code == 403 and "country" in read.json["error"]["message"]
    resolve = inbox.resolve(inbox.alerts["TJ"], {"resolution": "duplicate"}, focal_point)
    assert resolve.status_code == 403
    assert "coordinators" in resolve.json["error"]["message"]


def test_viewer_is_refused_the_inbox(inbox: Inbox, make_user: Callable[..., Account]) -> None:
    viewer = make_user("viewer")
    for url in (ALERTS, f"{ALERTS}/{inbox.alerts['TJ']}"):
        response = inbox.get(url, viewer)
        assert response.status_code == 403 and "Viewers" in response.json["error"]["message"]
    assert inbox.resolve(inbox.alerts["TJ"], {"resolution": "duplicate"}, viewer).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer adam_not-a-token"}])
def test_no_valid_token_is_401(inbox: Inbox, headers: dict[str, str]) -> None:
    alert_id = inbox.alerts["TJ"]
    assert inbox.client.get(ALERTS, headers=headers).status_code == 401
    assert inbox.client.get(f"{ALERTS}/{alert_id}", headers=headers).status_code == 401
    response = inbox.client.post(
        f"{ALERTS}/{alert_id}/resolution", json={"resolution": "duplicate"}, headers=headers
    )
    assert response.status_code == 401
    assert inbox.get(f"{ALERTS}/{alert_id}").json["status"] == "open"


# --- A pair resolved not_duplicate stays quiet ---


def _patch(inbox: Inbox, project_id: int, **changes: Any) -> dict[str, Any]:
    url = f"/api/v1/projects/{project_id}"
    etag = inbox.get(url).headers["ETag"]
    response = inbox.client.patch(
        url, json=changes, headers={**inbox.coordinator.headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("side", [0, 1])
def test_not_duplicate_pair_is_never_raised_or_listed_again(
    app: Flask, inbox: Inbox, side: int
) -> None:
    alert_id = inbox.alerts["TJ"]
    first, second = inbox.projects["TJ"]
    note = "Two phases of one programme, checked with the donor."
    assert inbox.resolve(alert_id, {"resolution": "not_duplicate", "note": note}).status_code == 200
    before = stored_alerts(app)

    edited = _patch(
        inbox,
        (first, second)[side]["id"],
        title="Border liaison offices on the Tajik-Afghan border (BLO)",
        description="Equipment and training for three border liaison offices.",
        countries=["TJ"],
    )

    assert edited["duplicate_check"] == "done" and edited["possible_duplicates"] == []
    after = stored_alerts(app)
    assert set(after) == set(before)
    alert = after[pair(first["id"], second["id"])]
    assert (alert.status, alert.resolution, alert.note) == ("resolved", "not_duplicate", note)
    assert alert.score == before[pair(first["id"], second["id"])].score
    assert _ids(inbox.get(ALERTS, status="open", country="TJ")) == []


def test_not_duplicate_pair_stays_quiet_when_a_third_twin_arrives(
    app: Flask, inbox: Inbox, register: Callable[..., dict[str, Any]]
) -> None:
    first, second = inbox.projects["TJ"]
    inbox.resolve(inbox.alerts["TJ"], {"resolution": "not_duplicate"})
    third = register()
    assert sorted(listed(third)) == sorted([first["id"], second["id"]])
    new_pairs = {pair(first["id"], third["id"]), pair(second["id"], third["id"])}
    tj = {k for k in stored_alerts(app) if set(k) & {first["id"], second["id"], third["id"]}}
    assert tj == new_pairs | {pair(first["id"], second["id"])}
    # Editing the resolved pair's projects afterwards lists only the third.
    edited = _patch(inbox, second["id"], title=TWIN_TITLE.lower())
    assert listed(edited) == [third["id"]]


def test_a_pair_resolved_duplicate_is_still_listed_but_not_reopened(
    app: Flask, inbox: Inbox
) -> None:
    first, second = inbox.projects["TJ"]
    inbox.resolve(inbox.alerts["TJ"], {"resolution": "duplicate"})
    edited = _patch(inbox, second["id"], title=TWIN_TITLE.lower())
    assert listed(edited) == [first["id"]]
    assert edited["possible_duplicates"][0]["alert_id"] == inbox.alerts["TJ"]
    assert inbox.get(f"{ALERTS}/{inbox.alerts['TJ']}").json["status"] == "resolved"
