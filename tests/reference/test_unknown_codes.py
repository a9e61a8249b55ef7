"""An unknown code in a request says which known codes are nearest, in English and Russian,
wherever the API refuses one: project bodies, filters, organizations, users, imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account, project_body
from tests.iati.import_helpers import Act, iati_file, upload

PROJECTS = "/api/v1/projects"
RU = {"Accept-Language": "ru"}
SEE_THEMES = " See GET /api/v1/themes."
REGISTER_IT = " If not, register it with POST /api/v1/organizations."


def _refused(
    response: Any, field: str, status: int = 422, code: str = "validation_error"
) -> list[str]:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    return list(error["details"][field])


# (field of the body, the body, English messages, Russian messages)
BODIES = [
    (
        "countries",
        project_body(countries=["TX", "Tajikistan", "XYZZY-42"]),
        [
            "Unknown country code: TX. Did you mean TJ, TM or TR?",
            "Unknown country code: Tajikistan. Did you mean TJ?",
            "Unknown country code: XYZZY-42.",
        ],
        [
            "Неизвестный код страны: TX. Возможно, вы имели в виду TJ, TM или TR?",
            "Неизвестный код страны: Tajikistan. Возможно, вы имели в виду TJ?",
            "Неизвестный код страны: XYZZY-42.",
        ],
    ),
    (
        "themes",
        project_body(themes=["border-controll", "Контроль над прекурсорами", "astrology"]),
        [
            "Unknown theme: border-controll. Did you mean border-control?" + SEE_THEMES,
            "Unknown theme: Контроль над прекурсорами. Did you mean precursor-control?"
            + SEE_THEMES,
            "Unknown theme: astrology." + SEE_THEMES,
        ],
        [
            "Неизвестная тема: border-controll. Возможно, вы имели в виду border-control? "
            "См. GET /api/v1/themes.",
            "Неизвестная тема: Контроль над прекурсорами. Возможно, вы имели в виду "
            "precursor-control? См. GET /api/v1/themes.",
            "Неизвестная тема: astrology. См. GET /api/v1/themes.",
        ],
    ),
    (
        "donors",
        project_body(donors=["gb-fcd", "nobody"]),
        [
            "Unknown organization: gb-fcd. Did you mean gb-fcdo?" + REGISTER_IT,
            "Unknown organization: nobody. Register it with POST /api/v1/organizations.",
        ],
        [
            "Неизвестная организация: gb-fcd. Возможно, вы имели в виду gb-fcdo? Если нет, "
            "зарегистрируйте её через POST /api/v1/organizations.",
            "Неизвестная организация: nobody. Зарегистрируйте её через POST /api/v1/organizations.",
        ],
    ),
    (
        "implementers",
        project_body(implementers=["United Nations Office on Drug and Crime"]),
        [
            "Unknown organization: United Nations Office on Drug and Crime. "
            "Did you mean unodc?" + REGISTER_IT
        ],
        [
            "Неизвестная организация: United Nations Office on Drug and Crime. Возможно, вы "
            "имели в виду unodc? Если нет, зарегистрируйте её через POST /api/v1/organizations."
        ],
    ),
    (
        "budget.currency",
        project_body(budget={"amount": "100.00", "currency": "USX"}),
        ["Unknown currency code: USX. Did you mean USD, UGX or USN?"],
        ["Неизвестный код валюты: USX. Возможно, вы имели в виду USD, UGX или USN?"],
    ),
    (
        "budget.currency",
        project_body(budget={"amount": "100.00", "currency": "QQQ"}),
        ["Unknown currency code: QQQ."],
        ["Неизвестный код валюты: QQQ."],
    ),
]
BODY_IDS = ["country", "theme", "donor", "implementer", "currency", "currency-garbage"]


@pytest.mark.parametrize(("field", "body", "english", "russian"), BODIES, ids=BODY_IDS)
def test_a_registration_names_the_nearest_codes(
    client: FlaskClient,
    coordinator: Account,
    orgs: dict[str, str],
    field: str,
    body: dict[str, Any],
    english: list[str],
    russian: list[str],
) -> None:
    response = client.post(PROJECTS, json=body, headers=coordinator.headers)
    assert _refused(response, field) == english
    response = client.post(PROJECTS, json=body, headers={**coordinator.headers, **RU})
    assert _refused(response, field) == russian
    assert client.get(PROJECTS, headers=coordinator.headers).json["total"] == 0


@pytest.mark.parametrize(("field", "body", "english", "russian"), BODIES, ids=BODY_IDS)
def test_an_edit_names_the_nearest_codes(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    field: str,
    body: dict[str, Any],
    english: list[str],
    russian: list[str],
) -> None:
    project = register()
    name = field.split(".")[0]
    url = f"{PROJECTS}/{project['id']}"
    headers = {**coordinator.headers, "If-Match": project["_etag"]}
    response = client.patch(url, json={name: body[name]}, headers=headers)
    assert _refused(response, field) == english
    response = client.patch(url, json={name: body[name]}, headers={**headers, **RU})
    assert _refused(response, field) == russian
    assert client.get(url, headers=coordinator.headers).json["version"] == project["version"]


# (query, field, English message, Russian message)
FILTERS = [
    (
        "country=TX",
        "country",
        "Unknown country code: TX. Did you mean TJ, TM or TR?",
        "Неизвестный код страны: TX. Возможно, вы имели в виду TJ, TM или TR?",
    ),
    (
        "country=TJK",
        "country",
        "Unknown country code: TJK. Did you mean TJ?",
        "Неизвестный код страны: TJK. Возможно, вы имели в виду TJ?",
    ),
    (
        "country=qwerty",
        "country",
        "Unknown country code: qwerty.",
        "Неизвестный код страны: qwerty.",
    ),
    (
        "theme=bordr-control",
        "theme",
        "Unknown theme: bordr-control. Did you mean border-control?" + SEE_THEMES,
        "Неизвестная тема: bordr-control. Возможно, вы имели в виду border-control? "
        "См. GET /api/v1/themes.",
    ),
    (
        "donor=us-inll",
        "donor",
        "Unknown organization: us-inll. Did you mean us-inl?" + REGISTER_IT,
        "Неизвестная организация: us-inll. Возможно, вы имели в виду us-inl? Если нет, "
        "зарегистрируйте её через POST /api/v1/organizations.",
    ),
    (
        "implementer=Drug Control Agency",
        "implementer",
        "Unknown organization: Drug Control Agency. Did you mean tj-dca?" + REGISTER_IT,
        "Неизвестная организация: Drug Control Agency. Возможно, вы имели в виду tj-dca? "
        "Если нет, зарегистрируйте её через POST /api/v1/organizations.",
    ),
    (
        "currency=EURO&budget_min=1",
        "currency",
        "Unknown currency code: EURO. Did you mean EUR?",
        "Неизвестный код валюты: EURO. Возможно, вы имели в виду EUR?",
    ),
]
FILTER_IDS = ["country", "alpha-3", "garbage", "theme", "donor", "implementer", "currency"]


@pytest.mark.parametrize(
    "endpoint",
    [
        PROJECTS + "?",
        PROJECTS + "?format=csv&",
        "/api/v1/stats/projects?by=country&",
        "/api/v1/projects.iati.xml?",
    ],
    ids=["list", "csv", "stats", "iati"],
)
@pytest.mark.parametrize(("query", "field", "english", "russian"), FILTERS, ids=FILTER_IDS)
def test_a_filter_names_the_nearest_codes(
    client: FlaskClient,
    coordinator: Account,
    orgs: dict[str, str],
    endpoint: str,
    query: str,
    field: str,
    english: str,
    russian: str,
) -> None:
    response = client.get(endpoint + query, headers=coordinator.headers)
    assert _refused(response, field) == [english]
    response = client.get(endpoint + query, headers={**coordinator.headers, **RU})
    assert _refused(response, field) == [russian]


def test_an_organization_names_the_nearest_country(
    client: FlaskClient, coordinator: Account
) -> None:
    body = {"code": "tj-moi", "name": "Ministry of Interior", "type": "government"}
    response = client.post(
        "/api/v1/organizations", json={**body, "country": "JT"}, headers=coordinator.headers
    )
    assert _refused(response, "country") == ["Unknown country code: JT. Did you mean TJ, BT or JO?"]
    created = client.post(
        "/api/v1/organizations", json={**body, "country": "TJ"}, headers=coordinator.headers
    )
    assert created.status_code == 201, created.json
    response = client.patch(
        "/api/v1/organizations/tj-moi",
        json={"country": "TX"},
        headers={**coordinator.headers, **RU},
    )
    assert _refused(response, "country") == [
        "Неизвестный код страны: TX. Возможно, вы имели в виду TJ, TM или TR?"
    ]


def test_a_missing_organization_names_the_nearest(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    response = client.get("/api/v1/organizations/gb-fcd", headers=coordinator.headers)
    assert response.status_code == 404
    assert response.json["error"]["message"] == (
        "No organization with code gb-fcd. Did you mean gb-fcdo?"
    )
    response = client.get("/api/v1/organizations/gb-fcd", headers={**coordinator.headers, **RU})
    assert response.json["error"]["message"] == (
        "Нет организации с кодом gb-fcd. Возможно, вы имели в виду gb-fcdo?"
    )
    response = client.get("/api/v1/organizations/nobody", headers=coordinator.headers)
    assert response.status_code == 404
    assert response.json["error"]["message"] == "No organization with code nobody."


def test_a_user_scope_names_the_nearest_codes(
    client: FlaskClient, admin: Account, orgs: dict[str, str]
) -> None:
    body = {"email": "fp@example.org", "role": "focal_point", "name": "Focal"}
    response = client.post(
        "/api/v1/users",
        json={**body, "country": "UX", "organization": "tj-dcaa"},
        headers={**admin.headers, **RU},
    )
    assert _refused(response, "country") == [
        "Неизвестный код страны: UX. Возможно, вы имели в виду UZ, AX или CX?"
    ]
    assert response.json["error"]["details"]["organization"] == [
        "Неизвестная организация: tj-dcaa. Возможно, вы имели в виду tj-dca? Если нет, "
        "зарегистрируйте её через POST /api/v1/organizations."
    ]


def test_import_options_name_the_nearest_codes(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    response = upload(
        client,
        coordinator,
        iati_file(Act("I-1")),
        publisher_org="US-INLL",
        default_theme="reserch",
    )
    assert _refused(response, "publisher_org") == [
        "Unknown organization: US-INLL. Did you mean us-inl?" + REGISTER_IT
    ]
    assert response.json["error"]["details"]["default_theme"] == [
        "Unknown theme: reserch. Did you mean research?" + SEE_THEMES
    ]


def test_suggestions_follow_the_registry_as_it_changes(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    """The organizations' index is kept between requests, and rebuilt when one is added or
    renamed."""

    def message(code: str) -> str:
        response = client.get(f"/api/v1/organizations/{code}", headers=coordinator.headers)
        assert response.status_code == 404
        return str(response.json["error"]["message"])

    assert message("tj-mo") == "No organization with code tj-mo."
    body = {"code": "tj-moi", "name": "Ministry of Interior", "type": "government"}
    created = client.post("/api/v1/organizations", json=body, headers=coordinator.headers)
    assert created.status_code == 201, created.json
    assert message("tj-mo") == "No organization with code tj-mo. Did you mean tj-moi?"
    assert message("Ministry of Internal Afairs") == (
        "No organization with code Ministry of Internal Afairs."
    )
    renamed = client.patch(
        "/api/v1/organizations/tj-moi",
        json={"name": "Ministry of Internal Affairs"},
        headers=coordinator.headers,
    )
    assert renamed.status_code == 200, renamed.json
    assert message("Ministry of Internal Afairs") == (
        "No organization with code Ministry of Internal Afairs. Did you mean tj-moi?"
    )


def test_only_the_first_unknown_codes_of_a_field_get_suggestions(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    """Each suggestion is a search over the registry: a request naming many made-up codes
    gets plain refusals past the first three, so it cannot buy seconds of CPU."""
    codes = ["TX", "TJK", "UX", "KGZ", "AFG"]  # each alone gets a suggestion
    response = client.get(
        f"/api/v1/projects?country={','.join(codes)}", headers=coordinator.headers
    )
    messages = _refused(response, "country")
    assert len(messages) == len(codes)
    assert all("Did you mean" in m for m in messages[:3]), messages
    assert not any("Did you mean" in m for m in messages[3:]), messages
