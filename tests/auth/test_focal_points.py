"""A country's focal points: the active users with that role whose scope is the country."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from adam.auth import service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.session import new_session
from tests.conftest import Account


def _actor(app: Flask, account: Account) -> Actor:
    with new_session(app) as session:
        user = session.get(User, account.id)
        assert user is not None
        return Actor.from_user(user)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_reader_gets_the_active_focal_points_of_the_country(
    app: Flask, make_user: Callable[..., Account], orgs: dict[str, str], role: str
) -> None:
    make_user("focal_point", country="TJ", email="zarina@example.org")
    make_user("focal_point", country="TJ", org=orgs["dca"], email="anvar@example.org")
    make_user("focal_point", org=orgs["dca"], email="org.only@example.org")
    make_user("focal_point", country="KZ", email="kazakh@example.org")
    make_user("coordinator", email="coordinator@example.org")
    former = make_user("focal_point", country="TJ", email="former@example.org")
    admin = _actor(app, make_user("admin"))
    with new_session(app) as session:
        service.set_user_active(session, former.id, active=False, actor=admin)
        session.commit()
    scope = {"focal_point": {"country": "AF"}, "donor": {"org": orgs["fcdo"]}}.get(role, {})
    actor = _actor(app, make_user(role, **scope))
    with new_session(app) as session:
        found = service.focal_points(session, country_code="tj", actor=actor)
        assert [u.email for u in found] == ["anvar@example.org", "zarina@example.org"]
        assert found[0].organization is not None and found[0].organization.code == "tj-dca"
        assert service.focal_points(session, country_code="UZ", actor=actor) == []
