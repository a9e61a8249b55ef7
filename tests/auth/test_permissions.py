"""Who may write what: every role against every write, and what a denial leaves behind.

The project under test is the default ``project_body()``: it benefits TJ, is funded by gb-fcdo
and implemented by unodc. Each actor below is in or out of that scope for a stated reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Account, project_body

MARK = "Changed by the permission matrix"

# name -> make_user() arguments
ACTORS: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin"},
    "coordinator": {"role": "coordinator"},
    "focal_point_in_scope_by_country": {"role": "focal_point", "country": "TJ"},
    "focal_point_in_scope_by_organization": {"role": "focal_point", "org": "unodc"},
    "focal_point_out_of_scope": {"role": "focal_point", "country": "AF"},
    "donor_funding": {"role": "donor", "org": "gb-fcdo"},
    "donor_not_funding": {"role": "donor", "org": "us-inl"},
    "viewer": {"role": "viewer"},
}
STAFF = frozenset({"admin", "coordinator"})
PROJECT_SCOPE = STAFF | {
    "focal_point_in_scope_by_country",
    "focal_point_in_scope_by_organization",
    "donor_funding",
}
# Why each out-of-scope actor is refused a project write, as the 403 message must say.
PROJECT_DENIALS = {
    "focal_point_out_of_scope": "benefit AF",
    "donor_not_funding": "(us-inl) funds",
    "viewer": "read-only",
}


@dataclass
class World:
    """A registered project and the staff accounts that read back what a write did."""

    client: FlaskClient
    coordinator: Account
    admin: Account
    project: dict[str, Any]

    @property
    def project_url(self) -> str:
        return f"/api/v1/projects/{self.project['id']}"

    def staff_get(self, url: str, account: Account | None = None) -> TestResponse:
        return self.client.get(url, headers=(account or self.coordinator).headers)

    def stored_project(self) -> dict[str, Any]:
        response = self.staff_get(self.project_url)
        assert response.status_code == 200, response.json
        return response.json

    def project_total(self) -> int:
        return self.staff_get("/api/v1/projects").json["total"]


@dataclass(frozen=True)
class Write:
    """One mutating request: how to make it, who may, and how to see whether it took effect."""

    name: str
    perform: Callable[[World, Account], TestResponse]
    took_effect: Callable[[World], bool]
    allowed: frozenset[str]
    status: int
    denial: Callable[[str], str]  # actor name -> text the 403 message must contain
    prepare: Callable[[World], None] = field(default=lambda world: None)


def _withdraw_as_coordinator(world: World) -> None:
    response = world.client.delete(world.project_url, headers=world.coordinator.headers)
    assert response.status_code == 204, response.json


def _users(world: World) -> list[str]:
    return [u["email"] for u in world.staff_get("/api/v1/users", world.admin).json]


WRITES = [
    Write(
        name="POST /projects",
        perform=lambda w, a: w.client.post(
            "/api/v1/projects", json=project_body(title=MARK), headers=a.headers
        ),
        took_effect=lambda w: w.project_total() == 2,
        allowed=PROJECT_SCOPE,
        status=201,
        denial=PROJECT_DENIALS.__getitem__,
    ),
    Write(
        name="PATCH /projects/{id}",
        perform=lambda w, a: w.client.patch(
            w.project_url,
            json={"title": MARK},
            headers={**a.headers, "If-Match": w.project["_etag"]},
        ),
        took_effect=lambda w: w.stored_project()["title"] == MARK,
        allowed=PROJECT_SCOPE,
        status=200,
        denial=PROJECT_DENIALS.__getitem__,
    ),
    Write(
        name="DELETE /projects/{id}",
        perform=lambda w, a: w.client.delete(
            w.project_url, headers={**a.headers, "If-Match": w.project["_etag"]}
        ),
        took_effect=lambda w: w.stored_project()["withdrawn_at"] is not None,
        allowed=PROJECT_SCOPE,
        status=204,
        denial=PROJECT_DENIALS.__getitem__,
    ),
    Write(
        name="POST /projects/{id}/restore",
        prepare=_withdraw_as_coordinator,
        perform=lambda w, a: w.client.post(f"{w.project_url}/restore", headers=a.headers),
        took_effect=lambda w: w.stored_project()["withdrawn_at"] is None,
        allowed=STAFF,
        status=200,
        denial=lambda _: "Only coordinators and administrators may restore",
    ),
    Write(
        name="POST /organizations",
        # Focal points and donors register the implementers their projects need.
        perform=lambda w, a: w.client.post(
            "/api/v1/organizations",
            json={"code": "kg-dcs", "name": "Drug Control Service of Kyrgyzstan", "type": "ngo"},
            headers=a.headers,
        ),
        took_effect=lambda w: w.staff_get("/api/v1/organizations/kg-dcs").status_code == 200,
        allowed=frozenset(ACTORS) - {"viewer"},
        status=201,
        denial=lambda _: "read-only",
    ),
    Write(
        name="PATCH /organizations/{code}",
        perform=lambda w, a: w.client.patch(
            "/api/v1/organizations/gb-fcdo", json={"name": MARK}, headers=a.headers
        ),
        took_effect=lambda w: w.staff_get("/api/v1/organizations/gb-fcdo").json["name"] == MARK,
        allowed=STAFF | {"donor_funding"},  # only gb-fcdo's own people and staff
        status=200,
        denial=lambda actor: "read-only" if actor == "viewer" else "your own organization",
    ),
    Write(
        name="POST /users",
        perform=lambda w, a: w.client.post(
            "/api/v1/users",
            json={"email": "new.user@example.org", "role": "viewer"},
            headers=a.headers,
        ),
        took_effect=lambda w: "new.user@example.org" in _users(w),
        allowed=frozenset({"admin"}),
        status=201,
        denial=lambda _: "Only administrators may manage users",
    ),
]


def assert_forbidden(response: TestResponse, reason: str) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["status"] == 403
    assert error["code"] == "forbidden"
    assert reason in error["message"], error["message"]


@pytest.fixture()
def world(
    client: FlaskClient,
    coordinator: Account,
    admin: Account,
    register: Callable[..., dict[str, Any]],
) -> World:
    return World(client=client, coordinator=coordinator, admin=admin, project=register())


@pytest.fixture()
def actor(
    request: pytest.FixtureRequest, make_user: Callable[..., Account], world: World
) -> Account:
    """The account named by the test's ``actor_name`` (organizations exist once world does)."""
    name: str = request.getfixturevalue("actor_name")
    if name == "admin":
        return world.admin
    if name == "coordinator":
        return world.coordinator
    return make_user(**ACTORS[name])


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_permission_matrix(world: World, actor: Account, actor_name: str, write: Write) -> None:
    write.prepare(world)
    assert not write.took_effect(world)

    response = write.perform(world, actor)

    if actor_name in write.allowed:
        assert response.status_code == write.status, response.get_data(as_text=True)
        assert write.took_effect(world)
    else:
        assert_forbidden(response, write.denial(actor_name))
        assert not write.took_effect(world)


def test_denied_project_edit_leaves_version_and_history_alone(
    world: World, make_user: Callable[..., Account]
) -> None:
    outsider = make_user("focal_point", country="AF")
    response = world.client.patch(
        world.project_url,
        json={"title": MARK, "countries": ["AF"]},
        headers={**outsider.headers, "If-Match": world.project["_etag"]},
    )
    assert_forbidden(response, "benefit AF")
    stored = world.stored_project()
    assert stored["version"] == 1 and stored["title"] == world.project["title"]
    assert [c["code"] for c in stored["countries"]] == ["TJ"]
    history = world.staff_get(f"{world.project_url}/history").json
    assert [entry["action"] for entry in history] == ["create"]


@pytest.mark.parametrize(
    ("actor_name", "change"),
    [
        ("focal_point_in_scope_by_country", {"countries": ["AF"]}),
        ("focal_point_in_scope_by_organization", {"implementers": ["tj-dca"]}),
        ("focal_point_in_scope_by_organization", {"implementers": []}),
        ("donor_funding", {"donors": ["us-inl"]}),
    ],
)
def test_cannot_move_a_project_out_of_ones_own_scope(
    world: World, actor: Account, actor_name: str, change: dict[str, Any]
) -> None:
    before = world.stored_project()
    response = world.client.patch(
        world.project_url,
        json={**change, "title": MARK},
        headers={**actor.headers, "If-Match": world.project["_etag"]},
    )
    assert_forbidden(response, "out of your scope")
    assert world.stored_project() == before


@pytest.mark.parametrize("actor_name", ["focal_point_in_scope_by_country"])
def test_focal_point_may_widen_a_project_within_scope(
    world: World, actor: Account, actor_name: str
) -> None:
    response = world.client.patch(
        world.project_url,
        json={"countries": ["TJ", "AF"]},
        headers={**actor.headers, "If-Match": world.project["_etag"]},
    )
    assert response.status_code == 200, response.json
    assert [c["code"] for c in response.json["countries"]] == ["AF", "TJ"]


def _ids(response: TestResponse) -> list[int]:
    assert response.status_code == 200, response.json
    return [p["id"] for p in response.json["items"]]


@pytest.mark.parametrize(
    "actor_name", ["viewer", "focal_point_in_scope_by_country", "donor_funding"]
)
def test_withdrawn_project_is_gone_for_non_staff_until_restored(
    world: World, actor: Account, actor_name: str
) -> None:
    client, url, project_id = world.client, world.project_url, world.project["id"]
    _withdraw_as_coordinator(world)

    # Non-staff: as if it never existed.
    for path in (url, f"{url}/history"):
        response = client.get(path, headers=actor.headers)
        assert response.status_code == 404, response.json
        assert response.json["error"]["code"] == "not_found"
    assert project_id not in _ids(client.get("/api/v1/projects", headers=actor.headers))
    stats = client.get("/api/v1/stats/projects?by=country", headers=actor.headers)
    assert stats.status_code == 200 and stats.json["total_projects"] == 0
    assert_forbidden(
        client.get("/api/v1/projects?withdrawn=true", headers=actor.headers),
        "Only coordinators and administrators may see withdrawn projects",
    )
    # Nor can they act on it.
    response = client.patch(url, json={"title": MARK}, headers={**actor.headers, "If-Match": "*"})
    assert response.status_code == 404, response.json

    # Staff: visible, flagged, listed only when asked for.
    for account in (world.coordinator, world.admin):
        stored = client.get(url, headers=account.headers)
        assert stored.status_code == 200 and stored.json["withdrawn_at"] is not None
        assert _ids(client.get("/api/v1/projects?withdrawn=true", headers=account.headers)) == [
            project_id
        ]
        assert _ids(client.get("/api/v1/projects", headers=account.headers)) == []

    restored = client.post(f"{url}/restore", headers=world.coordinator.headers)
    assert restored.status_code == 200, restored.json
    assert restored.json["withdrawn_at"] is None

    response = client.get(url, headers=actor.headers)
    assert response.status_code == 200 and response.json["title"] == world.project["title"]
    assert _ids(client.get("/api/v1/projects", headers=actor.headers)) == [project_id]
    history = world.staff_get(f"{url}/history").json
    assert [entry["action"] for entry in history] == ["create", "withdraw", "restore"]


def test_viewer_reads_projects_and_tables(world: World, make_user: Callable[..., Account]) -> None:
    viewer = make_user("viewer")
    client = world.client

    listing = client.get("/api/v1/projects", headers=viewer.headers)
    assert listing.status_code == 200
    assert listing.json["total"] == 1 and _ids(listing) == [world.project["id"]]

    one = client.get(world.project_url, headers=viewer.headers)
    assert one.status_code == 200 and one.headers["ETag"] == world.project["_etag"]

    table = client.get("/api/v1/stats/projects?by=country", headers=viewer.headers)
    assert table.status_code == 200, table.json
    assert table.json["by"] == ["country"] and table.json["total_projects"] == 1
    assert [row["country"]["code"] for row in table.json["rows"]] == ["TJ"]
    assert table.json["rows"][0]["projects"] == 1

    for path in ("/api/v1/organizations", "/api/v1/themes", "/api/v1/countries"):
        assert client.get(path, headers=viewer.headers).status_code == 200, path

    assert_forbidden(client.get("/api/v1/users", headers=viewer.headers), "Only administrators")
