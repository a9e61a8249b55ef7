"""Bad input: each rule answers with its status, the error envelope and the field at fault.

Every failed write is followed by a check that nothing was stored. The client used here fails
the test on any 5xx answer and on any error answer that is not JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adam.projects.schemas import MAX_BUDGET
from tests.conftest import Account, project_body

PROJECTS = "/api/v1/projects"
ORGANIZATIONS = "/api/v1/organizations"


class StrictClient(FlaskClient):
    """A test client that refuses server errors and non-JSON error bodies outright."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400:
            assert response.mimetype == "application/json", response.headers
        return response


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = StrictClient
    return app.test_client()


def assert_error(
    response: TestResponse, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """Check the envelope; with ``field``, that details names it with at least one message."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["details"], dict)
    for key, messages in error["details"].items():
        assert isinstance(key, str) and messages and all(isinstance(m, str) for m in messages)
    if field is not None:
        assert field in error["details"], error["details"]
    return error


def without(name: str) -> dict[str, Any]:
    body = project_body()
    del body[name]
    return body


def budget(amount: Any = "100.00", currency: Any = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


@pytest.fixture()
def project(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """One stored project, so 'nothing changed' is checked against something."""
    return register(iati_identifier="XM-DAC-41114-TJ-0001")


@pytest.fixture()
def count(client: FlaskClient, coordinator: Account, project: dict[str, Any]) -> Callable[[], int]:
    def total() -> int:
        response = client.get(PROJECTS, headers=coordinator.headers)
        assert response.status_code == 200
        return response.json["total"]

    return total


def stored(client: FlaskClient, coordinator: Account, project: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{PROJECTS}/{project['id']}", headers=coordinator.headers)
    assert response.status_code == 200
    return response.json


# --- 400, 415, 413: the body cannot be read at all --------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b'{"title": ', b'{"title": "x"} trailing', b"{'title': 'x'}", b'{"title": "\xff\xfe"}'],
    ids=["truncated", "trailing-garbage", "single-quotes", "invalid-utf8"],
)
def test_malformed_json_is_400(
    client: FlaskClient, coordinator: Account, count: Callable[[], int], data: bytes
) -> None:
    response = client.post(
        PROJECTS, data=data, content_type="application/json", headers=coordinator.headers
    )
    error = assert_error(response, 400, "bad_request")
    assert "JSON" in error["message"]
    assert count() == 1


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", json.dumps(project_body())),
        ("application/x-www-form-urlencoded", "title=Border+offices&status=pipeline"),
        ("application/xml", "<project><title>x</title></project>"),
        (None, json.dumps(project_body())),
    ],
    ids=["text", "form", "xml", "no-content-type"],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_non_json_body_is_415(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    count: Callable[[], int],
    method: str,
    content_type: str | None,
    data: str,
) -> None:
    url = PROJECTS if method == "POST" else f"{PROJECTS}/{project['id']}"
    response = client.open(
        url,
        method=method,
        data=data,
        content_type=content_type,
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]
    assert count() == 1
    assert stored(client, coordinator, project)["version"] == 1


def test_body_over_the_size_limit_is_413(
    app: Flask, client: FlaskClient, coordinator: Account, count: Callable[[], int]
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    data = json.dumps(project_body(description="x" * limit))
    assert len(data) > limit
    response = client.post(
        PROJECTS, data=data, content_type="application/json", headers=coordinator.headers
    )
    assert_error(response, 413, "payload_too_large")
    assert count() == 1


def test_body_just_under_the_size_limit_reaches_validation(
    client: FlaskClient, coordinator: Account, count: Callable[[], int]
) -> None:
    """A large body within the limit is read and judged on its fields (description <= 20000)."""
    response = client.post(
        PROJECTS, json=project_body(description="x" * 900_000), headers=coordinator.headers
    )
    assert_error(response, 422, "validation_error", "description")
    assert count() == 1


# --- 422: the body is JSON but breaks a rule --------------------------------------------------

REQUIRED = ("title", "donors", "countries", "themes", "status")
INVALID_PROJECTS: list[tuple[str, Any, str]] = [
    *[(f"missing-{name}", without(name), name) for name in REQUIRED],
    ("unknown-field", project_body(colour="red"), "colour"),
    ("unknown-country", project_body(countries=["TJ", "ZZ"]), "countries"),
    ("unknown-theme", project_body(themes=["astrology"]), "themes"),
    ("unknown-donor", project_body(donors=["gb-fcdo", "nobody"]), "donors"),
    ("unknown-implementer", project_body(implementers=["nobody"]), "implementers"),
    ("end-before-start", project_body(start_date="2026-01-01", end_date="2025-12-31"), "end_date"),
    ("negative-budget", project_body(budget=budget("-1.00")), "budget.amount"),
    ("three-decimals", project_body(budget=budget("100.001")), "budget.amount"),
    ("nan-budget", project_body(budget=budget("NaN")), "budget.amount"),
    ("infinite-budget", project_body(budget=budget("Infinity")), "budget.amount"),
    ("huge-budget", project_body(budget=budget("1e30")), "budget.amount"),
    ("budget-not-a-number", project_body(budget=budget("lots")), "budget.amount"),
    ("unknown-currency", project_body(budget=budget(currency="ZZZ")), "budget.currency"),
    ("no-money-currency", project_body(budget=budget(currency="XXX")), "budget.currency"),
    ("budget-without-currency", project_body(budget={"amount": "1.00"}), "budget.currency"),
    ("budget-without-amount", project_body(budget={"currency": "USD"}), "budget.amount"),
    ("title-as-number", project_body(title=42), "title"),
    ("countries-as-string", project_body(countries="TJ"), "countries"),
    ("donors-as-object", project_body(donors={"code": "gb-fcdo"}), "donors"),
    ("themes-as-null", project_body(themes=None), "themes"),
    ("title-too-long", project_body(title="x" * 501), "title"),
    ("title-blank", project_body(title="   "), "title"),
    ("description-too-long", project_body(description="x" * 20001), "description"),
    ("nul-in-title", project_body(title="Border\x00offices"), "title"),
    ("nul-in-description", project_body(description="Line\x00break"), "description"),
    ("empty-donors", project_body(donors=[]), "donors"),
    ("empty-countries", project_body(countries=[]), "countries"),
    ("bad-status", project_body(status="finished"), "status"),
    ("bad-date-format", project_body(start_date="01/03/2025"), "start_date"),
    ("impossible-date", project_body(end_date="2026-02-30"), "end_date"),
    ("bad-contact-email", project_body(contact={"email": "not-an-email"}), "contact.email"),
    ("iati-with-space", project_body(iati_identifier="XM DAC 1"), "iati_identifier"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [pytest.param(body, field, id=name) for name, body, field in INVALID_PROJECTS],
)
def test_invalid_project_is_422_naming_the_field(
    client: FlaskClient,
    coordinator: Account,
    count: Callable[[], int],
    body: dict[str, Any],
    field: str,
) -> None:
    response = client.post(PROJECTS, json=body, headers=coordinator.headers)
    assert_error(response, 422, "validation_error", field)
    assert count() == 1


def test_every_missing_required_field_is_named_at_once(
    client: FlaskClient, coordinator: Account, count: Callable[[], int]
) -> None:
    response = client.post(PROJECTS, json={}, headers=coordinator.headers)
    error = assert_error(response, 422, "validation_error")
    assert set(REQUIRED) <= set(error["details"])
    assert count() == 1


def test_every_unknown_reference_is_named_at_once(
    client: FlaskClient, coordinator: Account, count: Callable[[], int]
) -> None:
    body = project_body(themes=["astrology"], donors=["nobody"], implementers=["noone"])
    error = assert_error(
        client.post(PROJECTS, json=body, headers=coordinator.headers), 422, "validation_error"
    )
    assert {"themes", "donors", "implementers"} <= set(error["details"])
    assert "nobody" in error["details"]["donors"][0]
    assert count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (project_body(budget="1000 USD"), "budget"),
        (project_body(contact="Jane Doe, jane@example.org"), "contact"),
    ],
    ids=["budget-as-string", "contact-as-string"],
)
def test_nested_object_of_wrong_type_is_named_by_its_field(
    client: FlaskClient,
    coordinator: Account,
    count: Callable[[], int],
    body: dict[str, Any],
    field: str,
) -> None:
    """Details name API fields; marshmallow's internal '_schema' key must not leak out."""
    response = client.post(PROJECTS, json=body, headers=coordinator.headers)
    error = assert_error(response, 422, "validation_error", field)
    assert not any("_schema" in key for key in error["details"]), error["details"]
    assert count() == 1


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("title", project_body(title="Border \ud800 offices")),
        ("description", project_body(description="\udfff")),
        ("contact.name", project_body(contact={"name": "\ud83d"})),
        ("iati_identifier", project_body(iati_identifier="XM-\ud800")),
    ],
)
def test_lone_surrogate_in_text_is_422(
    client: FlaskClient,
    coordinator: Account,
    count: Callable[[], int],
    field: str,
    body: dict[str, Any],
) -> None:
    """JSON may escape half a UTF-16 pair ("\\ud800"); no database can store it as text."""
    response = client.post(
        PROJECTS,
        data=json.dumps(body),
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert_error(response, 422, "validation_error", field)
    assert count() == 1


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (ORGANIZATIONS, {"code": "kg-dcs", "name": "Drug \ud800 Control", "type": "ngo"}, "name"),
        (
            "/api/v1/users",
            {"email": "x@example.org", "role": "viewer", "password": "\ud800" * 12},
            "password",
        ),
    ],
    ids=["organization-name", "user-password"],
)
def test_lone_surrogate_in_other_bodies_is_422(
    client: FlaskClient,
    admin: Account,
    orgs: dict[str, str],
    url: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = client.get(url, headers=admin.headers).json
    response = client.post(
        url, data=json.dumps(body), content_type="application/json", headers=admin.headers
    )
    assert_error(response, 422, "validation_error", field)
    assert client.get(url, headers=admin.headers).json == before


# What only the answer to a write carries: the duplicate check's findings.
WRITE_ONLY_KEYS = {"possible_duplicates", "duplicate_check", "serves"}


def test_largest_accepted_values_are_stored_exactly(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    """What validation lets through at its limits must come back unchanged, on every backend."""
    body = project_body(
        title="T" * 500,
        description="D" * 20000,
        budget={"amount": str(MAX_BUDGET), "currency": "USD"},
        iati_identifier="X" * 200,
    )
    created = client.post(PROJECTS, json=body, headers=coordinator.headers)
    assert created.status_code == 201, created.json
    fetched = client.get(created.headers["Location"], headers=coordinator.headers).json
    written = {k: v for k, v in created.json.items() if k not in WRITE_ONLY_KEYS}
    assert fetched == written
    assert fetched["budget"] == {"amount": str(MAX_BUDGET), "currency": "USD"}
    assert (fetched["title"], fetched["description"]) == (body["title"], body["description"])


@pytest.mark.parametrize(
    "body",
    [[project_body()], "a project", 42, None],
    ids=["array", "string", "number", "null"],
)
def test_body_that_is_not_an_object_is_422(
    client: FlaskClient, coordinator: Account, count: Callable[[], int], body: Any
) -> None:
    response = client.post(
        PROJECTS,
        data=json.dumps(body),
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert_error(response, 422, "validation_error")
    assert count() == 1


# --- PATCH: the same rules, and the stored project is untouched ------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"countries": []}, "countries"),
        ({"donors": ["nobody"]}, "donors"),
        ({"status": "finished"}, "status"),
        ({"colour": "red"}, "colour"),
        ({"end_date": "2020-01-01"}, "end_date"),  # before the stored start date
        ({"budget": {"amount": "-5", "currency": "USD"}}, "budget.amount"),
        ({"budget": {"currency": "EUR"}}, "budget.amount"),
        ({"budget": {"amount": "5.00"}}, "budget.currency"),
    ],
    ids=[
        "empty-title",
        "null-title",
        "no-countries",
        "unknown-donor",
        "bad-status",
        "unknown-field",
        "end-before-stored-start",
        "negative-budget",
        "budget-without-amount",
        "budget-without-currency",
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    changes: dict[str, Any],
    field: str,
) -> None:
    before = stored(client, coordinator, project)
    response = client.patch(
        f"{PROJECTS}/{project['id']}",
        json=changes,
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert_error(response, 422, "validation_error", field)
    assert stored(client, coordinator, project) == before


# --- 409: the body clashes with stored data -------------------------------------------------


def test_duplicate_iati_identifier_is_409_and_uses_no_code(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    count: Callable[[], int],
    register: Callable[..., dict[str, Any]],
) -> None:
    body = project_body(iati_identifier=project["iati_identifier"])
    response = client.post(PROJECTS, json=body, headers=coordinator.headers)
    error = assert_error(response, 409, "conflict", "iati_identifier")
    assert project["code"] in error["message"]
    assert count() == 1
    # The refused registration did not take a number from the project code sequence.
    following = register(iati_identifier="XM-DAC-41114-TJ-0002")
    assert int(following["code"][-4:]) == int(project["code"][-4:]) + 1


def test_patching_in_a_taken_iati_identifier_is_409(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    register: Callable[..., dict[str, Any]],
) -> None:
    other = register()
    before = stored(client, coordinator, other)
    response = client.patch(
        f"{PROJECTS}/{other['id']}",
        json={"iati_identifier": project["iati_identifier"]},
        headers={**coordinator.headers, "If-Match": other["_etag"]},
    )
    assert_error(response, 409, "conflict", "iati_identifier")
    assert stored(client, coordinator, other) == before


def _organization_total(client: FlaskClient, account: Account) -> int:
    return client.get(ORGANIZATIONS, headers=account.headers).json["total"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("eu-intpa", "eu-intpa"), ("eu-intpa", "EU-INTPA"), ("XM-DAC-41114", "xm-dac-41114")],
)
def test_duplicate_organization_code_is_409_whatever_the_case(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str], first: str, second: str
) -> None:
    body = {"name": "International Partnerships", "type": "multilateral"}
    created = client.post(ORGANIZATIONS, json={**body, "code": first}, headers=coordinator.headers)
    assert created.status_code == 201, created.json
    total = _organization_total(client, coordinator)

    response = client.post(
        ORGANIZATIONS, json={**body, "code": second, "name": "Other"}, headers=coordinator.headers
    )
    assert_error(response, 409, "conflict", "code")
    assert _organization_total(client, coordinator) == total
    assert (
        client.get(f"{ORGANIZATIONS}/{first}", headers=coordinator.headers).json["name"]
        == (body["name"])
    )


def test_fixture_organization_clashes_with_its_upper_case_code(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    total = _organization_total(client, coordinator)
    response = client.post(
        ORGANIZATIONS,
        json={"code": "GB-FCDO", "name": "Impostor", "type": "bilateral"},
        headers=coordinator.headers,
    )
    assert_error(response, 409, "conflict", "code")
    assert _organization_total(client, coordinator) == total


# --- 404, 405 ------------------------------------------------------------------------------


@pytest.mark.parametrize("project_id", [999_999, 2**31, 2**63])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_project_is_404(
    client: FlaskClient,
    coordinator: Account,
    count: Callable[[], int],
    method: str,
    project_id: int,
) -> None:
    response = client.open(
        f"{PROJECTS}/{project_id}",
        method=method,
        json={"title": "x"} if method == "PATCH" else None,
        headers={**coordinator.headers, "If-Match": "*"},
    )
    assert_error(response, 404, "not_found")
    assert count() == 1


@pytest.mark.parametrize("user_id", [999_999, 2**31, 2**63])
def test_unknown_user_is_404(client: FlaskClient, admin: Account, user_id: int) -> None:
    for method, body in (("GET", None), ("PATCH", {"is_active": False})):
        response = client.open(
            f"/api/v1/users/{user_id}", method=method, json=body, headers=admin.headers
        )
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("suffix", ["/restore", "/history"])
def test_unknown_project_sub_resource_is_404(
    client: FlaskClient, coordinator: Account, suffix: str
) -> None:
    method = "POST" if suffix == "/restore" else "GET"
    response = client.open(f"{PROJECTS}/999999{suffix}", method=method, headers=coordinator.headers)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v2/projects", "/api/v1/projects/abc"]
)
@pytest.mark.parametrize("authenticated", [True, False])
def test_unknown_route_is_404(
    client: FlaskClient, coordinator: Account, path: str, authenticated: bool
) -> None:
    """Under /api/ (outside it a person gets a page: tests/portal/test_account.py)."""
    response = client.get(path, headers=coordinator.headers if authenticated else {})
    assert_error(response, 404, "not_found")


def test_unknown_organization_is_404(client: FlaskClient, coordinator: Account) -> None:
    response = client.get(f"{ORGANIZATIONS}/nobody", headers=coordinator.headers)
    assert_error(response, 404, "not_found")


WRONG_METHODS = [
    ("PUT", "/api/v1/projects/{id}", {"GET", "PATCH", "DELETE"}),
    ("POST", "/api/v1/projects/{id}", {"GET", "PATCH", "DELETE"}),
    ("DELETE", "/api/v1/projects", {"GET", "POST"}),
    ("GET", "/api/v1/projects/{id}/restore", {"POST"}),
    ("GET", "/api/v1/auth/tokens", {"POST"}),
]


@pytest.mark.parametrize(("method", "path", "allowed"), WRONG_METHODS)
def test_wrong_method_is_405(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    count: Callable[[], int],
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    response = client.open(
        path.format(id=project["id"]), method=method, json={}, headers=coordinator.headers
    )
    assert_error(response, 405, "method_not_allowed")
    assert count() == 1
    assert stored(client, coordinator, project)["version"] == 1


@pytest.mark.parametrize(("method", "path", "allowed"), WRONG_METHODS)
def test_405_names_the_allowed_methods(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    """RFC 9110 section 15.5.6: a 405 response MUST carry an Allow header."""
    response = client.open(
        path.format(id=project["id"]), method=method, json={}, headers=coordinator.headers
    )
    assert response.status_code == 405
    assert "Allow" in response.headers, dict(response.headers)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


# --- 428, 412: optimistic concurrency -------------------------------------------------------


@pytest.mark.parametrize("if_match", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_patch_without_if_match_is_428(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], if_match: str | None
) -> None:
    headers = dict(coordinator.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    response = client.patch(f"{PROJECTS}/{project['id']}", json={"title": "x"}, headers=headers)
    error = assert_error(response, 428, "precondition_required")
    assert "If-Match" in error["message"]
    assert stored(client, coordinator, project)["title"] == project["title"]


def test_patch_with_stale_etag_is_412(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> None:
    url = f"{PROJECTS}/{project['id']}"
    first = client.patch(
        url, json={"title": "First"}, headers={**coordinator.headers, "If-Match": project["_etag"]}
    )
    assert first.status_code == 200 and first.headers["ETag"] != project["_etag"]

    second = client.patch(
        url, json={"title": "Second"}, headers={**coordinator.headers, "If-Match": project["_etag"]}
    )
    assert_error(second, 412, "precondition_failed")
    after = stored(client, coordinator, project)
    assert after["title"] == "First" and after["version"] == first.json["version"]


def test_one_edit_raises_the_version_by_exactly_one(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> None:
    """The ETag's version counts edits; an edit must not skip numbers (the project has an IATI
    identifier, whose uniqueness check must not flush the change early)."""
    url = f"{PROJECTS}/{project['id']}"
    response = client.patch(
        url, json={"title": "First"}, headers={**coordinator.headers, "If-Match": project["_etag"]}
    )
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert response.headers["ETag"] == f'"{project["id"]}-2"'
    history = client.get(f"{url}/history", headers=coordinator.headers).json
    assert [(h["action"], h["version"]) for h in history] == [("create", 1), ("update", 2)]


@pytest.mark.parametrize(
    "if_match",
    ['"999999-1"', "garbage", '"{id}"', '"{id}-x"'],
    ids=["other-project", "garbage", "no-version", "bad-version"],
)
def test_patch_with_etag_that_is_not_this_projects_is_412(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], if_match: str
) -> None:
    response = client.patch(
        f"{PROJECTS}/{project['id']}",
        json={"title": "x"},
        headers={**coordinator.headers, "If-Match": if_match.format(id=project["id"])},
    )
    assert_error(response, 412, "precondition_failed")
    assert stored(client, coordinator, project)["version"] == 1


def test_delete_with_stale_etag_is_412(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> None:
    url = f"{PROJECTS}/{project['id']}"
    changed = client.patch(
        url, json={"title": "New"}, headers={**coordinator.headers, "If-Match": project["_etag"]}
    )
    assert changed.status_code == 200
    response = client.delete(url, headers={**coordinator.headers, "If-Match": project["_etag"]})
    assert_error(response, 412, "precondition_failed")
    assert stored(client, coordinator, project)["withdrawn_at"] is None


# --- Query strings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=first", "page"),
        ("colour=red", "colour"),
        ("country=ZZ", "country"),
        ("country=TJ,ZZ", "country"),
        ("theme=astrology", "theme"),
        ("donor=nobody", "donor"),
        ("budget_min=1000", "currency"),
        ("budget_max=1000", "currency"),
        ("budget_min=10&budget_max=5&currency=USD", "budget_min"),
        ("budget_min=NaN&currency=USD", "budget_min"),
        ("budget_min=1&currency=ZZZ", "currency"),
        ("sort=bogus", "sort"),
        ("sort=title,bogus", "sort"),
        ("active_on=yesterday", "active_on"),
        ("start_from=2026-01-01&end_to=2025-01-01", "end_to"),
        ("withdrawn=maybe", "withdrawn"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_project_query_is_422(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], query: str, field: str
) -> None:
    response = client.get(f"{PROJECTS}?{query}", headers=coordinator.headers)
    assert_error(response, 422, "validation_error", field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("by=bogus", "by"),
        ("by=country,theme,donor", "by"),
        ("by=country,country", "by"),
        ("", "by"),
        ("by=country&colour=red", "colour"),
        ("by=country&country=ZZ", "country"),
        ("by=country&budget_min=1", "currency"),
    ],
    ids=["unknown", "three", "repeated", "missing", "unknown-param", "unknown-country", "no-cur"],
)
def test_bad_stats_query_is_422(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], query: str, field: str
) -> None:
    response = client.get(f"/api/v1/stats/projects?{query}", headers=coordinator.headers)
    assert_error(response, 422, "validation_error", field)


def test_good_queries_still_answer(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> None:
    """The rules above refuse only what is wrong: their valid neighbours answer 200."""
    for url in (
        f"{PROJECTS}?per_page=100&page=1&sort=-budget,title",
        f"{PROJECTS}?country=tj&budget_min=0&currency=usd",
        "/api/v1/stats/projects?by=country,theme",
    ):
        response = client.get(url, headers=coordinator.headers)
        assert response.status_code == 200, (url, response.json)
