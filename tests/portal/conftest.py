"""Portal fixtures: people of each role with a password, signed in through the real form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.portal.helpers import PASSWORD, sign_in


@pytest.fixture()
def person(make_user: Callable[..., Account], orgs: dict[str, str]) -> Callable[..., Account]:
    """A user of ``role`` who can sign in with helpers.PASSWORD (focal point: Tajikistan;
    donor: the FCDO)."""

    def make(role: str, **scope: str) -> Account:
        if role == "focal_point":
            scope.setdefault("country", "TJ")
        if role == "donor":
            scope.setdefault("org", orgs["fcdo"])
        return make_user(role, password=PASSWORD, **scope)

    return make


@pytest.fixture()
def browser_of(app: Flask, person: Callable[..., Account]) -> Callable[..., FlaskClient]:
    """A test client signed in as a new person of ``role``."""

    def make(role: str, **scope: str) -> FlaskClient:
        client = app.test_client()
        account = person(role, **scope)
        response = sign_in(client, account.email)
        assert response.status_code == 303, response.get_data(as_text=True)
        client.account = account  # type: ignore[attr-defined]
        return client

    return make
