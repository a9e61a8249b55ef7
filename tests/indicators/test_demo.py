"""`adam seed --demo` adds illustrative indicator figures, labelled as such, once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from adam.cli import main
from adam.demo.indicators import SOURCE
from adam.indicators.models import CountryIndicator
from adam.session import new_session


def _seed(app: Flask) -> str:
    result = app.test_cli_runner().invoke(main, ["seed", "--demo"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def _figures(app: Flask) -> list[CountryIndicator]:
    with new_session(app) as session:
        return list(session.scalars(select(CountryIndicator)))


def test_demo_indicators_are_illustrative_and_load_once(app: Flask) -> None:
    output = _seed(app)
    figures = _figures(app)
    assert f"Demo indicators: {len(figures)} illustrative figures added." in output
    assert len(figures) >= 60
    assert {f.country_code for f in figures} >= {"AF", "TJ", "UZ"}
    assert {f.year for f in figures} == set(range(2018, 2024))
    assert all(f.illustrative and f.source == SOURCE for f in figures)
    assert {f.unit for f in figures if f.indicator == "seizures_precursors_liquid"} == {"litres"}
    assert "Demo indicators: 0 illustrative figures added." in _seed(app)
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(CountryIndicator)) == len(figures)
