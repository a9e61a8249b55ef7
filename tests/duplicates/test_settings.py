"""The matcher's settings: DUPLICATE_* configuration, checked when the app starts.

``BASE`` is what adam/defaults/default.toml sets; the unit tests below add one value at a
time to it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from adam.app import create_app
from adam.config import ConfigError
from adam.duplicates.candidates import Limits
from adam.duplicates.settings import MatcherSettings, SettingsError
from adam.matching.config import DEFAULT_WEIGHTS, Weights
from adam.session import get_settings
from tests.conftest import Account, project_body
from tests.duplicates.conftest import TWIN_TITLE, UNRELATED, listed, stored_alerts

BASE: dict[str, Any] = {
    "DUPLICATE_WEIGHTS": {},
    "DUPLICATE_DATE_GAP_DAYS": 365,
    "DUPLICATE_CANDIDATES_BY_WORDS": 150,
    "DUPLICATE_CANDIDATES_BY_ORGANIZATION": 100,
}


# --- MatcherSettings.from_config ---


def test_defaults() -> None:
    settings = MatcherSettings.from_config(BASE)
    assert settings.weights == DEFAULT_WEIGHTS
    assert settings.threshold == DEFAULT_WEIGHTS.threshold
    assert settings.limits == Limits(date_gap_days=365, by_words=150, by_organization=100)


def test_missing_limits_fall_back_to_their_defaults() -> None:
    settings = MatcherSettings.from_config({})
    assert settings.limits == Limits()
    assert settings.weights == DEFAULT_WEIGHTS


def test_threshold_and_weights_override_the_defaults() -> None:
    settings = MatcherSettings.from_config(
        {
            **BASE,
            "DUPLICATE_THRESHOLD": 55,
            "DUPLICATE_WEIGHTS": {"shared_org": 2.5, "title": 3},
            "DUPLICATE_DATE_GAP_DAYS": 0,
        }
    )
    assert settings.threshold == 55.0
    assert settings.weights == dataclasses.replace(
        DEFAULT_WEIGHTS, shared_org=2.5, title=3.0, threshold=55.0
    )
    assert settings.limits.date_gap_days == 0


@pytest.mark.parametrize("threshold", [0, 0.0, 100, 42.5])
def test_threshold_bounds_are_inclusive(threshold: float) -> None:
    assert MatcherSettings.from_config({**BASE, "DUPLICATE_THRESHOLD": threshold}).threshold == (
        threshold
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"DUPLICATE_WEIGHTS": {"titel": 2.0}}, "unknown weights ['titel']"),
        ({"DUPLICATE_WEIGHTS": {"title": 1, "x": 1, "y": 1}}, "['x', 'y']"),
        ({"DUPLICATE_WEIGHTS": {"title": "high"}}, "title must be a number"),
        ({"DUPLICATE_WEIGHTS": {"title": None}}, "title must be a number"),
        ({"DUPLICATE_WEIGHTS": {"title": True}}, "title must be a number"),
        ({"DUPLICATE_WEIGHTS": {"title": [2]}}, "title must be a number"),
        ({"DUPLICATE_THRESHOLD": "50"}, "threshold must be a number"),
        ({"DUPLICATE_THRESHOLD": False}, "threshold must be a number"),
        ({"DUPLICATE_THRESHOLD": -0.1}, "between 0 and 100"),
        ({"DUPLICATE_THRESHOLD": 100.5}, "between 0 and 100"),
        ({"DUPLICATE_THRESHOLD": math.nan}, "threshold must be a number (finite)"),
        ({"DUPLICATE_WEIGHTS": {"threshold": 150}}, "between 0 and 100"),
        ({"DUPLICATE_DATE_GAP_DAYS": -1}, "DUPLICATE_DATE_GAP_DAYS"),
        ({"DUPLICATE_DATE_GAP_DAYS": 1.5}, "DUPLICATE_DATE_GAP_DAYS"),
        ({"DUPLICATE_DATE_GAP_DAYS": "365"}, "DUPLICATE_DATE_GAP_DAYS"),
        ({"DUPLICATE_CANDIDATES_BY_WORDS": True}, "DUPLICATE_CANDIDATES_BY_WORDS"),
        ({"DUPLICATE_CANDIDATES_BY_ORGANIZATION": -5}, "DUPLICATE_CANDIDATES_BY_ORGANIZATION"),
    ],
)
def test_bad_values_are_settings_errors_naming_them(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        MatcherSettings.from_config({**BASE, **config})
    assert message in str(raised.value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_weights_are_settings_errors(value: float) -> None:
    with pytest.raises(SettingsError):
        MatcherSettings.from_config({**BASE, "DUPLICATE_WEIGHTS": {"bias": value}})


@pytest.mark.parametrize("weights", ["title", [1, 2], 5])
def test_weights_that_are_not_a_table_are_settings_errors(weights: Any) -> None:
    with pytest.raises(SettingsError):
        MatcherSettings.from_config({**BASE, "DUPLICATE_WEIGHTS": weights})


def test_every_weight_name_is_accepted() -> None:
    names = [f.name for f in dataclasses.fields(Weights)]
    overrides = {name: 1.0 for name in names if name != "threshold"}
    settings = MatcherSettings.from_config({**BASE, "DUPLICATE_WEIGHTS": overrides})
    assert all(getattr(settings.weights, n) == 1.0 for n in overrides)


# --- create_app ---


@pytest.mark.parametrize(
    "overrides",
    [
        {"DUPLICATE_WEIGHTS": {"nonsense": 1.0}},
        {"DUPLICATE_WEIGHTS": {"title": "2"}},
        {"DUPLICATE_THRESHOLD": 101},
        {"DUPLICATE_DATE_GAP_DAYS": -1},
    ],
)
def test_create_app_refuses_bad_matcher_settings(overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", **overrides})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADAM_DUPLICATE_WEIGHTS", '{"nonsense": 1}'),
        ("ADAM_DUPLICATE_WEIGHTS", '{"title": "high"}'),
        ("ADAM_DUPLICATE_THRESHOLD", "high"),
        ("ADAM_DUPLICATE_THRESHOLD", "250"),
        ("ADAM_DUPLICATE_DATE_GAP_DAYS", "-3"),
    ],
)
def test_bad_environment_variable_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})


def test_weights_variable_that_is_not_a_table_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADAM_DUPLICATE_WEIGHTS", "[1, 2]")
    with pytest.raises(ConfigError):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})


def test_environment_sets_threshold_and_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAM_DUPLICATE_THRESHOLD", "62.5")
    monkeypatch.setenv("ADAM_DUPLICATE_WEIGHTS", '{"shared_org": 2.5}')
    settings = get_settings(create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})).matcher
    assert settings.threshold == 62.5 and settings.weights.shared_org == 2.5


# --- Configured settings decide what is alerted ---


@pytest.fixture()
def configured(database_url: str, app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database with DUPLICATE_* overrides (``app`` empties it after)."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        application = create_app({"ENV": "testing", "DATABASE_URL": database_url, **overrides})
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["adam.engine"].dispose()


def _post(application: Flask, account: Account, **overrides: Any) -> dict[str, Any]:
    response = application.test_client().post(
        "/api/v1/projects", json=project_body(**overrides), headers=account.headers
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_threshold_of_100_alerts_no_near_duplicate(
    app: Flask, configured: Callable[..., Flask], orgs: dict[str, str], coordinator: Account
) -> None:
    strict = configured(DUPLICATE_THRESHOLD=100)
    first = _post(strict, coordinator)
    twin = _post(strict, coordinator, title=TWIN_TITLE)
    assert twin["possible_duplicates"] == [] and stored_alerts(app) == {}

    # The same pair on the default settings is a duplicate (below 100, above the default).
    again = _post(app, coordinator, title=TWIN_TITLE)
    scores = {d["project"]["id"]: d["score"] for d in again["possible_duplicates"]}
    assert set(scores) == {first["id"], twin["id"]}
    assert all(get_settings(app).matcher.threshold <= s < 100 for s in scores.values())


def test_a_threshold_of_0_alerts_every_candidate(
    app: Flask, configured: Callable[..., Flask], orgs: dict[str, str], coordinator: Account
) -> None:
    """Even a shared implementer with an unrelated title, which the default never alerts."""
    first = _post(app, coordinator)
    assert _post(app, coordinator, **UNRELATED)["possible_duplicates"] == []

    lenient = configured(DUPLICATE_THRESHOLD=0)
    other = _post(lenient, coordinator, **UNRELATED)
    assert first["id"] in listed(other)
    assert len(stored_alerts(app)) == len(other["possible_duplicates"]) >= 1


def test_configured_weights_change_the_score(
    app: Flask, configured: Callable[..., Flask], orgs: dict[str, str], coordinator: Account
) -> None:
    sceptical = configured(DUPLICATE_WEIGHTS={"bias": -20.0})
    _post(sceptical, coordinator)
    assert _post(sceptical, coordinator, title=TWIN_TITLE)["possible_duplicates"] == []
    assert stored_alerts(app) == {}


def test_configured_date_gap_bounds_the_candidates(
    app: Flask, configured: Callable[..., Flask], orgs: dict[str, str], coordinator: Account
) -> None:
    no_gap = configured(DUPLICATE_DATE_GAP_DAYS=0)
    first = _post(no_gap, coordinator)
    # Ends 200 days before the first starts: a candidate under the default one-year gap only.
    earlier = {"title": TWIN_TITLE, "start_date": "2023-06-01", "end_date": "2024-08-13"}
    assert _post(no_gap, coordinator, **earlier)["possible_duplicates"] == []
    overlapping = _post(no_gap, coordinator, title=TWIN_TITLE)
    assert first["id"] in listed(overlapping)


def test_one_check_raises_at_most_max_alerts_best_first(
    app: Flask, configured: Callable[..., Flask], orgs: dict[str, str], coordinator: Account
) -> None:
    capped = configured(DUPLICATE_MAX_ALERTS=2)
    stored = [_post(capped, coordinator, title=TWIN_TITLE)["id"] for _ in range(4)]
    last = _post(capped, coordinator, title=TWIN_TITLE)
    assert len(last["possible_duplicates"]) == 2
    assert set(listed(last)) <= set(stored)
    scores = [p["score"] for p in last["possible_duplicates"]]
    assert scores == sorted(scores, reverse=True)
    raised_by_last = [
        a for a in stored_alerts(app).values() if a.raised_by_project_id == last["id"]
    ]
    assert len(raised_by_last) == 2
