"""Documents across the projects of a country: live documents of live projects, newest first,
paged, for every reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.documents import service
from adam.session import new_session
from tests.conftest import Account
from tests.documents.conftest import Upload


def _actor(app: Flask, account: Account) -> Actor:
    with new_session(app) as session:
        user = session.get(User, account.id)
        assert user is not None
        return Actor.from_user(user)


def _titles(app: Flask, actor: Actor, code: str, **paging: int) -> tuple[list[str], int]:
    with new_session(app) as session:
        found, total = service.documents_of_country(session, code, actor=actor, **paging)
        return [f"{d.project_code}: {d.document.title}" for d in found], total


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_live_documents_of_the_countrys_live_projects_newest_first(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    register: Callable[..., dict[str, Any]],
    project: dict[str, Any],
    upload: Upload,
    role: str,
) -> None:
    both = register(countries=["TJ", "AF"], title="Joint border posts")
    elsewhere = register(countries=["KZ"], title="Kazakh customs")
    closing = register(countries=["TJ"], title="To be withdrawn")
    assert upload(title="Evaluation").status_code == 201  # the fixture's project, in TJ
    assert upload(project_id=both["id"], title="Assessment").status_code == 201
    assert upload(project_id=elsewhere["id"], title="Customs report").status_code == 201
    assert upload(project_id=closing["id"], title="Annex").status_code == 201
    draft = upload(title="Draft")
    assert draft.status_code == 201
    # A withdrawn document, and every document of a withdrawn project, leave the list.
    withdrawn = client.delete(draft.headers["Location"], headers=coordinator.headers)
    assert withdrawn.status_code == 204
    gone = client.delete(f"/api/v1/projects/{closing['id']}", headers=coordinator.headers)
    assert gone.status_code == 204

    scope = {"focal_point": {"country": "AF"}, "donor": {"org": "us-inl"}}.get(role, {})
    actor = _actor(app, make_user(role, **scope))
    assert _titles(app, actor, "TJ") == (
        [f"{both['code']}: Assessment", f"{project['code']}: Evaluation"],
        2,
    )
    assert _titles(app, actor, "af") == ([f"{both['code']}: Assessment"], 1)
    assert _titles(app, actor, "UZ") == ([], 0)


def test_documents_are_paged(app: Flask, make_user: Callable[..., Account], upload: Upload) -> None:
    for n in range(5):
        assert upload(title=f"Report {n}").status_code == 201
    actor = _actor(app, make_user("viewer"))
    first, total = _titles(app, actor, "TJ", page=1, per_page=2)
    last, _ = _titles(app, actor, "TJ", page=3, per_page=2)
    assert total == 5
    assert [t.split(": ")[1] for t in first] == ["Report 4", "Report 3"]
    assert [t.split(": ")[1] for t in last] == ["Report 0"]
