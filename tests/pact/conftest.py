from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Account


@pytest.fixture()
def focal_tj(make_user: Callable[..., Account]) -> Account:
    return make_user("focal_point", country="TJ")


@pytest.fixture()
def donor(make_user: Callable[..., Account], make_org: Callable[..., str]) -> Account:
    make_org("gb-fcdo", "Foreign, Commonwealth & Development Office", country="GB")
    return make_user("donor", org="gb-fcdo")


@pytest.fixture()
def viewer(make_user: Callable[..., Account]) -> Account:
    return make_user("viewer")
