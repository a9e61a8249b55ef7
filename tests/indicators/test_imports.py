"""Importing figures from CSV and Excel: all rows or none, with a report per row."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.conftest import Account

IMPORTS = "/api/v1/indicators/imports"
GOOD_CSV = (
    "country,indicator,year,value,source\n"
    "TJ,seizures_heroin,2021,1250.5,DCA annual report\n"
    "TJ,seizures_heroin,2022,980,DCA annual report\n"
    "AF,seizures_opium,2022,30000,\n"
)


def _send(
    client: FlaskClient,
    account: Account,
    content: bytes,
    filename: str = "sheet.csv",
    headers: dict[str, str] | None = None,
) -> TestResponse:
    # Encoded here, not by the test client: it would spool a large body to a file it leaves
    # open when the server refuses the body unread.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=filename)})
    return client.post(
        IMPORTS,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={**account.headers, **(headers or {})},
    )


def _total(client: FlaskClient, account: Account) -> int:
    answer = client.get("/api/v1/indicators", headers=account.headers)
    return int(answer.json["total"])


def test_a_good_csv_is_imported_with_a_report(client: FlaskClient, coordinator: Account) -> None:
    answer = _send(client, coordinator, GOOD_CSV.encode())
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"]["created"] == 3
    assert [(r["row"], r["outcome"]) for r in answer.json["rows"]] == [
        (2, "created"),
        (3, "created"),
        (4, "created"),
    ]
    assert _total(client, coordinator) == 3
    series = client.get("/api/v1/countries/TJ/indicators", headers=coordinator.headers).json
    assert series["series"][0]["figures"][0]["value"] == "1250.500"
    assert series["series"][0]["unit"] == "kg"
    changed = GOOD_CSV.replace("980,", "990,")
    again = _send(client, coordinator, changed.encode())
    assert [r["outcome"] for r in again.json["rows"]] == ["unchanged", "updated", "unchanged"]
    assert again.json["counts"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "error": 0,
        "not_written": 0,
    }
    assert _total(client, coordinator) == 3


def test_a_good_xlsx_with_russian_headers(client: FlaskClient, coordinator: Account) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Страна", "Показатель", "Год", "Значение", "Источник"])
    sheet.append(["TJ", "people_in_treatment", 2020, 7000, "Ministry of Health"])
    sheet.append(["KG", "seizures_precursors_liquid", 2021, 12.25, None])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _send(client, coordinator, buffer.getvalue(), "sheet.xlsx")
    assert answer.status_code == 200, answer.json
    assert answer.json["counts"]["created"] == 2
    found = client.get("/api/v1/indicators?country=KG", headers=coordinator.headers).json
    assert found["items"][0]["value"] == "12.250"
    assert found["items"][0]["unit"] == "litres"


def test_one_bad_row_refuses_the_whole_file(client: FlaskClient, coordinator: Account) -> None:
    content = GOOD_CSV + "TJ,seizures_opium,2021,lots,DCA\n"
    answer = _send(client, coordinator, content.encode())
    assert answer.status_code == 422
    error = answer.json["error"]
    assert error["code"] == "validation_error"
    assert "nothing was written" in error["message"]
    assert list(error["details"]) == ["rows.5"]
    rows = {r["row"]: r for r in answer.json["report"]["rows"]}
    assert rows[5]["outcome"] == "error"
    assert rows[5]["errors"][0].startswith("value: Not a number")
    assert {rows[n]["outcome"] for n in (2, 3, 4)} == {"not_written"}
    assert _total(client, coordinator) == 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("TX,seizures_heroin,2021,1,\n", "Did you mean"),
        ("TJ,seizures_gold,2021,1,\n", "Unknown indicator: seizures_gold"),
        ("TJ,seizures_heroin,1989,1,\n", "The year must be from 1990"),
        ("TJ,seizures_heroin,2021,-3,\n", "cannot be negative"),
        ("TJ,seizures_heroin,2021,5,again\n", "Row 2 of the file gives this country"),
        ("TJ,Heroin seizures,2021,5,again\n", "Row 2 of the file gives this country"),
        ("Narnia,seizures_opium,2021,1,\n", "Unknown country: Narnia."),
        (",seizures_opium,2021,1,\n", "country's two-letter code or its name"),
        ("TJ,,2021,1,\n", "Give the code of an indicator of the catalogue, or its name."),
        ('TJ,seizures_opium,2021,"1,900.5,3",\n', "can be read in more than one way"),
        ('TJ,seizures_opium,2021,"1,900",\n', "can be read in more than one way"),
        ("TJ,seizures_opium,2021,1 90,\n", "Not a number"),
    ],
)
def test_each_kind_of_wrong_row_is_named(
    client: FlaskClient, coordinator: Account, line: str, expected: str
) -> None:
    answer = _send(client, coordinator, (GOOD_CSV + line).encode())
    assert answer.status_code == 422
    wrong = [r for r in answer.json["report"]["rows"] if r["outcome"] == "error"]
    assert [r["row"] for r in wrong] == [5]
    assert expected in " ".join(wrong[0]["errors"])
    assert _total(client, coordinator) == 0


def test_a_focal_point_imports_only_their_country(
    client: FlaskClient, make_user: Callable[..., Account], orgs: dict[str, str]
) -> None:
    focal = make_user("focal_point", country="TJ")
    answer = _send(client, focal, GOOD_CSV.encode())
    assert answer.status_code == 422
    wrong = [r["row"] for r in answer.json["report"]["rows"] if r["outcome"] == "error"]
    assert wrong == [4]  # the AF row
    only_tj = "\n".join(GOOD_CSV.splitlines()[:3]) + "\n"
    assert _send(client, focal, only_tj.encode()).status_code == 200
    for role in ("viewer", "donor"):
        account = make_user(role, org=orgs["fcdo"] if role == "donor" else None)
        refused = _send(client, account, GOOD_CSV.encode())
        assert refused.status_code == 403
    assert _total(client, focal) == 2


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"", "sheet.csv", "empty"),
        (b"   \n\n", "sheet.csv", "empty"),
        (b"country,indicator\nTJ,seizures_heroin\n", "sheet.csv", "missing: year, value"),
        (b"country,indicator,year,value\n", "sheet.csv", "no rows"),
        (b"%PDF-1.4 not a table", "report.pdf", "CSV file (.csv) or an Excel"),
        (b"PK\x03\x04garbage", "sheet.xlsx", "cannot be read"),
        (b"\xff\xfe\x00b\x00a\x00d", "sheet.csv", "UTF-8"),
    ],
)
def test_a_bad_file_is_refused_clearly(
    client: FlaskClient, coordinator: Account, content: bytes, filename: str, expected: str
) -> None:
    answer = _send(client, coordinator, content, filename)
    assert answer.status_code == 422
    assert expected in answer.json["error"]["message"]
    assert "file" in answer.json["error"]["details"]


@pytest.mark.parametrize("extra", [1, 200 * 1024])
def test_a_file_too_large_is_413(client: FlaskClient, coordinator: Account, extra: int) -> None:
    # Just above the limit (the file's own check), and above it with the form's overhead
    # (the upload's limit, before the body is read).
    content = GOOD_CSV.encode() + b"#" * (2 * 1024 * 1024 + extra)
    answer = _send(client, coordinator, content)
    assert answer.status_code == 413
    assert answer.json["error"]["code"] == "payload_too_large"
    assert _total(client, coordinator) == 0


def test_no_file_is_422(client: FlaskClient, coordinator: Account) -> None:
    answer = client.post(
        IMPORTS, data={}, content_type="multipart/form-data", headers=coordinator.headers
    )
    assert answer.status_code == 422
    assert "file" in answer.json["error"]["details"]


def test_an_idempotency_key_replays_the_answer(client: FlaskClient, coordinator: Account) -> None:
    key = {"Idempotency-Key": "indicators-1"}
    first = _send(client, coordinator, GOOD_CSV.encode(), headers=key)
    assert first.status_code == 200
    replay = _send(client, coordinator, GOOD_CSV.encode(), headers=key)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json == first.json
    other = _send(
        client, coordinator, GOOD_CSV.encode() + b"KG,seizures_ats,2020,1,\n", headers=key
    )
    assert other.status_code == 422
    assert _total(client, coordinator) == 3


def test_the_report_speaks_russian(client: FlaskClient, coordinator: Account) -> None:
    content = GOOD_CSV + "TJ,seizures_opium,2021,lots,DCA\n"
    answer = _send(client, coordinator, content.encode(), headers={"Accept-Language": "ru"})
    assert answer.status_code == 422
    assert "ничего не записано" in answer.json["error"]["message"]
    wrong = [r for r in answer.json["report"]["rows"] if r["outcome"] == "error"]
    assert wrong[0]["errors"] == ["значение: Не число: укажите цифры, например «1250.5»."]
    assert answer.json["error"]["details"]["rows.5"] == wrong[0]["errors"]


def test_names_and_figures_as_people_write_them(client: FlaskClient, coordinator: Account) -> None:
    content = (
        "country,indicator,year,value\n"
        'Таджикистан,heroin SEIZURES,2021,"455,5"\n'
        "Afghanistan,Изъятия опия,2021,1 900\n"
        "tj,seizures_morphine,2021,12\u00a0345\u202f678.25\n"
    )
    answer = _send(client, coordinator, content.encode())
    assert answer.status_code == 200, answer.json
    assert [(r["country"], r["indicator"]) for r in answer.json["rows"]] == [
        ("TJ", "seizures_heroin"),
        ("AF", "seizures_opium"),
        ("TJ", "seizures_morphine"),
    ]
    figures = client.get("/api/v1/indicators", headers=coordinator.headers).json["items"]
    assert sorted(f["value"] for f in figures) == ["12345678.250", "1900.000", "455.500"]
    # One figure through the API is still plain digits only.
    put = client.put(
        "/api/v1/countries/TJ/indicators/seizures_heroin/2022",
        json={"value": "455,5"},
        headers=coordinator.headers,
    )
    assert put.status_code == 422
