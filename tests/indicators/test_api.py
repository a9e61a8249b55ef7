"""Country indicators through the API: the catalogue, entering a figure by role, reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Account

FIGURE = "/api/v1/countries/{country}/indicators/{indicator}/{year}"


def _put(
    client: FlaskClient,
    account: Account,
    *,
    country: str = "TJ",
    indicator: str = "seizures_heroin",
    year: int = 2021,
    **body: object,
) -> TestResponse:
    url = FIGURE.format(country=country, indicator=indicator, year=year)
    body = {"value": "1250.5", "source": "DCA", **body}
    return client.put(url, json=body, headers=account.headers)


def test_the_catalogue_has_units_and_both_languages(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    viewer = make_user("viewer")
    answer = client.get("/api/v1/indicators/catalogue", headers=viewer.headers)
    assert answer.status_code == 200
    entries = {e["code"]: e for e in answer.json}
    assert len(entries) == 10
    assert entries["seizures_heroin"]["unit"] == "kg"
    assert entries["seizures_precursors_liquid"]["unit"] == "litres"
    assert entries["people_in_treatment"]["unit"] == "persons"
    assert entries["seizures_heroin"]["name_ru"] == "Изъятия героина"
    russian = client.get(
        "/api/v1/indicators/catalogue", headers={**viewer.headers, "Accept-Language": "ru"}
    )
    # The translation catalogue gives each name in Russian, the same the API gives.
    assert all(e["name"] == e["name_ru"] for e in russian.json)
    assert all(e["name"] == e["name_en"] for e in answer.json)


@pytest.mark.parametrize(
    ("role", "country", "status"),
    [
        ("coordinator", None, 201),
        ("admin", None, 201),
        ("focal_point", "TJ", 201),
        ("focal_point", "AF", 403),
        ("donor", None, 403),
        ("viewer", None, 403),
    ],
)
def test_who_may_enter_a_figure(
    client: FlaskClient,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    role: str,
    country: str | None,
    status: int,
) -> None:
    account = make_user(role, country=country, org=orgs["fcdo"] if role == "donor" else None)
    answer = _put(client, account)
    assert answer.status_code == status, answer.json
    listed = client.get("/api/v1/indicators?country=TJ", headers=account.headers).json
    if status == 201:
        assert answer.json["unit"] == "kg"
        assert answer.json["value"] == "1250.500"
        assert answer.json["outcome"] == "created"
        assert listed["total"] == 1
    else:
        assert answer.json["error"]["code"] == "forbidden"
        assert answer.json["error"]["message"]
        assert listed["total"] == 0


def test_a_figure_is_replaced_then_unchanged(client: FlaskClient, coordinator: Account) -> None:
    assert _put(client, coordinator).status_code == 201
    again = _put(client, coordinator, value="99", source="Report 2022")
    assert again.status_code == 200
    assert again.json["outcome"] == "updated"
    assert again.json["value"] == "99.000"
    same = _put(client, coordinator, value="99", source="Report 2022")
    assert same.json["outcome"] == "unchanged"
    listed = client.get("/api/v1/indicators", headers=coordinator.headers).json
    assert listed["total"] == 1
    assert listed["items"][0]["source"] == "Report 2022"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"value": "-5"}, "value"),
        ({"value": 12}, "value"),
        ({"value": "1.2345"}, "value"),
        ({"value": "1e5"}, "value"),
        ({"source": "x" * 301}, "source"),
    ],
)
def test_bad_figures_are_refused(
    client: FlaskClient, coordinator: Account, body: dict[str, object], field: str
) -> None:
    answer = _put(client, coordinator, **body)
    assert answer.status_code == 422
    assert field in answer.json["error"]["details"]
    assert client.get("/api/v1/indicators", headers=coordinator.headers).json["total"] == 0


def test_unknown_country_indicator_and_years(client: FlaskClient, coordinator: Account) -> None:
    unknown_country = _put(client, coordinator, country="TX")
    assert unknown_country.status_code == 404
    assert "Did you mean" in unknown_country.json["error"]["message"]
    assert _put(client, coordinator, indicator="seizures_gold").status_code == 404
    assert _put(client, coordinator, year=1989).status_code == 422
    next_year = dt.date.today().year + 1
    assert _put(client, coordinator, year=next_year).status_code == 201
    late = _put(client, coordinator, year=next_year + 1)
    assert late.status_code == 422
    assert "year" in late.json["error"]["details"]


def test_filters_and_the_countrys_series(client: FlaskClient, coordinator: Account) -> None:
    for year, value in ((2019, "10"), (2020, "20"), (2021, "30")):
        _put(client, coordinator, year=year, value=value)
    _put(client, coordinator, indicator="people_in_treatment", year=2020, value="700")
    _put(client, coordinator, country="AF", year=2020, value="5")
    headers = coordinator.headers
    found = client.get(
        "/api/v1/indicators?country=TJ&indicator=seizures_heroin&year_from=2020&year_to=2021",
        headers=headers,
    ).json
    assert [(i["year"], i["value"]) for i in found["items"]] == [(2020, "20.000"), (2021, "30.000")]
    assert client.get("/api/v1/indicators?year_to=2020", headers=headers).json["total"] == 4
    bad = client.get("/api/v1/indicators?country=TX", headers=headers)
    assert bad.status_code == 422
    assert "Did you mean" in bad.json["error"]["details"]["country"][0]
    assert client.get("/api/v1/indicators?indicator=gold", headers=headers).status_code == 422
    series = client.get("/api/v1/countries/TJ/indicators", headers=headers).json
    assert series["country"] == "TJ"
    by = {s["indicator"]: s for s in series["series"]}
    assert list(by) == ["seizures_heroin", "people_in_treatment"]  # the catalogue's order
    assert [f["year"] for f in by["seizures_heroin"]["figures"]] == [2019, 2020, 2021]
    assert by["seizures_heroin"]["figures"][0]["source"] == "DCA"
    assert by["people_in_treatment"]["unit"] == "persons"
    assert client.get("/api/v1/countries/XX/indicators", headers=headers).status_code == 404


def test_a_refusal_speaks_russian(client: FlaskClient, make_user: Callable[..., Account]) -> None:
    focal = make_user("focal_point", country="TJ")
    url = FIGURE.format(country="AF", indicator="seizures_opium", year=2021)
    answer = client.put(
        url, json={"value": "1"}, headers={**focal.headers, "Accept-Language": "ru"}
    )
    assert answer.status_code == 403
    assert answer.json["error"]["message"] == (
        "Национальные координаторы могут вводить показатели только своей страны (TJ)."
    )
