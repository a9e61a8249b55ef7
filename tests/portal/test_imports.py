"""The IATI import pages: the upload form, a job's progress and report, the list of jobs."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from adam.app import create_app
from tests.conftest import Account
from tests.iati.import_helpers import JOB_DEADLINE_SECONDS, Act, iati_file
from tests.portal.helpers import csrf_token, sign_in

JOB = re.compile(r"/imports/(\d+)$")


def _upload(
    client: FlaskClient, content: bytes, filename: str = "a.xml", **form: str
) -> TestResponse:
    # Encoded in memory: the test client would spool a large body to a temporary file that
    # it never closes.
    token = csrf_token(client, "/imports/new")
    fields: dict[str, Any] = {
        "csrf_token": token,
        "file": FileStorage(io.BytesIO(content), filename),
        **form,
    }
    boundary, body = encode_multipart(fields)
    return client.post(
        "/imports/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _wait(client: FlaskClient, job_id: int) -> str:
    """Poll the progress fragment, as htmx does, until it stops asking to be polled."""
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while True:
        response = client.get(f"/imports/{job_id}/progress", headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = response.get_data(as_text=True)
        if "hx-trigger" not in fragment:
            return fragment
        assert 'hx-trigger="every 2s"' in fragment and 'hx-swap="outerHTML"' in fragment
        assert time.monotonic() < deadline, f"import job {job_id} still running at the deadline"
        time.sleep(0.02)


def _start(client: FlaskClient, content: bytes, **form: str) -> int:
    response = _upload(client, content, **form)
    assert response.status_code == 303, response.get_data(as_text=True)
    found = JOB.search(response.headers["Location"])
    assert found
    return int(found.group(1))


def test_the_form_offers_a_dropzone_and_themes_in_the_readers_language(
    browser_of: Callable[..., FlaskClient],
) -> None:
    client = browser_of("coordinator")
    html = client.get("/imports/new").get_data(as_text=True)
    assert "data-dropzone" in html and 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html and 'for="default_theme"' in html
    client.post(
        "/language",
        data={
            "csrf_token": csrf_token(client, "/imports/new"),
            "language": "ru",
            "next": "/imports/new",
        },
    )
    html = client.get("/imports/new").get_data(as_text=True)
    assert "Пограничный контроль и управление границами" in html


def test_an_import_runs_and_its_report_links_the_created_projects(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    client = browser_of("coordinator")
    content = iati_file(
        Act("GB-GOV-1-PORTAL-1", title="Border <b>posts</b>"),
        Act("GB-GOV-1-PORTAL-2", countries=["ZZ"]),
    )
    job_id = _start(client, content, publisher_org="gb-fcdo")
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "a.xml" in page and 'id="import-progress"' in page
    fragment = _wait(client, job_id)
    assert "hx-get" not in fragment
    assert re.search(r'data-count="created">1<', fragment), fragment
    assert re.search(r'data-count="skipped">1<', fragment), fragment
    assert 'href="/projects/' in fragment and "GB-GOV-1-PORTAL-1" in fragment
    assert "GB-GOV-1-PORTAL-2" in fragment  # listed among the activities not imported
    # Without JS, the page itself shows the report once the job has ended.
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "hx-trigger" not in page and 'href="/projects/' in page
    # The list has it, and the API agrees on the counts.
    listing = client.get("/imports").get_data(as_text=True)
    assert f"/imports/{job_id}" in listing


def test_a_running_job_is_polled_and_can_be_refreshed_without_js(
    app: Flask, browser_of: Callable[..., FlaskClient], coordinator: Account
) -> None:
    from adam.auth.actor import Actor
    from adam.auth.models import User
    from adam.iati import service
    from adam.session import new_session

    client = browser_of("coordinator")
    with new_session(app) as session:
        actor = Actor.from_user(session.get(User, client.account.id))  # type: ignore[attr-defined]
        job = service.create_job(
            session,
            actor=actor,
            filename="queued.xml",
            content=iati_file(Act("Q-1")),
            settings=service.ImportSettings(),
        )
        session.commit()
        job_id = job.id
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert f'hx-get="/imports/{job_id}/progress"' in page
    assert 'hx-trigger="every 2s"' in page
    assert f'href="/imports/{job_id}"' in page  # the refresh link
    # Someone else's job is not theirs to see (the API answers 404 too).
    other = browser_of("focal_point")
    assert other.get(f"/imports/{job_id}").status_code == 404
    assert f"/imports/{job_id}" not in other.get("/imports").get_data(as_text=True)
    # Staff see everyone's.
    assert f"/imports/{job_id}" in browser_of("admin").get("/imports").get_data(as_text=True)


def test_a_file_that_is_not_iati_xml_is_refused_on_the_form(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    client = browser_of("coordinator")
    response = _upload(client, b"name,budget\nx,1\n", "a.csv", publisher_org="us-inl")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not an IATI activity file" in html
    assert 'value="us-inl"' in html  # what was typed is kept
    assert 'aria-invalid="true"' in html


def test_an_unknown_organisation_or_theme_is_shown_on_the_form_in_russian(
    browser_of: Callable[..., FlaskClient],
) -> None:
    client = browser_of("coordinator")
    client.post(
        "/language",
        data={
            "csrf_token": csrf_token(client, "/imports/new"),
            "language": "ru",
            "next": "/imports/new",
        },
    )
    response = _upload(
        client, iati_file(Act("X-1")), publisher_org="<i>nobody</i>", default_theme="nothing"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "&lt;i&gt;nobody&lt;/i&gt;" in html and "<i>nobody" not in html
    assert "Нет организации" in html


def test_a_file_too_large_is_refused_on_the_form(
    database_url: str, person: Callable[..., Account]
) -> None:
    small = create_app(
        {"ENV": "testing", "DATABASE_URL": database_url, "IATI_IMPORT_MAX_BYTES": 2000}
    )
    try:
        client = small.test_client()
        account = person("coordinator")
        assert sign_in(client, account.email).status_code == 303
        # Within the body's limit, above the file's: refused by the service.
        response = _upload(client, iati_file(*(Act(f"L-{i}") for i in range(5))), publisher_org="x")
        assert response.status_code == 413
        assert "larger than" in response.get_data(as_text=True)
        assert 'value="x"' in response.get_data(as_text=True)
        # Above the body's limit: refused unread, still on the form.
        response = _upload(client, b"<a>" + b" " * 200_000 + b"</a>")
        assert response.status_code == 413
        html = response.get_data(as_text=True)
        assert "larger than" in html and 'type="file"' in html
    finally:
        small.extensions["adam.engine"].dispose()


def test_viewers_may_not_import(browser_of: Callable[..., FlaskClient]) -> None:
    client = browser_of("viewer")
    assert client.get("/imports").status_code == 403
    response = _upload(client, iati_file(Act("V-1")))
    assert response.status_code == 403


def test_markup_in_a_file_name_shows_as_text(browser_of: Callable[..., FlaskClient]) -> None:
    client = browser_of("coordinator")
    response = _upload(client, iati_file(Act("M-1")), filename="<img src=x>.xml")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;img src=x&gt;.xml" in page and "<img src=x>" not in page
    assert "&lt;img src=x&gt;.xml" in client.get("/imports").get_data(as_text=True)
