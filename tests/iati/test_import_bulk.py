"""IATI import in bulk (IATI_IMPORT_BULK_FROM): the projects and alerts of one by one, in batches.

``bulk_app`` serves the test database with ``IATI_IMPORT_BULK_FROM = 1``, so every file it
imports goes the bulk way; ``batches`` records each batch ``import_batch`` is given, so a test
that means the bulk path knows it took it.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adam.app import create_app
from adam.auth.actor import Actor
from adam.auth.models import User
from adam.cli import main
from adam.config import ConfigError
from adam.duplicates import scan
from adam.duplicates import service as duplicates_service
from adam.duplicates.index import weigh
from adam.duplicates.models import DuplicateAlert, MatchKey, ProjectSearch
from adam.iati import background, imports, parse, runner, service
from adam.iati.background import import_settings
from adam.iati.models import ImportJob
from adam.matching.config import ALERT_THRESHOLD
from adam.notifications.models import Delivery, OutboxMessage
from adam.projects import service as project_service
from adam.projects.models import Project, ProjectHistory
from adam.reference.models import Organization
from adam.reference.seed import seed_reference_data
from adam.session import get_settings, new_session
from tests.conftest import Account, _empty
from tests.duplicates.conftest import pair, stored_alerts
from tests.iati.import_helpers import (
    DATA,
    Act,
    Org,
    by_identifier,
    iati_file,
    run_import,
    twin_activities,
)
from tests.notifications.conftest import create_webhook
from tests.settings_helpers import replace_settings

HOOK = "https://receiver.example.org/hook"


@pytest.fixture()
def bulk_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The same database, served by an app that imports every file in bulk."""
    bulk = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "bulk-uploads"),
            "IATI_IMPORT_BULK_FROM": 1,
        }
    )
    yield bulk
    background.drain()  # its import jobs first: they hold its connections until they end
    bulk.extensions["adam.engine"].dispose()


@pytest.fixture()
def bulk_client(bulk_app: Flask) -> FlaskClient:
    return bulk_app.test_client()


@pytest.fixture()
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of activities of each batch imported in bulk, in order."""
    sizes: list[int] = []
    real = imports.import_batch

    def import_batch(
        session: Session, activities: Sequence[Any], importer: imports.Importer
    ) -> list[imports.Entry]:
        sizes.append(len(activities))
        return real(session, activities, importer)

    monkeypatch.setattr(imports, "import_batch", import_batch)
    return sizes


# --- Reading back ---


def _registry(app: Flask) -> dict[str, Any]:
    """What imports wrote, as one by one and bulk must both write it: projects by identifier
    (fields, code prefix, history, index row, match keys), organizations and alerts; no ids,
    code numbers or times."""
    with new_session(app) as session:
        projects: dict[str | None, dict[str, Any]] = {}
        identifiers: dict[int, str | None] = {}
        for project in session.scalars(select(Project)).unique():
            identifiers[project.id] = project.iati_identifier
            search = session.get(ProjectSearch, project.id)
            history = session.scalars(
                select(ProjectHistory)
                .where(ProjectHistory.project_id == project.id)
                .order_by(ProjectHistory.id)
            )
            keys = session.execute(
                select(Organization.code, MatchKey.country_code, MatchKey.start_date)
                .join(Organization, Organization.id == MatchKey.organization_id)
                .where(MatchKey.project_id == project.id)
            )
            projects[project.iati_identifier] = {
                **project_service.snapshot(project),
                "code_prefix": project.code.rsplit("-", 1)[0],
                "search_text": project.search_text,
                "history": [(str(h.action), h.version, h.changes) for h in history],
                "index": search
                and {
                    name: getattr(search, name)
                    for name in (
                        "title_terms",
                        "description_head",
                        "description_terms",
                        "phases",
                        "years",
                        "scope",
                    )
                },
                "match_keys": sorted(tuple(key) for key in keys),
            }
        organizations = sorted(
            (o.code, o.name, str(o.type), o.country_code)
            for o in session.scalars(select(Organization))
        )
        alerts = sorted(
            (identifiers[a.project_a_id], identifiers[a.project_b_id], str(a.status))
            for a in session.scalars(select(DuplicateAlert))
        )
    return {"projects": projects, "organizations": organizations, "alerts": alerts}


def _lines(job: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The job's report without the project ids."""
    return [
        (e["line"], e["iati_identifier"], e["outcome"], e["reason"], e["alerts"], e["notes"])
        for e in job["report"]
    ]


def _weights(app: Flask) -> dict[int, str | None]:
    with new_session(app) as session:
        return dict(session.execute(select(ProjectSearch.project_id, ProjectSearch.weights)).all())


def _organization_codes(app: Flask) -> set[str]:
    with new_session(app) as session:
        return set(session.scalars(select(Organization.code)))


def _announced(app: Flask) -> list[tuple[OutboxMessage, list[tuple[int, int | None]]]]:
    """Each outbox message, with its deliveries as (message id, webhook id)."""
    with new_session(app) as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        deliveries = session.scalars(select(Delivery).order_by(Delivery.id)).unique().all()
        session.expunge_all()
    return [
        (m, [(d.message_id, d.webhook_id) for d in deliveries if d.message_id == m.id])
        for m in messages
    ]


def _reset(app: Flask) -> None:
    """Empty the database as the next test finds it."""
    _empty(app.extensions["adam.engine"])
    with new_session(app) as session:
        seed_reference_data(session)
        session.commit()


def _import_unchecked(app: Flask, account: Account, content: bytes) -> list[int]:
    """What a bulk run that died after its batches leaves: its projects saved, their words not
    weighed, no duplicate check. Returns their ids."""
    with new_session(app) as session:
        user = session.get(User, account.id)
        assert user is not None
        rules = imports.mapping_rules(session, default_theme=None, publisher_org=None)
        importer = imports.Importer(actor=Actor.from_user(user), matcher=get_settings(app).matcher)
        imports.import_batch(session, list(parse.read_activities(content, rules)), importer)
        return importer.written


# --- Same projects as one by one ---


def test_a_real_file_in_bulk_writes_what_one_by_one_writes_and_again_nothing(
    app: Flask,
    client: FlaskClient,
    bulk_client: FlaskClient,
    make_user: Callable[..., Account],
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = (DATA / "dportal_10.xml").read_bytes()
    # Several batches: organizations one batch creates, the next finds.
    monkeypatch.setattr(runner, "BATCH", 25)
    # One by one saves its progress by count only here: on the timer, the word-count snapshot
    # it refreshes then would be taken at a moment that depends on the machine's speed, and a
    # borderline pair with it (a snapshot may be a tenth behind the index; bulk counts afresh).
    replace_settings(
        app, imports=dataclasses.replace(get_settings(app).imports, progress_seconds=math.inf)
    )
    one_by_one = run_import(client, make_user("coordinator"), content, default_theme="research")
    assert batches == []
    expected = _registry(app)
    assert len(expected["projects"]) == one_by_one["counters"]["created"] == 60

    _reset(app)
    coordinator = make_user("coordinator")
    bulk = run_import(bulk_client, coordinator, content, default_theme="research")
    assert batches == [25, 25, 25, 12]
    assert _registry(app) == expected
    assert _lines(bulk) == _lines(one_by_one)
    assert bulk["counters"] == one_by_one["counters"]

    again = run_import(bulk_client, coordinator, content, default_theme="research")
    assert len(batches) == 8
    assert again["counters"] == {
        "total": 87,
        "processed": 87,
        "created": 0,
        "updated": 0,
        "unchanged": 60,
        "skipped": 27,
        "failed": 0,
        "alerts": 0,
    }
    assert _registry(app) == expected


def test_every_project_written_in_bulk_is_weighed_and_has_its_match_keys(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "BATCH", 40)

    def sweep(*args: Any, **kwargs: Any) -> None:
        # Raised in the job's thread: the job fails with it (pytest.fail would hang the job).
        raise AssertionError("the import left its own projects to the sweep of unindexed ones")

    monkeypatch.setattr(duplicates_service, "reindex_missing", sweep)
    job = run_import(
        bulk_client, coordinator, (DATA / "dportal_50.xml").read_bytes(), default_theme="research"
    )
    assert batches == [40, 40, 8]
    with new_session(app) as session:
        projects = session.scalars(select(Project)).unique().all()
        assert len(projects) == job["counters"]["created"] > 40
        rows = {row.project_id: row for row in session.scalars(select(ProjectSearch))}
        assert set(rows) == {p.id for p in projects}
        for project in projects:
            row = rows[project.id]
            assert row.weights is not None, project.iati_identifier
            # Weighed once the whole file was in: from the word counts as they stand now.
            assert row.weights == weigh(
                session,
                {"title_terms": row.title_terms, "description_terms": row.description_terms},
            )
            assert row.scope == " ".join(sorted(c.code.lower() for c in project.countries))
            keys = {
                tuple(key)
                for key in session.execute(
                    select(
                        MatchKey.organization_id, MatchKey.country_code, MatchKey.start_date
                    ).where(MatchKey.project_id == project.id)
                )
            }
            assert keys == {
                (p.organization_id, c.code, project.start_date)
                for p in project.participations
                for c in project.countries
            }
            assert keys, project.iati_identifier


# --- Duplicates ---


def test_two_records_of_one_activity_raise_one_alert_announced_once(
    app: Flask, bulk_client: FlaskClient, coordinator: Account, batches: list[int]
) -> None:
    hook = create_webhook(bulk_client, coordinator, HOOK)
    funder, unrelated, implementer = twin_activities()
    job = run_import(bulk_client, coordinator, iati_file(funder, unrelated, implementer))
    assert batches == [3]
    report = by_identifier(job)
    ids = {a.identifier: report[a.identifier]["project_id"] for a in (funder, implementer)}
    # As one by one: the later of the two raises it.
    assert [report[a.identifier]["alerts"] for a in (funder, unrelated, implementer)] == [0, 0, 1]
    assert job["counters"]["created"] == 3 and job["counters"]["alerts"] == 1
    [(key, alert)] = stored_alerts(app).items()
    assert key == pair(ids[funder.identifier], ids[implementer.identifier])
    assert alert.raised_by_project_id == ids[implementer.identifier]

    [(message, deliveries)] = _announced(app)
    assert message.event == "alert.created"
    assert message.payload["alert"]["id"] == alert.id
    # The project that raised it first: it is the news.
    assert [p["id"] for p in message.payload["projects"]] == [
        ids[implementer.identifier],
        ids[funder.identifier],
    ]
    assert deliveries == [(message.id, hook["id"])]


def test_pairs_scored_in_worker_processes_raise_the_same_alert(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A large import scores its countries in spawned worker processes: real ones here.
    monkeypatch.setattr(scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(scan.os, "cpu_count", lambda: 2)
    pools: list[object] = []
    real_pool = scan.ProcessPoolExecutor

    def pool(*args: Any, **kwargs: Any) -> Any:
        pools.append(kwargs["mp_context"].get_start_method())
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(scan, "ProcessPoolExecutor", pool)
    funder, unrelated, implementer = twin_activities()
    job = run_import(bulk_client, coordinator, iati_file(funder, unrelated, implementer))
    assert pools == ["spawn"]
    report = by_identifier(job)
    assert [report[a.identifier]["alerts"] for a in (funder, unrelated, implementer)] == [0, 0, 1]
    [(key, alert)] = stored_alerts(app).items()
    ids = [report[a.identifier]["project_id"] for a in (funder, implementer)]
    assert key == pair(*ids) and alert.raised_by_project_id == ids[1]
    assert alert.reasons and alert.score >= ALERT_THRESHOLD


def test_a_country_too_large_to_load_is_checked_project_by_project(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scan, "LOAD_MIN", 0)
    monkeypatch.setattr(scan, "LOAD_RATIO", 0)
    checked: list[int] = []
    real_check = duplicates_service.check_project

    def check_project(session: Session, project: Project, **kwargs: Any) -> Any:
        checked.append(project.id)
        return real_check(session, project, **kwargs)

    def load(*args: Any) -> None:
        raise AssertionError("a country above LOAD_MIN and LOAD_RATIO x new was loaded whole")

    monkeypatch.setattr(duplicates_service, "check_project", check_project)
    monkeypatch.setattr(scan, "score_new", load)
    create_webhook(bulk_client, coordinator, HOOK)
    funder, unrelated, implementer = twin_activities()
    job = run_import(bulk_client, coordinator, iati_file(funder, unrelated, implementer))
    assert batches == [3]
    report = by_identifier(job)
    ids = {a.identifier: report[a.identifier]["project_id"] for a in (funder, implementer)}
    assert sorted(checked) == sorted(e["project_id"] for e in job["report"])
    assert job["counters"]["alerts"] == 1
    [(key, alert)] = stored_alerts(app).items()
    assert key == pair(*ids.values())
    # As one by one, and as a country loaded whole: the later of the two raises it.
    assert [report[a.identifier]["alerts"] for a in (funder, unrelated, implementer)] == [0, 0, 1]
    assert alert.raised_by_project_id == ids[implementer.identifier]
    [(message, deliveries)] = _announced(app)
    assert message.payload["alert"]["id"] == alert.id and len(deliveries) == 1


def test_when_a_batch_cannot_be_saved_together_its_activities_go_one_by_one(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved: list[int] = []
    real_add = project_service.add_projects

    def add_projects(session: Session, *, actor: Actor, projects: Sequence[Any]) -> None:
        saved.append(len(projects))
        if len(saved) == 1:  # a conflict with data stored meanwhile
            raise IntegrityError("INSERT INTO project ...", {}, Exception("injected"))
        real_add(session, actor=actor, projects=projects)

    monkeypatch.setattr(project_service, "add_projects", add_projects)
    funder, unrelated, implementer = twin_activities()
    job = run_import(bulk_client, coordinator, iati_file(funder, unrelated, implementer))
    assert batches == [3]
    assert saved == [3, 1, 1, 1]  # together, then each registered alone
    report = by_identifier(job)
    assert {e["outcome"] for e in job["report"]} == {"created"}
    assert [report[a.identifier]["alerts"] for a in (funder, unrelated, implementer)] == [0, 0, 1]
    assert job["counters"]["created"] == 3 and job["counters"]["alerts"] == 1
    ids = [report[a.identifier]["project_id"] for a in (funder, implementer)]
    assert list(stored_alerts(app)) == [pair(*ids)]
    # The organizations the failed save took with it were made again, once.
    assert _organization_codes(app) == {"GB-GOV-1", "XM-DAC-41146"}
    assert None not in _weights(app).values()
    assert len(_announced(app)) == 1


def test_projects_a_dead_run_left_unweighed_are_weighed_and_matched_by_the_next_run(
    app: Flask, bulk_client: FlaskClient, coordinator: Account, batches: list[int]
) -> None:
    funder, unrelated, implementer = twin_activities()
    content = iati_file(funder, unrelated, implementer)
    written = _import_unchecked(app, coordinator, content)
    assert len(written) == 3
    assert all(_weights(app).get(pid) is None for pid in written)  # no row, or unweighed
    assert stored_alerts(app) == {}

    # The job runs again (as ``adam worker`` takes it over): everything is stored already.
    job = run_import(bulk_client, coordinator, content)
    assert batches == [3, 3]
    assert {e["outcome"] for e in job["report"]} == {"unchanged"}
    assert None not in _weights(app).values() and set(_weights(app)) == set(written)
    report = by_identifier(job)
    ids = [report[a.identifier]["project_id"] for a in (funder, implementer)]
    assert list(stored_alerts(app)) == [pair(*ids)]
    assert [report[a.identifier]["alerts"] for a in (funder, unrelated, implementer)] == [0, 0, 1]
    assert job["counters"]["alerts"] == 1
    assert len(_announced(app)) == 1


def test_rows_left_unweighed_are_weighed_and_matched_by_the_next_bulk_import(
    app: Flask, bulk_client: FlaskClient, coordinator: Account, batches: list[int]
) -> None:
    funder, unrelated, implementer = twin_activities()
    first = by_identifier(
        run_import(bulk_client, coordinator, iati_file(funder, unrelated, implementer))
    )
    ids = [first[a.identifier]["project_id"] for a in (funder, implementer)]
    with new_session(app) as session:  # as a run that died before weighing them left them
        session.execute(
            update(ProjectSearch).where(ProjectSearch.project_id.in_(ids)).values(weights=None)
        )
        session.execute(delete(DuplicateAlert))
        session.commit()

    # Another file, another country: the leftovers are weighed and matched all the same.
    other = Act(
        "Z-AF-1",
        countries=["AF"],
        title="Mobile interdiction teams in Herat",
        orgs=[Org("US-GOV-1", "USAID", "1", "10")],
    )
    job = run_import(bulk_client, coordinator, iati_file(other))
    assert batches == [3, 1]
    assert by_identifier(job)["Z-AF-1"]["outcome"] == "created"
    assert None not in _weights(app).values() and len(_weights(app)) == 4
    [(key, alert)] = stored_alerts(app).items()
    assert key == pair(*ids) and alert.raised_by_project_id == ids[1]


# --- Failures inside a batch ---


def test_an_invalid_activity_fails_alone_and_its_organizations_go_with_it(
    app: Flask, bulk_client: FlaskClient, coordinator: Account, batches: list[int]
) -> None:
    fcdo = Org("GB-GOV-1", "Foreign, Commonwealth & Development Office", "1", "10")
    unodc = Org("XM-DAC-41146", "United Nations Office on Drugs and Crime", "4", "40")
    its_own = Org("XX-ONLY-1", "Only the invalid activity names this one", "1", "10")
    shared = Org("XX-SHARED-1", "The invalid activity names this one first", "4", "40")
    first = Act("V-1", orgs=[fcdo, unodc])
    # IATI identifiers have no spaces: the API's schema refuses it, after its organizations
    # were made.
    invalid = Act("V 2", title="Precursor control", orgs=[its_own, shared])
    later = Act("V-3", title="Prison reform in Dushanbe", orgs=[fcdo, shared])
    job = run_import(bulk_client, coordinator, iati_file(first, invalid, later))
    assert batches == [3]
    report = by_identifier(job)
    assert report["V 2"]["outcome"] == "failed" and report["V 2"]["project_id"] is None
    assert report["V 2"]["reason"] == "invalid: iati_identifier: An IATI identifier has no spaces."
    assert report["V-1"]["outcome"] == report["V-3"]["outcome"] == "created"
    assert job["counters"]["created"] == 2 and job["counters"]["failed"] == 1
    assert _organization_codes(app) == {"GB-GOV-1", "XM-DAC-41146", "XX-SHARED-1"}
    projects = _registry(app)["projects"]
    assert set(projects) == {"V-1", "V-3"}
    assert projects["V-3"]["implementers"] == ["XX-SHARED-1"]


def test_an_activity_outside_the_scope_is_skipped_alone_and_its_organizations_go(
    app: Flask, bulk_client: FlaskClient, make_user: Callable[..., Account], batches: list[int]
) -> None:
    focal = make_user("focal_point", country="TJ")
    usaid = Org("US-GOV-1", "USAID", "1", "10")
    ministry = Org("AF-MOI", "Ministry of Interior Affairs of Afghanistan", "4", "10")
    unodc = Org("XM-DAC-41146", "United Nations Office on Drugs and Crime", "4", "40")
    # Refused by the permission check, once its organizations were found, made and read.
    outside = Act("G-AF", countries=["AF"], title="Mobile teams in Herat", orgs=[usaid, ministry])
    inside = Act("G-TJ", orgs=[usaid, unodc])
    job = run_import(bulk_client, focal, iati_file(outside, inside))
    assert batches == [2]
    report = by_identifier(job)
    assert report["G-AF"]["outcome"] == "skipped"
    assert report["G-AF"]["reason"] == (
        "outside your scope: Focal points may only register or edit projects that benefit TJ."
    )
    assert report["G-TJ"]["outcome"] == "created"
    assert _organization_codes(app) == {"US-GOV-1", "XM-DAC-41146"}
    project = _registry(app)["projects"]["G-TJ"]
    assert project["donors"] == ["US-GOV-1"] and project["implementers"] == ["XM-DAC-41146"]


def _run_job(
    app: Flask,
    account: Account,
    content: bytes,
    settings: service.ImportSettings,
    **callbacks: Callable[[int], object],
) -> ImportJob:
    """Queue, claim and run a job in this thread, as the account."""
    with new_session(app) as session:
        user = session.get(User, account.id)
        assert user is not None
        job = service.create_job(
            session,
            actor=Actor.from_user(user),
            filename="a.xml",
            content=content,
            settings=settings,
        ).id
        token = service.claim_job(session, job, lease_seconds=60)
        session.commit()
    assert token
    done = runner.run_job(
        lambda: new_session(app),
        job,
        token=token,
        settings=settings,
        matcher=get_settings(app).matcher,
        **callbacks,
    )
    assert done is not None
    return done


# --- Settings ---


def test_a_file_goes_the_bulk_way_from_bulk_from_activities(
    app: Flask, coordinator: Account, batches: list[int]
) -> None:
    assert import_settings(app).bulk_from == 200  # adam/defaults/default.toml
    settings = service.ImportSettings(bulk_from=3)
    for count, expected in ((2, []), (3, [3])):
        acts = [
            Act(f"W-{count}-{n}", title=f"Border liaison office {count}{n}") for n in range(count)
        ]
        done = _run_job(app, coordinator, iati_file(*acts), settings)
        assert done.created == count
        assert batches == expected
        batches.clear()


@pytest.mark.parametrize("bad", [0, -1, "x", "200", True, 2.5, None])
def test_a_bad_bulk_from_is_refused(bad: Any) -> None:
    with pytest.raises(service.SettingsError, match="IATI_IMPORT_BULK_FROM must be a whole"):
        service.ImportSettings.from_config({"IATI_IMPORT_BULK_FROM": bad})


def test_a_bad_bulk_from_stops_the_app(database_url: str) -> None:
    with pytest.raises(ConfigError, match="IATI_IMPORT_BULK_FROM"):
        create_app({"DATABASE_URL": database_url, "IATI_IMPORT_BULK_FROM": 0})


def test_the_command_shows_the_duplicate_check_of_a_bulk_import(
    bulk_app: Flask, batches: list[int], tmp_path: Path
) -> None:
    # The bar counts the activities, then goes on, relabelled, with the new projects' check.
    path = tmp_path / "twins.xml"
    path.write_bytes(iati_file(*twin_activities()))
    result = bulk_app.test_cli_runner().invoke(
        main, ["import", "iati", str(path)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert batches == [3]
    assert "twins.xml: duplicates" in result.stderr
    assert "3 created" in result.stdout and "1 duplicate alerts raised" in result.stdout


def test_run_job_says_how_many_projects_it_checks_and_counts_them(
    bulk_app: Flask, coordinator: Account, batches: list[int]
) -> None:
    steps: list[tuple[str, int]] = []
    done = _run_job(
        bulk_app,
        coordinator,
        iati_file(*twin_activities()),
        service.ImportSettings(bulk_from=1),
        progress=lambda n: steps.append(("progress", n)),
        checking=lambda n: steps.append(("checking", n)),
    )
    assert done.status == "done"
    # Three activities saved, then three new projects checked.
    assert steps[0] == ("progress", 3)
    assert steps[1] == ("checking", 3)
    assert sum(n for kind, n in steps[2:] if kind == "progress") == 3


def _history_rows(app: Flask) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(ProjectHistory)) or 0


def test_a_file_published_again_is_unchanged_without_a_write_but_its_changes_are_made(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    batches: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one_by_one: list[str | None] = []
    real_import_one = imports._import_one

    def import_one(session: Session, activity: parse.Activity, *args: Any) -> None:
        one_by_one.append(activity.iati_identifier)
        real_import_one(session, activity, *args)

    monkeypatch.setattr(imports, "_import_one", import_one)
    first = [
        Act("U-1"),
        Act("U-2", title="Precursor control laboratory in Dushanbe"),
        Act("U-3", title="Drug demand reduction in Khatlon schools"),
    ]
    created = run_import(bulk_client, coordinator, iati_file(*first))
    assert created["counters"]["created"] == 3
    history = _history_rows(app)

    again = run_import(bulk_client, coordinator, iati_file(*first))
    assert again["counters"]["unchanged"] == 3 and again["counters"]["updated"] == 0
    assert one_by_one == []  # found unchanged in the batch, no update tried
    assert _history_rows(app) == history  # nothing written
    assert {line["project_id"] for line in again["report"]} == {
        line["project_id"] for line in created["report"]
    }

    changed = [
        first[0],
        dataclasses.replace(first[1], title="Precursor control laboratory"),
        first[2],
    ]
    report = by_identifier(run_import(bulk_client, coordinator, iati_file(*changed)))
    assert [report[a.identifier]["outcome"] for a in changed] == [
        "unchanged",
        "updated",
        "unchanged",
    ]
    assert report["U-2"]["reason"] == "changed: title"
    assert one_by_one == ["U-2"]
    assert _history_rows(app) == history + 1


def test_an_unchanged_activity_outside_the_uploaders_scope_is_skipped_as_one_by_one(
    app: Flask,
    bulk_client: FlaskClient,
    coordinator: Account,
    make_user: Any,
    batches: list[int],
) -> None:
    inside = Act("S-TJ", countries=["TJ"])
    outside = Act("S-AF", countries=["AF"], title="Mobile interdiction teams in Herat")
    run_import(bulk_client, coordinator, iati_file(inside, outside))
    focal = make_user("focal_point", country="TJ")
    report = by_identifier(run_import(bulk_client, focal, iati_file(inside, outside)))
    assert report["S-TJ"]["outcome"] == "unchanged"
    assert report["S-AF"]["outcome"] == "skipped"
    assert report["S-AF"]["reason"].startswith("outside your scope")


def test_a_batch_reads_its_countries_themes_and_known_organizations_at_once(
    app: Flask, coordinator: Account, batches: list[int]
) -> None:
    """One statement for the batch's countries, one for its themes, one for the organizations
    an earlier batch resolved; not one each time an activity names a new one."""
    countries = ["TJ", "AF", "KG", "UZ"]
    sectors = [("1", "15190"), ("1", "15210"), ("1", "16063"), ("1", "15130")]
    first = [Act(f"R-1-{n}", title=f"Border liaison office {n}") for n in range(3)]
    second = [
        Act(
            f"R-2-{n}",
            title=f"Mobile interdiction team {n}",
            countries=[countries[n]],
            sectors=[sectors[n]],
        )
        for n in range(4)
    ]
    settings = service.ImportSettings(bulk_from=3)
    _run_job(app, coordinator, iati_file(*first), settings)
    read: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        read.append(" ".join(statement.split()))

    engine = app.extensions["adam.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        done = _run_job(app, coordinator, iati_file(*second), settings)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert done.created == 4 and batches == [3, 4]
    rows_of = Counter(
        table
        for statement in read
        for table in ("country", "theme", "organization")
        if f"FROM {table} " in statement and "WHERE" in statement
    )
    # Each activity names a country and a theme the others do not.
    assert rows_of["country"] == 1 and rows_of["theme"] == 1
    # The two refs, each looked up once by the job, then both rows for the batch at once.
    assert rows_of["organization"] == 3
