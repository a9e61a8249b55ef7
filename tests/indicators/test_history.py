"""Every change of a figure is recorded: entered through the API or imported from a file."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adam.indicators.models import IndicatorHistory
from adam.session import new_session
from tests.conftest import Account
from tests.indicators.test_imports import GOOD_CSV, _send

FIGURE = "/api/v1/countries/{country}/indicators/{indicator}/{year}"
HISTORY = FIGURE + "/history"


def _history(
    client: FlaskClient,
    account: Account,
    country: str = "TJ",
    indicator: str = "seizures_heroin",
    year: int = 2021,
) -> list[dict[str, object]]:
    answer = client.get(
        HISTORY.format(country=country, indicator=indicator, year=year), headers=account.headers
    )
    assert answer.status_code == 200, answer.json
    return list(answer.json)


def _rows(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count()).select_from(IndicatorHistory)) or 0)


def _put(client: FlaskClient, account: Account, **body: object) -> int:
    url = FIGURE.format(country="TJ", indicator="seizures_heroin", year=2021)
    answer = client.put(url, json=body, headers=account.headers)
    return answer.status_code


def test_api_writes_are_recorded_with_who_old_new_source_and_note(
    app: Flask, client: FlaskClient, coordinator: Account, make_user: Callable[..., Account]
) -> None:
    focal = make_user("focal_point", country="TJ")
    assert _put(client, coordinator, value="1250.5", source="DCA") == 201
    assert _put(client, focal, value="99", source="DCA 2022", note="Revised figure") == 200
    assert _put(client, focal, value="99", source="DCA 2022") == 200  # unchanged: no entry
    viewer = make_user("viewer")
    entries = _history(client, viewer)
    assert [(e["action"], e["via"]) for e in entries] == [("create", "entry"), ("update", "entry")]
    created, updated = entries
    assert created["actor"]["email"] == coordinator.email  # type: ignore[index]
    assert (created["old_value"], created["new_value"]) == (None, "1250.500")
    assert (created["old_source"], created["new_source"]) == (None, "DCA")
    assert created["note"] is None
    assert updated["actor"]["email"] == focal.email  # type: ignore[index]
    assert (updated["old_value"], updated["new_value"]) == ("1250.500", "99.000")
    assert (updated["old_source"], updated["new_source"]) == ("DCA", "DCA 2022")
    assert updated["note"] == "Revised figure"
    assert updated["at"] >= created["at"]  # type: ignore[operator]
    assert _rows(app) == 2


def test_a_refused_write_records_nothing(
    app: Flask, client: FlaskClient, coordinator: Account, make_user: Callable[..., Account]
) -> None:
    assert _put(client, coordinator, value="abc") == 422
    assert _put(client, coordinator, value="1", note="x" * 2001) == 422
    focal_af = make_user("focal_point", country="AF")
    assert _put(client, focal_af, value="5") == 403
    assert _rows(app) == 0


def test_an_import_records_each_changed_row(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    assert _send(client, coordinator, GOOD_CSV.encode()).status_code == 200
    assert _rows(app) == 3
    # Row 2 changes, row 3 stays as it is, row 4 changes its source only.
    again = (
        "country,indicator,year,value,source,note\n"
        "TJ,seizures_heroin,2021,1300,DCA annual report,Corrected in 2023\n"
        "TJ,seizures_heroin,2022,980,DCA annual report,\n"
        "AF,seizures_opium,2022,30000,MCN,\n"
    )
    answer = _send(client, coordinator, again.encode())
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"]["updated"] == 2
    assert answer.json["counts"]["unchanged"] == 1
    assert _rows(app) == 5
    heroin = _history(client, coordinator)
    assert [(e["action"], e["via"]) for e in heroin] == [
        ("create", "import"),
        ("update", "import"),
    ]
    assert (heroin[1]["old_value"], heroin[1]["new_value"]) == ("1250.500", "1300.000")
    assert heroin[1]["note"] == "Corrected in 2023"
    assert len(_history(client, coordinator, year=2022)) == 1
    opium = _history(client, coordinator, country="AF", indicator="seizures_opium", year=2022)
    assert (opium[1]["old_source"], opium[1]["new_source"]) == (None, "MCN")
    assert opium[1]["old_value"] == opium[1]["new_value"] == "30000.000"


def test_a_refused_import_records_no_history(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    content = GOOD_CSV + "TJ,seizures_opium,2021,lots,DCA\n"
    assert _send(client, coordinator, content.encode()).status_code == 422
    too_long = "country,indicator,year,value,note\nTJ,seizures_heroin,2021,1," + "x" * 2001
    answer = _send(client, coordinator, too_long.encode())
    assert answer.status_code == 422
    assert "note: At most 2000 characters." in answer.json["report"]["rows"][0]["errors"]
    assert _rows(app) == 0


def test_the_history_of_what_does_not_exist_is_404(
    client: FlaskClient, coordinator: Account
) -> None:
    none_yet = client.get(
        HISTORY.format(country="TJ", indicator="seizures_heroin", year=2021),
        headers=coordinator.headers,
    )
    assert none_yet.status_code == 404
    assert "TJ has no figure of seizures_heroin for 2021." in none_yet.json["error"]["message"]
    for country, indicator in (("TX", "seizures_heroin"), ("TJ", "seizures_gold")):
        url = HISTORY.format(country=country, indicator=indicator, year=2021)
        assert client.get(url, headers=coordinator.headers).status_code == 404
    assert client.get(HISTORY.format(country="TJ", indicator="x", year=2021)).status_code == 401
