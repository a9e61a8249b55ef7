"""Administrators manage accounts from pages, by the rules of the API's /users routes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adam.auth.models import Role, User
from adam.session import new_session
from tests.portal.helpers import post_form, sign_in

NEW = "/admin/users/new"


def _user(app: Flask, email: str) -> User | None:
    with new_session(app) as session:
        user = session.query(User).filter(User.email == email).one_or_none()
        if user is not None:
            session.expunge(user)
        return user


@pytest.mark.parametrize("role", ["coordinator", "focal_point", "donor", "viewer"])
def test_non_admins_get_403_pages(browser_of: Callable[..., FlaskClient], role: str) -> None:
    browser = browser_of(role)
    for url in ("/admin/users", NEW, "/admin/users/1"):
        response = browser.get(url)
        assert response.status_code == 403, url
        assert "text/html" in response.content_type
    token_page = "/account/password"
    assert (
        post_form(
            browser, "/admin/users/1/active", {"active": "0"}, token_from=token_page
        ).status_code
        == 403
    )


def test_admin_lists_people_with_role_labels_and_escapes_names(
    app: Flask, browser_of: Callable[..., FlaskClient], person: Callable
) -> None:
    browser = browser_of("admin")
    post_form(
        browser,
        NEW,
        {
            "email": "mark@example.org",
            "name": "<b>Bold</b>",
            "role": "viewer",
            "password": "x" * 12,
        },
    )
    page = browser.get("/admin/users").get_data(as_text=True)
    assert "mark@example.org" in page and "Viewer" in page and "Administrator" in page
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_admin_creates_a_focal_point_who_can_sign_in(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("admin")
    response = post_form(
        browser,
        NEW,
        {
            "email": "New.FP@example.org",
            "name": "New FP",
            "role": "focal_point",
            "country": "TJ",
            "organization": "",
            "password": "a fine first password",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    user = _user(app, "new.fp@example.org")
    assert user is not None and user.role == Role.FOCAL_POINT and user.country_code == "TJ"
    assert (
        sign_in(app.test_client(), "new.fp@example.org", "a fine first password").status_code == 303
    )


def test_errors_stand_beside_their_fields_and_the_form_keeps_what_was_typed(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("admin")
    response = post_form(
        browser,
        NEW,
        {"email": "donor@example.org", "name": "Kept Name", "role": "donor", "password": "short"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="password-errors"' in page and 'value="Kept Name"' in page
    assert 'value="donor@example.org"' in page and 'value="donor" selected' in page

    response = post_form(
        browser,
        NEW,
        {"email": "donor@example.org", "role": "donor", "password": "a fine first password"},
    )
    assert response.status_code == 422
    assert 'id="organization-errors"' in response.get_data(as_text=True)
    assert _user(app, "donor@example.org") is None

    taken = browser.account.email  # type: ignore[attr-defined]
    response = post_form(browser, NEW, {"email": taken, "role": "viewer"})
    assert response.status_code == 422
    assert 'id="email-errors"' in response.get_data(as_text=True)


def test_admin_changes_role_and_scope_by_the_creation_rules(
    app: Flask, browser_of: Callable[..., FlaskClient], person: Callable, orgs: dict
) -> None:
    browser = browser_of("admin")
    viewer = person("viewer")
    url = f"/admin/users/{viewer.id}"
    refused = post_form(browser, url, {"name": "Still", "role": "donor", "organization": "nobody"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="organization-errors"' in page and 'value="nobody"' in page
    user = _user(app, viewer.email)
    assert user is not None and user.role == Role.VIEWER

    done = post_form(browser, url, {"name": "Jo", "role": "donor", "organization": orgs["fcdo"]})
    assert done.status_code == 303
    user = _user(app, viewer.email)
    assert user is not None and (user.role, user.name) == (Role.DONOR, "Jo")
    assert user.organization_id is not None


def test_deactivation_signs_the_person_out_and_reactivation_lets_them_back(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    admin = browser_of("admin")
    member = browser_of("viewer")
    member_id = member.account.id  # type: ignore[attr-defined]
    assert member.get("/projects").status_code == 200
    response = post_form(
        admin, f"/admin/users/{member_id}/active", {"active": "0"}, token_from="/admin/users"
    )
    assert response.status_code == 303
    assert member.get("/projects").status_code in (302, 303)
    assert "No" in admin.get("/admin/users").get_data(as_text=True)
    email = member.account.email  # type: ignore[attr-defined]
    assert sign_in(app.test_client(), email).status_code == 401
    post_form(admin, f"/admin/users/{member_id}/active", {"active": "1"}, token_from="/admin/users")
    assert sign_in(app.test_client(), email).status_code == 303


def test_a_reactivated_account_signs_no_old_browser_in_again(
    client: FlaskClient, admin: object, browser_of: Callable[..., FlaskClient]
) -> None:
    """Deactivation ends the person's sessions on the server, not only at their next visit:
    a lost laptop stays signed out when the account comes back."""
    member = browser_of("viewer")
    member_id = member.account.id  # type: ignore[attr-defined]
    headers = admin.headers  # type: ignore[attr-defined]
    off = client.patch(f"/api/v1/users/{member_id}", json={"is_active": False}, headers=headers)
    assert off.status_code == 200
    on = client.patch(f"/api/v1/users/{member_id}", json={"is_active": True}, headers=headers)
    assert on.status_code == 200
    assert member.get("/projects").status_code == 302


def test_an_administrator_cannot_lock_themselves_out(
    browser_of: Callable[..., FlaskClient],
) -> None:
    admin = browser_of("admin")
    own = admin.account.id  # type: ignore[attr-defined]
    response = post_form(
        admin, f"/admin/users/{own}/active", {"active": "0"}, token_from="/admin/users"
    )
    assert response.status_code in (303, 422)
    assert admin.get("/admin/users").status_code == 200  # still signed in, still an admin
