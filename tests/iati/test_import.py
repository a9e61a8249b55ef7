"""POST /api/v1/imports/iati and its job: real IATI files in, projects and a report out."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adam.app import create_app
from adam.iati.models import ImportJob
from adam.projects.models import Project
from adam.reference.models import Organization
from adam.session import new_session
from tests.conftest import Account
from tests.duplicates.conftest import stored_alerts
from tests.iati.import_helpers import (
    DATA,
    Act,
    Org,
    by_identifier,
    iati_file,
    run_import,
    twin_activities,
    upload,
    wait_for_job,
)

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


def _projects(app: Flask) -> dict[str, Project]:
    with new_session(app) as session:
        rows = session.scalars(select(Project)).unique().all()
        for project in rows:
            _ = project.donors, project.implementers, project.countries, project.themes
        return {p.iati_identifier: p for p in rows}


def _count(app: Flask, model: Any) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_real_file_imports_and_a_second_import_creates_nothing(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    content = (DATA / "dportal_10.xml").read_bytes()
    # Most of these real activities are COVID-19 responses: no sector maps to an ADAM theme.
    first = run_import(client, coordinator, content, default_theme="research")

    counters = first["counters"]
    assert counters["total"] == counters["processed"] == 87
    assert sum(counters[o] for o in OUTCOMES) == counters["total"]
    assert counters["created"] == 60 and counters["failed"] == 0
    assert Counter(e["outcome"] for e in first["report"]) == {
        o: counters[o] for o in OUTCOMES if counters[o]
    }
    assert first["filename"] == "activities.xml" and first["size"] == len(content)
    assert first["options"] == {"publisher_org": None, "default_theme": "research"}
    report = by_identifier(first)
    # Regions only (298: Africa, 998: developing countries unspecified): no ADAM country.
    assert report["CH-4-2020001337"]["outcome"] == "skipped"
    assert (
        report["CH-4-2020001337"]["reason"] == "no recipient country in scope (regions only: 389)"
    )
    assert report["CH-4-2020001337"]["line"] == 433

    projects = _projects(app)
    assert len(projects) == 60
    sdc = projects["CH-4-2020001319"]
    assert sdc.title == "BFA-ACF-MRR-COVID-19" and sdc.language == "en"
    assert [c.code for c in sdc.countries] == ["BF"]
    assert [t.slug for t in sdc.themes] == ["research"]
    assert [o.code for o in sdc.donors] == ["CH-4"]
    assert [o.code for o in sdc.implementers] == ["XM-DAC-21000"]
    assert str(sdc.status) == "implementation"
    assert str(sdc.start_date) == "2020-09-01" and str(sdc.end_date) == "2021-04-30"
    assert report["CH-4-2020001319"]["project_id"] == sdc.id
    with new_session(app) as session:
        orgs = {o.code: o for o in session.scalars(select(Organization))}
    # From a ref, named and typed by the file (type 10, funding: a bilateral donor)...
    assert orgs["CH-4"].name == "Swiss Agency for Development and Cooperation (SDC)"
    assert str(orgs["CH-4"].type) == "bilateral"
    # ...and from a name alone (the Gates Foundation's grantees carry no ref).
    assert orgs["tsinghua-university"].name == "Tsinghua University"

    second = run_import(client, coordinator, content, default_theme="research")
    assert second["counters"]["created"] == 0
    assert second["counters"]["unchanged"] == 60
    assert second["counters"]["skipped"] == 27
    assert len(_projects(app)) == 60
    assert _count(app, Organization) == len(orgs)


def test_narratives_are_kept_in_the_activitys_language(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    french = Act("FR-3-1", lang="fr", title="Bureaux de liaison frontaliers")
    russian = Act("RU-1-2", title="Пункты пограничной связи")  # no xml:lang: the file's
    content = iati_file(french, russian, lang="ru").replace(
        b"<title><narrative>Bureaux de liaison frontaliers</narrative></title>",
        b'<title><narrative xml:lang="en">Border liaison offices</narrative>'
        b"<narrative>Bureaux de liaison frontaliers</narrative></title>",
    )
    job = run_import(client, coordinator, content)
    assert job["counters"]["created"] == 2
    projects = _projects(app)
    # A narrative without xml:lang is in the activity's language, and that one is chosen.
    assert projects["FR-3-1"].title == "Bureaux de liaison frontaliers"
    assert projects["FR-3-1"].language == "fr"
    assert projects["RU-1-2"].language == "ru"


def test_the_narrative_in_the_activity_language_is_chosen_over_the_first(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    multilingual = Act("XM-1-4", lang="es", title="unused")
    multilingual.title = "Oficinas de enlace fronterizo"
    content = iati_file(multilingual).replace(
        b"<title><narrative>Oficinas de enlace fronterizo</narrative></title>",
        b'<title><narrative xml:lang="EN">Border liaison offices</narrative>'
        b'<narrative xml:lang="es">Oficinas de enlace fronterizo</narrative></title>',
    )
    content = content.replace(
        b'<description type="1"><narrative>',
        b'<description type="2"><narrative xml:lang="es">Objetivos</narrative></description>'
        b'<description type="1"><narrative xml:lang="en">In English</narrative><narrative>',
    )
    run_import(client, coordinator, content)
    project = _projects(app)["XM-1-4"]
    assert project.title == "Oficinas de enlace fronterizo" and project.language == "es"
    # The general description (type 1) first, in the title's language.
    assert project.description == "Equipment and training for three border liaison offices."


def test_an_activity_without_a_country_in_scope_is_skipped_with_the_reason(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    regional = Act("XM-1-REGION", countries=[], extra='<recipient-region code="289"/>')
    unknown = Act("XM-1-UNKNOWN", countries=["QQ"])
    kept = Act("XM-1-KEPT", countries=["TJ", "QQ"])
    job = run_import(client, coordinator, iati_file(regional, unknown, kept))
    report = by_identifier(job)
    assert report["XM-1-REGION"]["outcome"] == "skipped"
    assert report["XM-1-REGION"]["reason"] == "no recipient country in scope (regions only: 289)"
    assert report["XM-1-UNKNOWN"]["reason"] == (
        "no recipient country in scope (countries unknown or out of scope: QQ)"
    )
    assert report["XM-1-KEPT"]["outcome"] == "created"
    assert "Countries not kept (unknown or out of scope): QQ." in report["XM-1-KEPT"]["notes"]
    assert set(_projects(app)) == {"XM-1-KEPT"}


def test_sectors_map_to_themes_or_the_activity_is_skipped(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    adam_slugs = Act("A-1", sectors=[("99", "precursor-control"), ("1", "15190")])
    dac = Act("A-2", sectors=[("1", "16063"), ("1", "13040"), ("", "15113")])
    unmapped = Act("A-3", sectors=[("1", "12264"), ("2", "121")])
    job = run_import(client, coordinator, iati_file(adam_slugs, dac, unmapped))
    projects = _projects(app)
    assert [t.slug for t in projects["A-1"].themes] == ["precursor-control"]
    assert [t.slug for t in projects["A-2"].themes] == [
        "anti-corruption",
        "demand-reduction",
        "law-enforcement",
    ]
    report = by_identifier(job)
    assert report["A-3"]["outcome"] == "skipped"
    assert report["A-3"]["reason"] == "no sector maps to an ADAM theme (sectors: 1:12264, 2:121)"

    again = run_import(client, coordinator, iati_file(unmapped), default_theme="demand-reduction")
    assert again["counters"]["created"] == 1
    assert [t.slug for t in _projects(app)["A-3"].themes] == ["demand-reduction"]


def test_budgets_dates_status_and_contact(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    activity = Act(
        "B-1",
        status=None,
        dates=[("1", "2024-01-01"), ("2", "2024-02-15"), ("3", "2023-12-31")],
        budgets=[
            ("1", "100.005", None, 2024),  # the activity's default currency (EUR)
            ("1", "50", "EUR", 2025),
            ("1", "90", "USD", 2026),
            ("2", "120", "USD", 2026),  # revises the original of its period
            ("1", "1,000", "EUR", 2027),
        ],
        extra=(
            '<contact-info type="1"><person-name><narrative>Dilnoza Rakhimova</narrative>'
            "</person-name><email>d.rakhimova@example.org</email></contact-info>"
            '<document-link url="https://example.org/a.pdf" format="application/pdf"/>'
        ),
    )
    no_budget = Act(
        "B-2", budgets=[], extra="<contact-info><email>not an address</email></contact-info>"
    )
    job = run_import(client, coordinator, iati_file(activity, no_budget))
    projects = _projects(app)
    project = projects["B-1"]
    assert str(project.budget_amount) == "150.01" and project.budget_currency == "EUR"
    assert str(project.start_date) == "2024-02-15" and project.end_date is None
    assert str(project.status) == "implementation"
    assert (project.contact_name, project.contact_email) == (
        "Dilnoza Rakhimova",
        "d.rakhimova@example.org",
    )
    notes = by_identifier(job)["B-1"]["notes"]
    assert "Activity status missing: recorded as implementation." in notes
    assert any(n.startswith("End date 2023-12-31 is before the start") for n in notes)
    assert "Budget 150.005 EUR rounded to 150.01." in notes
    assert "Budgets in other currencies not counted: 120 USD." in notes
    assert "Budget value '1,000' is no amount; ignored." in notes
    assert "1 document-link(s) not imported: ADAM documents are uploaded files." in notes
    assert projects["B-2"].budget_amount is None and projects["B-2"].contact_email is None


def test_a_long_title_is_cut_and_an_invalid_activity_fails_alone(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    long_title = Act("C-1", title="Border liaison " * 40)
    spaced = Act("C 2")  # IATI identifiers have no spaces: the API's schema refuses it
    twice = Act("C-1")
    job = run_import(client, coordinator, iati_file(long_title, spaced, twice))
    first, failed, repeated = job["report"]
    assert first["outcome"] == "created"
    assert any(n.startswith("Title cut to 500 characters") for n in first["notes"])
    assert len(_projects(app)["C-1"].title) <= 500
    assert failed["outcome"] == "failed" and failed["iati_identifier"] == "C 2"
    assert failed["reason"] == "invalid: iati_identifier: An IATI identifier has no spaces."
    assert first["line"] < failed["line"] < repeated["line"]
    assert repeated["outcome"] == "skipped" and repeated["project_id"] is None
    assert (
        repeated["reason"] == f"the file has this iati-identifier already, at line {first['line']}"
    )
    assert job["counters"] == {
        "total": 3,
        "processed": 3,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "failed": 1,
        "alerts": 0,
    }


def test_a_changed_activity_updates_its_project_and_a_withdrawn_one_is_skipped(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    run_import(client, coordinator, iati_file(Act("D-1"), Act("D-2", title="Prison reform")))
    changed = Act("D-1", title="Border liaison offices on the Tajik-Afghan border, phase II")
    projects = _projects(app)
    response = client.delete(f"/api/v1/projects/{projects['D-2'].id}", headers=coordinator.headers)
    assert response.status_code == 204

    job = run_import(client, coordinator, iati_file(changed, Act("D-2", title="Prison reform")))
    report = by_identifier(job)
    assert report["D-1"]["outcome"] == "updated" and report["D-1"]["reason"] == "changed: title"
    assert report["D-1"]["project_id"] == projects["D-1"].id
    assert report["D-2"]["outcome"] == "skipped"
    assert report["D-2"]["reason"] == "its project is withdrawn; restore it to import into it"
    history = client.get(
        f"/api/v1/projects/{projects['D-1'].id}/history", headers=coordinator.headers
    ).json
    assert [h["action"] for h in history] == ["create", "update"]
    assert _count(app, Project) == 2


def test_organizations_without_a_ref_are_found_by_name_or_made_from_it(
    app: Flask, client: FlaskClient, coordinator: Account, make_org: Any
) -> None:
    make_org("tj-dca", "Drug Control Agency of Tajikistan", "government", "TJ")
    activity = Act(
        "E-1",
        orgs=[
            Org(None, "DRUG CONTROL AGENCY OF TAJIKISTAN", "4", "10"),
            Org(None, "Ministère de l'Intérieur", "4", "10"),
            Org("not a ref", "Aga Khan Foundation", "1", "21"),
        ],
    )
    job = run_import(client, coordinator, iati_file(activity))
    project = _projects(app)["E-1"]
    assert [o.code for o in project.implementers] == ["tj-dca", "ministere-de-l-interieur"]
    assert [o.code for o in project.donors] == ["aga-khan-foundation"]
    assert str(project.donors[0].type) == "ngo"
    assert (
        "Organisation ref 'not a ref' is no usable code; matched by name instead."
        in by_identifier(job)["E-1"]["notes"]
    )


def test_the_reporting_org_or_the_publisher_is_the_donor_when_no_funder_is_named(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    implementer_only = [Org("XM-DAC-41146", "UNODC", "4", "40")]
    run_import(client, coordinator, iati_file(Act("F-1", orgs=implementer_only)))
    assert [o.code for o in _projects(app)["F-1"].donors] == ["GB-GOV-1"]

    job = run_import(
        client,
        coordinator,
        iati_file(Act("F-2", orgs=implementer_only)),
        publisher_org="US-INL",  # codes are case-insensitive
    )
    assert [o.code for o in _projects(app)["F-2"].donors] == ["us-inl"]
    assert job["options"]["publisher_org"] == "us-inl"


def test_a_focal_point_imports_inside_their_country_only(
    app: Flask, client: FlaskClient, make_user: Any, coordinator: Account
) -> None:
    focal = make_user("focal_point", country="TJ")
    inside = Act("G-TJ", countries=["TJ"])
    outside = Act(
        "G-AF",
        countries=["AF"],
        title="Mobile interdiction teams in Herat",
        orgs=[Org("US-GOV-1", "USAID", "1", "10")],
    )
    job = run_import(client, focal, iati_file(inside, outside))
    report = by_identifier(job)
    assert report["G-TJ"]["outcome"] == "created"
    assert report["G-AF"]["outcome"] == "skipped"
    assert report["G-AF"]["reason"] == (
        "outside your scope: Focal points may only register or edit projects that benefit TJ."
    )
    assert set(_projects(app)) == {"G-TJ"}
    with new_session(app) as session:
        assert session.scalar(select(Project.created_by_id)) == focal.id
        # The organization only the skipped activity named was rolled back with it.
        codes = set(session.scalars(select(Organization.code)))
    assert codes == {"GB-GOV-1", "XM-DAC-41146"}


def test_a_donor_imports_what_their_organization_funds_only(
    app: Flask, client: FlaskClient, make_user: Any, make_org: Any
) -> None:
    make_org("GB-GOV-1", "Foreign, Commonwealth & Development Office")
    donor = make_user("donor", org="gb-gov-1")
    funded = Act("S-GB")
    other = Act("S-US", orgs=[Org("US-GOV-1", "USAID", "1", "10")])
    job = run_import(client, donor, iati_file(funded, other))
    report = by_identifier(job)
    assert report["S-GB"]["outcome"] == "created"
    assert report["S-US"]["outcome"] == "skipped"
    assert report["S-US"]["reason"].startswith("outside your scope: Donor accounts may only")
    assert set(_projects(app)) == {"S-GB"}


def test_viewers_may_not_import(client: FlaskClient, make_user: Any) -> None:
    viewer = make_user("viewer")
    response = upload(client, viewer, iati_file(Act("H-1")))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/imports", headers=viewer.headers).status_code == 403


def test_a_truncated_file_is_refused_whole_with_its_line(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    content = (DATA / "dportal_10.xml").read_bytes()
    cut = content.index(b"<narrative", len(content) // 2) + 6  # inside a start tag
    truncated = content[:cut]
    response = upload(client, coordinator, truncated)
    assert response.status_code == 422
    error = response.json["error"]
    last_line = truncated.count(b"\n") + 1
    assert error["details"]["line"] == [str(last_line)]
    assert error["details"]["file"][0].startswith(f"Line {last_line}: not well-formed XML")
    assert _count(app, ImportJob) == 0 and _count(app, Project) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((DATA / "iati-worked-example.xml").read_bytes(), "not <iati-activities>"),
        (b"<iati-organisations version='2.03'><iati-organisation/></iati-organisations>", "not"),
        (b"<iati-activities version='1.05'><iati-activity/></iati-activities>", "1.05"),
        (b"<iati-activities version='2.03'></iati-activities>", "holds no <iati-activity>"),
        (b"%PDF-1.4 not xml at all", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>'
            b"<iati-activities><iati-activity>&a;</iati-activity></iati-activities>",
            "DOCTYPE",
        ),
    ],
    ids=["worked-example", "organisation-file", "version-1", "empty", "pdf", "entities"],
)
def test_a_file_that_is_no_iati_activity_file_is_422(
    app: Flask, client: FlaskClient, coordinator: Account, content: bytes, message: str
) -> None:
    response = upload(client, coordinator, content)
    assert response.status_code == 422, response.json
    assert message in response.json["error"]["message"]
    assert _count(app, ImportJob) == 0


def test_upload_errors_are_json(client: FlaskClient, coordinator: Account) -> None:
    as_json = client.post("/api/v1/imports/iati", json={}, headers=coordinator.headers)
    assert as_json.status_code == 415
    no_file = client.post(
        "/api/v1/imports/iati",
        data={"default_theme": "research"},
        headers=coordinator.headers,
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422
    assert "file" in no_file.json["error"]["details"]
    bad_options = upload(
        client, coordinator, iati_file(Act("I-1")), publisher_org="nobody", default_theme="x"
    )
    assert bad_options.status_code == 422
    assert set(bad_options.json["error"]["details"]) == {"publisher_org", "default_theme"}


def test_the_upload_limit_is_its_own(database_url: str, coordinator: Account) -> None:
    content = (DATA / "dportal_50.xml").read_bytes()
    assert len(content) > 1024 * 1024  # above the JSON body limit (MAX_CONTENT_LENGTH)
    small = create_app(
        {"ENV": "testing", "DATABASE_URL": database_url, "IATI_IMPORT_MAX_BYTES": 1024 * 1024}
    )
    response = upload(small.test_client(), coordinator, content)
    small.extensions["adam.engine"].dispose()
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert "IATI_IMPORT_MAX_BYTES" in response.json["error"]["message"]


def test_a_large_file_is_accepted_and_progress_is_visible(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    content = (DATA / "dportal_50.xml").read_bytes()
    response = upload(client, coordinator, content, default_theme="research")
    assert response.status_code == 202
    job_id = response.json["id"]
    assert response.headers["Location"] == f"/api/v1/imports/{job_id}"
    assert response.json == {
        "id": job_id,
        "status": "queued",
        "links": {"self": f"/api/v1/imports/{job_id}"},
    }
    job = wait_for_job(client, coordinator, job_id)
    assert job["status"] == "done" and job["counters"]["processed"] == 88
    assert job["started_at"] and job["finished_at"] and job["error"] is None


def test_jobs_are_listed_for_their_owner_and_coordinators(
    client: FlaskClient, coordinator: Account, make_user: Any
) -> None:
    focal = make_user("focal_point", country="TJ")
    other = make_user("focal_point", country="AF")
    mine = run_import(client, focal, iati_file(Act("J-1")))
    theirs = run_import(client, other, iati_file(Act("J-2", countries=["AF"])))

    own = client.get("/api/v1/imports", headers=focal.headers).json
    assert [j["id"] for j in own["items"]] == [mine["id"]] and own["total"] == 1
    assert "report" not in own["items"][0]
    everyone = client.get("/api/v1/imports?per_page=1", headers=coordinator.headers).json
    assert everyone["total"] == 2 and [j["id"] for j in everyone["items"]] == [theirs["id"]]
    done = client.get("/api/v1/imports?status=done,failed", headers=coordinator.headers).json
    assert done["total"] == 2
    assert client.get(f"/api/v1/imports/{theirs['id']}", headers=focal.headers).status_code == 404
    assert client.get(f"/api/v1/imports/{theirs['id']}", headers=coordinator.headers).json[
        "created_by"
    ] == {"id": other.id, "email": other.email}
    bad = client.get("/api/v1/imports?status=lost", headers=coordinator.headers)
    assert bad.status_code == 422


def test_two_records_of_one_activity_raise_a_duplicate_alert(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    """The funder's record and the implementer's, in their own words, in one file."""
    funder, unrelated, implementer = twin_activities()
    job = run_import(client, coordinator, iati_file(funder, unrelated, implementer))
    report = by_identifier(job)
    assert report["XM-DAC-41146-TJK-K52"]["alerts"] == 1
    assert report["XM-DAC-41146-TJK-X90"]["alerts"] == 0
    assert job["counters"]["alerts"] == 1
    pair = sorted(report[a.identifier]["project_id"] for a in (funder, implementer))
    assert list(stored_alerts(app)) == [tuple(pair)]
