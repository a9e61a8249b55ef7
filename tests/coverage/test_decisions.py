"""Who may confirm, reject and link by hand; a withdrawn link stays, rejected, with who did it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.coverage.conftest import BORDER_NEED, links_of

REC_TEXT = "Strengthen the border liaison offices on the Tajik-Afghan border."


@pytest.fixture()
def need_link(
    register: Callable[..., dict[str, Any]], make_need: Callable[..., int]
) -> dict[str, Any]:
    need_id = make_need(**BORDER_NEED)
    project = register()
    [offered] = project["serves"]
    return {"need_id": need_id, "project": project, "link_id": offered["link_id"]}


@pytest.fixture()
def recommendation_link(
    register: Callable[..., dict[str, Any]], make_recommendation: Callable[..., int]
) -> dict[str, Any]:
    rec_id = make_recommendation(text=REC_TEXT, themes=["border-control"])
    project = register()
    [offered] = project["serves"]
    return {"recommendation_id": rec_id, "project": project, "link_id": offered["link_id"]}


def _decide(client: FlaskClient, account: Account, link_id: int, verdict: str, **body: Any) -> Any:
    return client.post(f"/api/v1/links/{link_id}/{verdict}", json=body, headers=account.headers)


def test_the_focal_point_of_the_needs_country_confirms_and_withdraws(
    client: FlaskClient, make_user: Callable[..., Account], need_link: dict[str, Any]
) -> None:
    focal_point = make_user("focal_point", country="TJ")
    confirmed = _decide(client, focal_point, need_link["link_id"], "confirm", note="Yes.")
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["state"] == "confirmed"
    assert confirmed.json["decided_by"]["id"] == focal_point.id
    withdrawn = _decide(client, focal_point, need_link["link_id"], "reject", note="Ended early.")
    assert withdrawn.status_code == 200 and withdrawn.json["state"] == "rejected"
    assert [(d["state"], d.get("note")) for d in withdrawn.json["decisions"]] == [
        ("confirmed", "Yes."),
        ("rejected", "Ended early."),
    ]
    # Never deleted: the need still lists it, rejected.
    [kept] = links_of(client, focal_point.headers, f"/api/v1/needs/{need_link['need_id']}/links")
    assert kept["state"] == "rejected" and kept["decided_by"]["id"] == focal_point.id


@pytest.mark.parametrize(
    ("role", "country", "org"),
    [("focal_point", "AF", None), ("viewer", None, None), ("donor", None, "us-inl")],
)
def test_others_may_not_decide_on_a_need_link(
    client: FlaskClient,
    make_user: Callable[..., Account],
    need_link: dict[str, Any],
    role: str,
    country: str | None,
    org: str | None,
) -> None:
    other = make_user(role, country=country, org=org)
    for verdict in ("confirm", "reject"):
        answer = _decide(client, other, need_link["link_id"], verdict)
        assert answer.status_code == 403, answer.json
        assert answer.json["error"]["code"] == "forbidden"
    # They may read the links all the same.
    assert links_of(client, other.headers, f"/api/v1/needs/{need_link['need_id']}/links")


def test_the_projects_donor_may_confirm_a_link_of_its_project(
    client: FlaskClient, make_user: Callable[..., Account], need_link: dict[str, Any]
) -> None:
    donor = make_user("donor", org="gb-fcdo")  # the project's donor
    answer = _decide(client, donor, need_link["link_id"], "confirm")
    assert answer.status_code == 200, answer.json


def test_recommendation_links_are_decided_by_staff_and_the_projects_writers(
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    recommendation_link: dict[str, Any],
) -> None:
    outsider = make_user("focal_point", country="AF")
    denied = _decide(client, outsider, recommendation_link["link_id"], "confirm")
    assert denied.status_code == 403
    assert "recommendation" in denied.json["error"]["message"]
    writer = make_user("focal_point", country="TJ")  # may edit the TJ project
    assert _decide(client, writer, recommendation_link["link_id"], "confirm").status_code == 200
    assert _decide(client, coordinator, recommendation_link["link_id"], "reject").status_code == 200


def test_a_link_made_by_hand_is_confirmed_and_replayed_by_its_key(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    project = register()
    need_id = make_need(
        title="Canine units for the airports", country="TJ", themes=["law-enforcement"]
    )
    headers = {**coordinator.headers, "Idempotency-Key": "link-1"}
    body = {"project_id": project["id"], "need_id": need_id, "note": "Known from the donor."}
    made = client.post("/api/v1/links", json=body, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["state"] == "confirmed" and made.json["score"] is None
    assert made.headers["Location"] == f"/api/v1/links/{made.json['id']}"
    replayed = client.post("/api/v1/links", json=body, headers=headers)
    assert replayed.status_code == 201 and replayed.json["id"] == made.json["id"]
    again = client.post("/api/v1/links", json=body, headers=coordinator.headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    [listed] = links_of(client, coordinator.headers, f"/api/v1/projects/{project['id']}/links")
    assert listed["id"] == made.json["id"]


def test_a_hand_link_over_a_rejected_suggestion_confirms_it(
    client: FlaskClient, coordinator: Account, need_link: dict[str, Any]
) -> None:
    assert _decide(client, coordinator, need_link["link_id"], "reject").status_code == 200
    body = {"project_id": need_link["project"]["id"], "need_id": need_link["need_id"]}
    made = client.post("/api/v1/links", json=body, headers=coordinator.headers)
    assert made.status_code == 201 and made.json["id"] == need_link["link_id"]
    assert made.json["state"] == "confirmed"


def test_a_stranger_may_not_link_by_hand(
    client: FlaskClient,
    make_user: Callable[..., Account],
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    project = register()
    need_id = make_need(title="Canine units", country="TJ")
    viewer = make_user("viewer")
    body = {"project_id": project["id"], "need_id": need_id}
    assert client.post("/api/v1/links", json=body, headers=viewer.headers).status_code == 403


def test_a_project_elsewhere_cannot_mark_a_needs_country_as_served(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_user: Callable[..., Account],
) -> None:
    """A project's writers decide links of needs of the countries it works in only: a link
    confirmed elsewhere would count the other country's need as assisted."""
    from tests.needs.helpers import create

    focal_tj = make_user("focal_point", country="TJ")
    need = create(client, coordinator, country="AF", title="Kennels in Herat")
    project = register(countries=["TJ"], title="Unrelated Tajik project")
    body = {"project_id": project["id"], "need_id": need["id"]}
    refused = client.post("/api/v1/links", json=body, headers=focal_tj.headers)
    assert refused.status_code == 403, refused.json
    assert links_of(client, coordinator.headers, f"/api/v1/needs/{need['id']}/links") == []


def test_a_withdrawn_need_cannot_be_confirmed_as_served(
    client: FlaskClient, coordinator: Account, need_link: dict[str, Any]
) -> None:
    rejected = _decide(client, coordinator, need_link["link_id"], "reject")
    assert rejected.status_code == 200, rejected.json
    withdrawn = client.post(
        f"/api/v1/needs/{need_link['need_id']}/state",
        json={"state": "withdrawn", "note": "Asked twice."},
        headers=coordinator.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.json
    refused = _decide(client, coordinator, need_link["link_id"], "confirm")
    assert refused.status_code == 409, refused.json
    assert "withdrawn need" in refused.json["error"]["message"]
    [kept] = links_of(client, coordinator.headers, f"/api/v1/needs/{need_link['need_id']}/links")
    assert kept["state"] == "rejected"
