"""Export, import into an empty registry, export again: the same activities come out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from adam.db import Base
from tests.conftest import KEEP_TABLES, Account
from tests.iati.import_helpers import run_import

EXPORT = "/api/v1/projects.iati.xml"
# What the registry needs to take an upload: its users and their tokens.
KEPT_FOR_THE_IMPORT = KEEP_TABLES | {"user_account", "api_token"}
TODAY = dt.date.today()


def _export(client: FlaskClient, account: Account) -> bytes:
    # Buffered: read to its end and closed, as a WSGI server does (the export streams).
    response = client.get(EXPORT, headers=account.headers, buffered=True)
    assert response.status_code == 200, response.data[:500]
    return response.data


def _activities(document: bytes) -> dict[str, bytes]:
    """Each activity, canonical, without the timestamp of its last change."""
    root = etree.fromstring(document)
    found = {}
    for activity in root.iterfind("iati-activity"):
        activity.attrib.pop("last-updated-datetime")
        found[activity.findtext("iati-identifier")] = etree.tostring(activity, method="c14n")
    return found


def _empty_the_registry(app: Flask) -> None:
    engine = app.extensions["adam.engine"]
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT_FOR_THE_IMPORT:
                conn.execute(table.delete())
        assert conn.scalar(sa.text("SELECT count(*) FROM project")) == 0
        assert conn.scalar(sa.text("SELECT count(*) FROM organization")) == 0


def _days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def test_a_round_trip_through_iati_xml_keeps_every_activity(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Any,
    make_org: Any,
) -> None:
    make_org("kg-dca", "Служба по контролю наркотиков КР", "government", "KG")
    register()
    register(
        title="Пограничные посты на таджикско-афганской границе",
        description="Оборудование и обучение для трёх пунктов пограничной связи.",
        language="ru",
        countries=["TJ", "KG", "UZ"],
        themes=["border-control", "law-enforcement", "precursor-control"],
        donors=["gb-fcdo", "us-inl"],
        implementers=["unodc", "kg-dca"],
        status="implementation",
        start_date=_days(-300),
        end_date=_days(300),
        budget={"amount": "1250000.50", "currency": "EUR"},
        contact={"name": "Зарина Рахимова", "email": "z.rakhimova@example.org"},
        iati_identifier="GB-GOV-1-300123-101",
    )
    register(
        title="Forensic laboratory for the Drug Control Agency",
        description=None,
        themes=["forensics"],
        donors=["us-inl"],
        implementers=["tj-dca"],
        status="pipeline",
        start_date=_days(200),
        end_date=_days(900),
        budget=None,
    )
    register(
        title="Precursor control training for customs officers in Osh",
        countries=["KG"],
        themes=["precursor-control"],
        status="closed",
        start_date=_days(-900),
        end_date=_days(-100),
        budget={"amount": "310000.00", "currency": "GBP"},
        contact={"name": None, "email": "customs@example.org"},
    )
    first = _export(client, coordinator)
    before = _activities(first)
    assert len(before) == 4

    _empty_the_registry(app)
    job = run_import(client, coordinator, first)

    assert job["counters"]["created"] == 4, job["report"]
    after = _activities(_export(client, coordinator))
    assert after.keys() == before.keys()
    for identifier, activity in before.items():
        assert after[identifier] == activity, identifier


def test_importing_adams_own_export_updates_its_projects_instead_of_copying_them(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    plain = register()  # no IATI identifier: exported as "{reporting org}-{code}"
    published = register(
        title="Precursor control at Hairatan", iati_identifier="GB-GOV-1-300123-102"
    )
    document = _export(client, coordinator)
    job = run_import(client, coordinator, document)
    assert job["counters"]["created"] == 0 and job["counters"]["unchanged"] == 2, job["counters"]
    assert {e["project_id"] for e in job["report"]} == {plain["id"], published["id"]}
    listed = client.get("/api/v1/projects", headers=coordinator.headers).json
    assert listed["total"] == 2
    # The project keeps having no identifier of its own: the next export names it as before.
    assert _activities(_export(client, coordinator)) == _activities(document)
