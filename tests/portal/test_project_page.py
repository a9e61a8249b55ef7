"""One project's page: its fields with names, documents and pictures, uploads, history,
duplicate alerts, and withdrawal and restoration by the roles that may."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from adam.session import get_settings
from tests.conftest import Account
from tests.portal.helpers import csrf_token, post_form
from tests.settings_helpers import replace_settings

TWIN_TITLE = "Strengthening border liaison offices, Tajik-Afghan border"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    for x in range(0, size[0], 5):
        image.putpixel((x, x * size[1] // size[0]), (250, 250, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(
    browser: FlaskClient,
    project_id: int,
    data: bytes,
    filename: str,
    *,
    title: str = "Inception report",
    category: str = "A07",
    language: str = "en",
) -> TestResponse:
    page = f"/projects/{project_id}"
    return browser.post(
        f"{page}/documents",
        data={
            "csrf_token": csrf_token(browser, page),
            "file": (io.BytesIO(data), filename),
            "title": title,
            "category": category,
            "language": language,
        },
        content_type="multipart/form-data",
    )


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def test_the_page_shows_every_field_with_names_beside_codes(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register(
        iati_identifier="GB-GOV-1-300123",
        language="en",
        contact={"name": "Aziz Karimov", "email": "aziz@example.org"},
    )
    page = browser_of("viewer").get(f"/projects/{project['id']}")
    assert page.status_code == 200
    text = html(page)
    for shown in (
        project["code"],
        "Border liaison offices on the Tajik-Afghan border",
        "Equipment and training for three border liaison offices.",
        "Implementation",
        "Tajikistan",
        ">TJ<",
        "Border control and management",
        "Regional initiatives",
        "Foreign, Commonwealth &amp; Development Office",
        "gb-fcdo",
        "United Nations Office on Drugs and Crime",
        "March 1, 2025",
        "June 30, 2026",
        "$1,250,000.00",
        "English",
        "GB-GOV-1-300123",
        "Aziz Karimov",
        "mailto:aziz@example.org",
        "Version",
    ):
        assert shown in text, shown
    # A viewer may change nothing and sees no alerts.
    assert "Withdraw" not in text and "/edit" not in text and 'name="file"' not in text
    assert "Possible duplicates" not in text


def test_russian_names_with_accept_language_ru(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    page = browser_of("coordinator").get(
        f"/projects/{project['id']}", headers={"Accept-Language": "ru"}
    )
    text = html(page)
    assert '<html lang="ru">' in text
    for shown in (
        "Таджикистан",
        "Пограничный контроль и управление границами",
        "Региональные инициативы",
        "английский",
        "Бюджет",
        "Отозвать",
    ):
        assert shown in text, shown
    assert "1\xa0250\xa0000,00\xa0$" in text
    assert "Implementation" not in text and "Tajikistan" not in text


def test_markup_in_user_data_is_shown_as_text(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register(title=SCRIPT, description=IMG)
    browser = browser_of("coordinator")
    kept = upload(browser, project["id"], b"plain notes\n", f"{SCRIPT}.txt", title=IMG)
    assert kept.status_code == 303, html(kept)
    text = html(browser.get(f"/projects/{project['id']}"))
    assert SCRIPT not in text and IMG not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "onerror=alert" not in text.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_a_document_uploaded_from_the_page_downloads_with_its_bytes(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    browser = browser_of("focal_point")
    data = b"Budget notes, Q1\nline two\n"
    kept = upload(browser, project["id"], data, "notes.txt", title="Budget notes", category="A05")
    assert kept.status_code == 303
    assert kept.headers["Location"] == f"/projects/{project['id']}"
    page = html(browser.get(kept.headers["Location"]))
    assert "“Budget notes” is kept with the project." in page
    assert "Budget notes" in page and "A05" in page and "Budget" in page
    link = re.search(r'href="(/projects/\d+/documents/\d+/content)" download>notes.txt<', page)
    assert link, page
    download = browser.get(link.group(1), buffered=True)
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "text/plain"
    assert download.headers["Content-Disposition"].startswith("attachment")
    # The same through the API, which needs a token.
    assert browser.get(f"/api/v1{link.group(1)}", buffered=True).status_code == 401


def test_a_picture_shows_as_a_thumbnail_linking_to_the_picture(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    browser = browser_of("coordinator")
    picture = png()
    assert upload(browser, project["id"], picture, "site.png", title="The site").status_code == 303
    page = html(browser.get(f"/projects/{project['id']}"))
    found = re.search(
        r'<a href="(/projects/\d+/documents/\d+/content)" data-large>\s*'
        r'<img src="(/projects/\d+/documents/\d+/thumbnail)" alt="The site"',
        page,
    )
    assert found, page
    thumbnail = browser.get(found.group(2), buffered=True)
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    small = Image.open(io.BytesIO(thumbnail.data))
    assert max(small.size) <= 320
    large = browser.get(found.group(1), buffered=True)
    assert large.status_code == 200 and large.mimetype == "image/png"
    assert Image.open(io.BytesIO(large.data)).size == (400, 300)
    assert "project_page.js" in page and "<dialog" in page


def test_refused_uploads_are_explained_on_the_page(
    app: Flask, browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    browser = browser_of("coordinator")
    refused = upload(browser, project["id"], b"\x7fELF\x02\x01\x01" + b"\0" * 200, "tool.bin")
    assert refused.status_code == 415
    assert "Files of this type are not accepted" in html(refused)
    assert 'aria-invalid="true"' in html(refused)
    in_russian = browser.post(
        f"/projects/{project['id']}/documents",
        data={
            "csrf_token": csrf_token(browser, f"/projects/{project['id']}"),
            "file": (io.BytesIO(b"x"), "a.txt"),
            "title": "",
            "category": "A01",
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": "ru"},
    )
    assert in_russian.status_code == 422
    assert "Дайте документу название" in html(in_russian)
    settings = get_settings(app)
    replace_settings(app, uploads=dataclasses.replace(settings.uploads, max_bytes=2000))
    just_over = upload(browser, project["id"], b"a" * 2001, "big.txt", title="Big")
    assert just_over.status_code == 413
    assert "The file is larger than" in html(just_over)
    far_over = upload(browser, project["id"], b"a" * 200_000, "huge.txt", title="Huge")
    assert far_over.status_code == 413
    assert "The file is larger than" in html(far_over) and 'name="file"' in html(far_over)
    assert "No documents yet." in html(browser.get(f"/projects/{project['id']}"))


def test_the_history_shows_an_edit(
    client: FlaskClient,
    coordinator: Account,
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
) -> None:
    project = register()
    edited = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"title": "Border offices, second phase", "status": "closed"},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    text = html(browser_of("viewer").get(f"/projects/{project['id']}"))
    history = text[text.index('id="history-heading"') :]
    assert "Changed" in history and "Registered" in history and "Coordinator" in history
    assert (
        "Title</span>: <del>Border liaison offices on the Tajik-Afghan border</del> → "
        "<ins>Border offices, second phase</ins>"
    ) in history
    assert "Status</span>: <del>Implementation</del> → <ins>Closed</ins>" in history


def test_duplicate_alerts_are_listed_with_the_other_project(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(title=TWIN_TITLE)
    alert_id = second["possible_duplicates"][0]["alert_id"]
    text = html(browser_of("focal_point").get(f"/projects/{first['id']}"))
    alerts = text[text.index('id="alerts-heading"') : text.index('id="history-heading"')]
    assert f'href="/projects/{second["id"]}">{second["code"]}</a>' in alerts
    assert TWIN_TITLE in alerts and "Open" in alerts
    assert f'href="/alerts/{alert_id}"' in alerts
    # A focal point of another country sees no alert touching Tajikistan only.
    other = html(browser_of("focal_point", country="AF").get(f"/projects/{first['id']}"))
    assert f'href="/alerts/{alert_id}"' not in other and "No alerts about this project." in other


def test_withdraw_by_the_countrys_focal_point_then_restore_by_a_coordinator(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    url = f"/projects/{project['id']}"
    focal = browser_of("focal_point")
    page = html(focal.get(url))
    assert "Withdraw" in page and f'href="{url}/edit"' in page and "Restore" not in page
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version
    done = post_form(
        focal, f"{url}/withdraw", {"expected_version": version.group(1)}, token_from=url
    )
    assert done.status_code == 303 and done.headers["Location"] == url
    assert focal.get(url).status_code == 404  # hidden from all but staff
    coordinator = browser_of("coordinator")
    page = html(coordinator.get(url))
    assert "This project is withdrawn" in page and "Restore" in page
    assert ">Withdraw<" not in page and f'href="{url}/edit"' not in page
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version
    back = post_form(
        coordinator, f"{url}/restore", {"expected_version": version.group(1)}, token_from=url
    )
    assert back.status_code == 303
    page = html(coordinator.get(url))
    assert "The project is restored." in page and "This project is withdrawn" not in page
    history = page[page.index('id="history-heading"') :]
    assert "Withdrawn" in history and "Restored" in history
    assert focal.get(url).status_code == 200


def test_a_focal_point_of_another_country_may_not_withdraw(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    url = f"/projects/{project['id']}"
    other = browser_of("focal_point", country="AF")
    page = html(other.get(url))
    assert ">Withdraw<" not in page and "/edit" not in page and 'name="file"' not in page
    refused = post_form(other, f"{url}/withdraw", {"expected_version": "1"}, token_from=url)
    assert refused.status_code == 403
    assert "You may not do this." in html(refused)
    assert other.get(url).status_code == 200
    restore = post_form(other, f"{url}/restore", {}, token_from=url)
    assert restore.status_code == 403


def test_a_stale_withdraw_is_refused_with_412(
    client: FlaskClient,
    coordinator: Account,
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
) -> None:
    project = register()
    url = f"/projects/{project['id']}"
    browser = browser_of("coordinator")
    token = csrf_token(browser, url)
    edited = client.patch(
        f"/api/v1{url}",
        json={"title": "Changed meanwhile"},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert edited.status_code == 200
    stale = browser.post(f"{url}/withdraw", data={"csrf_token": token, "expected_version": "1"})
    assert stale.status_code == 412
    assert "Someone changed this meanwhile." in html(stale)
    assert "This project is withdrawn" not in html(browser.get(url))


def test_an_unknown_project_is_a_404_page_and_writes_need_the_csrf_token(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    browser = browser_of("coordinator")
    missing = browser.get("/projects/999999")
    assert missing.status_code == 404 and "This page does not exist." in html(missing)
    project = register()
    forged = browser.post(f"/projects/{project['id']}/withdraw", data={"expected_version": "1"})
    assert forged.status_code == 400
    assert browser.get(f"/projects/{project['id']}").status_code == 200


def test_an_odd_version_digit_is_not_a_500(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    browser = browser_of("coordinator")
    response = post_form(
        browser,
        f"/projects/{project['id']}/withdraw",
        {"expected_version": "²"},
        token_from=f"/projects/{project['id']}",
    )
    assert response.status_code < 500
