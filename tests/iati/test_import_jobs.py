"""Import jobs outside the request: claims (one runner per job), leases, the worker, settings."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.cli import main
from adam.iati import runner, service
from adam.iati.models import ImportJob, ImportStatus
from adam.projects.models import Project
from adam.session import get_settings, new_session
from tests.conftest import Account
from tests.iati.import_helpers import Act, iati_file

SETTINGS = service.ImportSettings()


def _queue(app: Flask, account: Account, content: bytes, **options: Any) -> int:
    """A job as the upload leaves it: stored and queued, run by nobody yet."""
    with new_session(app) as session:
        actor = Actor.from_user(session.get(User, account.id))
        job = service.create_job(
            session, actor=actor, filename="a.xml", content=content, settings=SETTINGS, **options
        )
        session.commit()
        return job.id


def _job(app: Flask, job_id: int) -> ImportJob:
    with new_session(app) as session:
        return session.get(ImportJob, job_id)


def _run(app: Flask, job_id: int, token: str, **kwargs: Any) -> ImportJob | None:
    return runner.run_job(
        lambda: new_session(app),
        job_id,
        token=token,
        settings=kwargs.pop("settings", SETTINGS),
        matcher=get_settings(app).matcher,
        **kwargs,
    )


def _claim(app: Flask, job_id: int) -> str | None:
    with new_session(app) as session:
        token = service.claim_job(session, job_id, lease_seconds=60)
        session.commit()
        return token


def _identifiers(app: Flask) -> set[str | None]:
    with new_session(app) as session:
        return set(session.scalars(select(Project.iati_identifier)))


def test_concurrent_claims_of_one_job_give_it_to_one_runner(
    app: Flask, coordinator: Account
) -> None:
    job_id = _queue(app, coordinator, iati_file(Act("K-1")))
    start = threading.Barrier(4)
    tokens: list[str | None] = []

    def claim() -> None:
        start.wait()
        tokens.append(_claim(app, job_id))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 4
    [token] = [t for t in tokens if t is not None]
    job = _job(app, job_id)
    assert job.status == ImportStatus.RUNNING and job.claim_token == token and job.attempts == 1


def test_the_worker_runs_queued_jobs_and_takes_over_expired_leases(
    app: Flask, coordinator: Account
) -> None:
    queued = _queue(app, coordinator, iati_file(Act("L-1")))
    abandoned = _queue(app, coordinator, iati_file(Act("L-2")))
    held = _queue(app, coordinator, iati_file(Act("L-3")))
    dead_token = _claim(app, abandoned)
    live_token = _claim(app, held)
    assert dead_token and live_token
    with new_session(app) as session:  # the runner of "abandoned" died a while ago
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == abandoned)
            .values(lease_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()

    result = app.test_cli_runner().invoke(main, ["worker", "--once"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert _job(app, queued).status == ImportStatus.DONE
    taken_over = _job(app, abandoned)
    assert taken_over.status == ImportStatus.DONE and taken_over.attempts == 2
    assert _job(app, held).status == ImportStatus.RUNNING  # its runner is alive: left alone
    assert _identifiers(app) == {"L-1", "L-2"}
    # The first runner comes back to life: its token is gone, so it writes nothing.
    assert _run(app, abandoned, dead_token) is None
    assert _job(app, abandoned).counters() == taken_over.counters()


def test_progress_is_saved_while_the_job_runs(app: Flask, coordinator: Account) -> None:
    job_id = _queue(app, coordinator, iati_file(*(Act(f"M-{n}") for n in range(5))))
    token = _claim(app, job_id)
    assert token
    seen: list[tuple[str, int]] = []

    def look(_step: int) -> None:
        job = _job(app, job_id)  # what a poll sees, from another session
        seen.append((job.status, job.processed))

    settings = service.ImportSettings(progress_every=1, progress_seconds=3600)
    job = _run(app, job_id, token, settings=settings, progress=look)
    assert seen == [("running", n) for n in range(5)]
    assert job is not None and job.status == ImportStatus.DONE and job.processed == 5
    assert job.claim_token is None and job.lease_until is None and job.finished_at is not None


def test_a_job_whose_uploader_was_deactivated_fails_and_imports_nothing(
    app: Flask, make_user: Any
) -> None:
    focal = make_user("focal_point", country="TJ")
    job_id = _queue(app, focal, iati_file(Act("N-1")))
    with new_session(app) as session:
        session.get(User, focal.id).is_active = False
        session.commit()
    token = _claim(app, job_id)
    assert token
    job = _run(app, job_id, token)
    assert job is not None and job.status == ImportStatus.FAILED
    assert job.error == (
        "The account that uploaded the file is no longer active; nothing was imported."
    )
    assert _identifiers(app) == set()


def test_import_countries_narrow_the_scope(app: Flask, coordinator: Account) -> None:
    job_id = _queue(app, coordinator, iati_file(Act("P-TJ"), Act("P-AF", countries=["AF"])))
    token = _claim(app, job_id)
    assert token
    settings = service.ImportSettings(countries=frozenset({"TJ", "KG"}))
    job = _run(app, job_id, token, settings=settings)
    assert job is not None
    outcomes = {e["iati_identifier"]: (e["outcome"], e["reason"]) for e in job.report}
    assert outcomes == {
        "P-TJ": ("created", None),
        "P-AF": (
            "skipped",
            "no recipient country in scope (countries unknown or out of scope: AF)",
        ),
    }


def test_the_command_line_account_is_a_coordinator_nobody_signs_in_as(app: Flask) -> None:
    with new_session(app) as session:
        actor = service.system_actor(session)
        again = service.system_actor(session)
        session.commit()
        user = session.get(User, actor.user_id)
        assert actor == again and actor.role == Role.COORDINATOR
        assert user is not None and not user.is_active


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"IATI_IMPORT_MAX_BYTES": 0}, "IATI_IMPORT_MAX_BYTES must be a positive number"),
        ({"IATI_IMPORT_LEASE_SECONDS": "soon"}, "IATI_IMPORT_LEASE_SECONDS must be a positive"),
        ({"IATI_IMPORT_COUNTRIES": ["TJ", "QQ"]}, "names unknown countries: ['QQ']"),
        ({"IATI_IMPORT_COUNTRIES": 7}, "must list ISO codes"),
    ],
)
def test_bad_settings_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(service.SettingsError, match=message.replace("[", r"\[")):
        service.ImportSettings.from_config(config)


def test_settings_read_from_configuration() -> None:
    settings = service.ImportSettings.from_config(
        {"IATI_IMPORT_MAX_BYTES": 1000, "IATI_IMPORT_COUNTRIES": "tj, af"}
    )
    assert settings.max_bytes == 1000 and settings.countries == frozenset({"TJ", "AF"})


def test_drain_waits_for_every_job_handed_over_before_it() -> None:
    from adam.iati import background

    release = threading.Event()
    finished: list[str] = []

    def job() -> None:
        release.wait(30)
        finished.append("job")

    background._pool().submit(job)
    drained = threading.Thread(target=lambda: (background.drain(), finished.append("drain")))
    drained.start()
    assert drained.is_alive()  # it cannot pass its barrier while the job holds a thread
    release.set()
    drained.join(60)
    assert finished == ["job", "drain"]
