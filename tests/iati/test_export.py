"""GET /api/v1/projects.iati.xml: the filtered projects as IATI 2.03 activity XML."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from adam.iati import export_service
from adam.iati.export import xml_text
from tests.conftest import Account

URL = "/api/v1/projects.iati.xml"
XSD = (
    Path(__file__).resolve().parents[2] / "adam" / "iati" / "schema" / "iati-activities-schema.xsd"
)
SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TODAY = dt.datetime.now(dt.UTC).date()
LONG_AGO = TODAY - dt.timedelta(days=800)
LAST_YEAR = TODAY - dt.timedelta(days=300)
NEXT_YEAR = TODAY + dt.timedelta(days=300)
LATER = TODAY + dt.timedelta(days=900)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture()
def corpus(
    register: Any, make_org: Any, client: FlaskClient, coordinator: Account
) -> dict[str, Any]:
    make_org("kg-dca", "Служба по контролю наркотиков КР", "government", "KG")
    withdrawn = register(title="Withdrawn mobile interdiction teams", countries=["AF"])
    response = client.delete(f"/api/v1/projects/{withdrawn['id']}", headers=coordinator.headers)
    assert response.status_code == 204
    return {
        "cyrillic": register(
            title="Пограничные посты на таджикско-афганской границе",
            description="Оборудование и обучение для трёх пунктов пограничной связи.",
            language="ru",
            countries=["TJ", "KG", "UZ"],
            # All three list DAC 16063; border-control and precursor-control share 33120.
            themes=["border-control", "law-enforcement", "precursor-control"],
            donors=["gb-fcdo", "us-inl"],
            implementers=["unodc", "kg-dca"],
            status="implementation",
            start_date=LAST_YEAR.isoformat(),
            end_date=NEXT_YEAR.isoformat(),
            budget={"amount": "1250000.50", "currency": "EUR"},
            contact={"name": "Зарина Рахимова", "email": "z.rakhimova@example.org"},
            iati_identifier="GB-GOV-1-300123-101",
        ),
        "undated": register(
            title="Forensic laboratory for the Drug Control Agency",
            description=None,
            countries=["TJ"],
            themes=["forensics"],
            donors=["gb-fcdo"],
            implementers=[],
            status="pipeline",
            start_date=None,
            end_date=None,
            budget=None,
        ),
        "closed": register(
            title="Family-based drug dependence treatment",
            # Pasted text: a form feed, a vertical tab and a NUL-free C0 control.
            description="Treatnet\x0c training\x0b for clinicians\x01 in Osh.\nSecond line.",
            countries=["KG"],
            themes=["demand-reduction"],
            donors=["us-inl"],
            implementers=["unodc"],
            status="closed",
            start_date=LONG_AGO.isoformat(),
            end_date=LAST_YEAR.isoformat(),
            budget={"amount": "300000", "currency": "USD"},
        ),
        "future": register(
            title="Precursor control in Caspian ports",
            countries=["TM"],
            themes=["precursor-control"],
            donors=["us-inl"],
            status="implementation",  # registered as running, but its dates lie ahead
            start_date=NEXT_YEAR.isoformat(),
            end_date=LATER.isoformat(),
        ),
        "open": register(
            title="Drug use surveys in Afghanistan",
            countries=["AF"],
            themes=["research"],
            donors=["us-inl"],
            implementers=["unodc"],
            start_date=LONG_AGO.isoformat(),
            end_date=None,
            budget={"amount": "80000", "currency": "USD"},
        ),
        "withdrawn": withdrawn,
    }


def _export(client: FlaskClient, account: Account, query: str = "") -> etree._Element:
    response = client.get(f"{URL}?{query}", headers=account.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return etree.fromstring(response.get_data())


def _by_identifier(root: etree._Element) -> dict[str, etree._Element]:
    return {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}


def _identifier(project: dict[str, Any]) -> str:
    return project["iati_identifier"] or f"XX-ADAM-{project['code']}"


def test_the_export_is_valid_iati_and_leaves_withdrawn_projects_out(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    response = client.get(URL, headers=coordinator.headers)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="adam-activities-{TODAY.isoformat()}.xml"'
    )
    body = response.get_data()
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    document = etree.fromstring(body).getroottree()
    assert SCHEMA.validate(document), SCHEMA.error_log
    root = document.getroot()
    assert root.get("version") == "2.03"
    generated = dt.datetime.fromisoformat(root.get("generated-datetime"))
    assert abs(generated - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    live = [p for name, p in corpus.items() if name != "withdrawn"]
    assert set(_by_identifier(root)) == {_identifier(p) for p in live}
    # The list's default order: newest first.
    assert [a.findtext("iati-identifier") for a in root] == [_identifier(p) for p in reversed(live)]


def test_an_activity_carries_the_project(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    project = corpus["cyrillic"]
    activity = _by_identifier(_export(client, coordinator))["GB-GOV-1-300123-101"]
    assert activity.get(XML_LANG) == "ru"
    assert activity.get("default-currency") == "EUR"
    updated = dt.datetime.fromisoformat(project["updated_at"]).replace(microsecond=0)
    assert dt.datetime.fromisoformat(activity.get("last-updated-datetime")) == updated
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XX-ADAM", "40")
    assert reporting.find("narrative").get(XML_LANG) == "en"  # the name is English
    assert activity.findtext("title/narrative") == project["title"]
    assert activity.find("title/narrative").get(XML_LANG) is None  # the activity's language
    assert activity.find("description").get("type") == "1"
    assert activity.findtext("description/narrative") == project["description"]

    orgs = [
        (o.get("role"), o.get("ref"), o.get("type"), o.findtext("narrative"))
        for o in activity.findall("participating-org")
    ]
    assert orgs == [
        ("1", "gb-fcdo", "10", "Foreign, Commonwealth & Development Office"),
        ("1", "us-inl", "10", "Bureau of International Narcotics and Law Enforcement Affairs"),
        ("4", "unodc", "40", "United Nations Office on Drugs and Crime"),
        ("4", "kg-dca", "10", "Служба по контролю наркотиков КР"),
    ]
    assert activity.find("activity-status").get("code") == "2"
    dates = [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")]
    assert dates == [("2", LAST_YEAR.isoformat()), ("3", NEXT_YEAR.isoformat())]
    contact = activity.find("contact-info")
    assert contact.get("type") == "1"
    assert contact.findtext("person-name/narrative") == "Зарина Рахимова"
    assert contact.findtext("email") == "z.rakhimova@example.org"
    countries = [
        (c.get("code"), c.get("percentage")) for c in activity.findall("recipient-country")
    ]
    assert countries == [("KG", "33.33"), ("TJ", "33.33"), ("UZ", "33.34")]

    sectors: dict[str, list[etree._Element]] = defaultdict(list)
    for sector in activity.findall("sector"):
        sectors[sector.get("vocabulary")].append(sector)
    dac = [s.get("code") for s in sectors["1"]]
    # border-control, law-enforcement, precursor-control (slug order), each code once.
    assert dac == ["16063", "15190", "33120", "15132", "15210"]
    assert [s.get("code") for s in sectors["99"]] == [
        "border-control",
        "law-enforcement",
        "precursor-control",
    ]
    for vocabulary in ("1", "99"):
        assert sum(Decimal(s.get("percentage")) for s in sectors[vocabulary]) == 100
    theme = sectors["99"][0]
    assert theme.get("vocabulary-uri") == "http://127.0.0.1:5000/api/v1/themes"
    names = {n.get(XML_LANG): n.text for n in theme.findall("narrative")}
    assert names == {
        "en": "Border control and management",
        None: "Пограничный контроль и управление границами",
    }

    budget = activity.find("budget")
    assert (budget.get("type"), budget.get("status")) == ("1", "1")
    assert budget.find("period-start").get("iso-date") == LAST_YEAR.isoformat()
    assert budget.find("period-end").get("iso-date") == NEXT_YEAR.isoformat()
    value = budget.find("value")
    assert (value.text, value.get("currency")) == ("1250000.50", "EUR")
    assert value.get("value-date") == LAST_YEAR.isoformat()


def test_dates_are_actual_only_when_the_status_and_the_calendar_agree(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    activities = _by_identifier(_export(client, coordinator))

    def dates(name: str) -> list[tuple[str, str]]:
        activity = activities[_identifier(corpus[name])]
        return [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")]

    assert dates("closed") == [("2", LONG_AGO.isoformat()), ("4", LAST_YEAR.isoformat())]
    # Implementation with a start date ahead: both dates are planned.
    assert dates("future") == [("1", NEXT_YEAR.isoformat()), ("3", LATER.isoformat())]
    # No dates at all: IATI needs one, so the registration day is the planned start.
    registered = dt.datetime.fromisoformat(corpus["undated"]["created_at"]).date()
    assert dates("undated") == [("1", registered.isoformat())]
    assert activities[_identifier(corpus["closed"])].find("activity-status").get("code") == "4"


def test_a_project_without_dates_budget_contact_or_description_is_still_valid(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    project = corpus["undated"]
    activity = _by_identifier(_export(client, coordinator))[f"XX-ADAM-{project['code']}"]
    assert activity.get("default-currency") is None
    assert activity.find("budget") is None
    assert activity.find("contact-info") is None
    # IATI requires a description: the title stands in for a missing one.
    assert activity.findtext("description/narrative") == project["title"]
    assert activity.find("recipient-country").get("percentage") is None  # one country: no share
    assert [o.get("role") for o in activity.findall("participating-org")] == ["1"]
    # Without an end date a budget has no period end: it is left out, its currency is not.
    open_ended = _by_identifier(_export(client, coordinator))[_identifier(corpus["open"])]
    assert open_ended.find("budget") is None
    assert open_ended.get("default-currency") == "USD"
    assert [(d.get("type"), d.get("iso-date")) for d in open_ended.findall("activity-date")] == [
        ("2", LONG_AGO.isoformat())
    ]


def test_characters_xml_forbids_are_dropped(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    activity = _by_identifier(_export(client, coordinator))[_identifier(corpus["closed"])]
    assert (
        activity.findtext("description/narrative")
        == "Treatnet training for clinicians in Osh.\nSecond line."
    )
    assert xml_text("a\x00b\x1fc\ud800d\ufffe\tok\r\n") == "abcd\tok\r\n"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=KG", {"cyrillic", "closed"}),
        ("country=tj,uz", {"cyrillic", "undated"}),
        ("theme=precursor-control", {"cyrillic", "future"}),
        ("donor=gb-fcdo", {"cyrillic", "undated"}),
        ("implementer=kg-dca", {"cyrillic"}),
        ("status=closed&status=pipeline", {"closed", "undated"}),
        ("q=пограничные", {"cyrillic"}),
    ],
)
def test_the_lists_filters_apply(
    client: FlaskClient,
    coordinator: Account,
    corpus: dict[str, Any],
    query: str,
    expected: set[str],
) -> None:
    root = _export(client, coordinator, query)
    assert SCHEMA.validate(root.getroottree()), SCHEMA.error_log
    assert set(_by_identifier(root)) == {_identifier(corpus[name]) for name in expected}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("country=ZZ", "country"),
        ("theme=smuggling", "theme"),
        ("donor=nobody", "donor"),
        ("status=finished", "status.0"),
        ("sort=colour", "sort"),
        ("start_from=yesterday", "start_from"),
        ("format=csv", "format"),  # not a filter of this export
    ],
)
def test_a_bad_filter_is_a_json_error_before_any_xml(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any], query: str, field: str
) -> None:
    response = client.get(f"{URL}?{query}", headers=coordinator.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"]


def test_viewers_export_but_only_coordinators_see_withdrawn_projects(
    client: FlaskClient, make_user: Any, coordinator: Account, corpus: dict[str, Any]
) -> None:
    viewer = make_user("viewer")
    assert len(_export(client, viewer)) == 5
    response = client.get(f"{URL}?withdrawn=true", headers=viewer.headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    withdrawn = _export(client, coordinator, "withdrawn=true")
    assert SCHEMA.validate(withdrawn.getroottree()), SCHEMA.error_log
    assert list(_by_identifier(withdrawn)) == [_identifier(corpus["withdrawn"])]
    assert client.get(URL).status_code == 401


def test_no_match_is_an_iati_activities_document_without_activities(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    root = _export(client, coordinator, "country=PK")
    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    assert len(root) == 0
    # The 2.03 schema asks for at least one activity, so this one document is not schema-valid
    # (README, "IATI activity XML"); it fails for that reason alone.
    assert not SCHEMA.validate(root.getroottree())
    assert [e.type_name for e in SCHEMA.error_log] == ["SCHEMAV_ELEMENT_CONTENT"]
    assert "Missing child element(s). Expected is ( iati-activity )" in SCHEMA.error_log[0].message


def test_more_projects_than_a_chunk_all_come_in_the_asked_order(
    client: FlaskClient,
    coordinator: Account,
    register: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_service, "CHUNK_SIZE", 2)
    codes = [register(title=f"Project {letter}")["code"] for letter in "ECADB"]
    root = _export(client, coordinator, "sort=title&page=3&per_page=1")
    assert SCHEMA.validate(root.getroottree()), SCHEMA.error_log
    titles = [a.findtext("title/narrative") for a in root]
    assert titles == [f"Project {letter}" for letter in "ABCDE"]
    root = _export(client, coordinator, "sort=-code")
    assert [a.findtext("iati-identifier") for a in root] == [
        f"XX-ADAM-{code}" for code in sorted(codes, reverse=True)
    ]


def test_two_exports_of_the_same_data_are_the_same_but_for_the_timestamp(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    first, second = (_export(client, coordinator) for _ in range(2))
    for root in (first, second):
        del root.attrib["generated-datetime"]
    assert etree.tostring(first) == etree.tostring(second)


def test_the_exports_connection_is_returned_when_done_or_abandoned(
    app: Any, client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    pool = app.extensions["adam.engine"].pool
    response = client.get(URL, headers=coordinator.headers)
    assert pool.checkedout() == 1  # the export's snapshot, held while the answer is sent
    assert len(etree.fromstring(response.get_data())) == 5
    assert pool.checkedout() == 0
    response = client.get(URL, headers=coordinator.headers)
    next(response.response)  # the client reads a first chunk, then goes away
    response.close()
    assert pool.checkedout() == 0


def _upload(
    client: FlaskClient, account: Account, project: dict[str, Any], **fields: str
) -> dict[str, Any]:
    form = {"file": FileStorage(io.BytesIO(PDF), filename="report.pdf"), **fields}
    boundary, body = encode_multipart(form)
    response = client.post(
        f"/api/v1/projects/{project['id']}/documents",
        data=body,
        headers=account.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.json
    return response.json


def test_live_documents_become_document_links(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    project = corpus["cyrillic"]
    evaluation = _upload(
        client, coordinator, project, title="Промежуточная оценка", category="A07", language="ru"
    )
    plan = _upload(
        client, coordinator, project, title="Annual work plan", category="A05", language="en"
    )
    gone = _upload(client, coordinator, project, title="Draft", category="A05", language="en")
    url = f"/api/v1/projects/{project['id']}/documents/{gone['id']}"
    assert client.delete(url, headers=coordinator.headers).status_code == 204

    root = _export(client, coordinator)
    assert SCHEMA.validate(root.getroottree()), SCHEMA.error_log
    activities = _by_identifier(root)
    links = activities[_identifier(project)].findall("document-link")
    assert [
        (
            link.get("url"),
            link.get("format"),
            link.findtext("title/narrative"),
            link.find("title/narrative").get(XML_LANG),
            link.find("category").get("code"),
            link.find("language").get("code"),
        )
        for link in links
    ] == [
        (
            f"http://127.0.0.1:5000/api/v1/projects/{project['id']}/documents/{document['id']}"
            "/content",
            "application/pdf",
            title,
            lang,
            category,
            language,
        )
        for document, title, lang, category, language in (
            (evaluation, "Промежуточная оценка", None, "A07", "ru"),
            (plan, "Annual work plan", "en", "A05", "en"),
        )
    ]
    assert activities[_identifier(corpus["closed"])].find("document-link") is None
    # The link is the document's own download address.
    download = client.get(
        links[0].get("url").removeprefix("http://127.0.0.1:5000"),
        headers=coordinator.headers,
        buffered=True,
    )
    assert (download.status_code, download.get_data()) == (200, PDF)


def test_the_openapi_document_describes_the_xml_answer(client: FlaskClient) -> None:
    operation = client.get("/api/v1/openapi.json").json["paths"][URL]["get"]
    assert "application/xml" in operation["responses"]["200"]["content"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"country", "theme", "donor", "withdrawn", "sort"} <= names
