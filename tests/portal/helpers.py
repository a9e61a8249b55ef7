"""Driving the portal's pages with Flask's test client: forms carry their CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a long test passphrase"


def csrf_token(client: FlaskClient, url: str = "/sign-in") -> str:
    page = client.get(url, follow_redirects=True)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({page.status_code})"
    return found.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, token_from: str | None = None
) -> TestResponse:
    token = csrf_token(client, token_from or url)
    return client.post(url, data={"csrf_token": token, **data})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return post_form(client, "/sign-in", {"email": email, "password": password})
