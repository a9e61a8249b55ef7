"""Load the reference data (countries, themes); safe to run again and again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.reference.codes import all_countries, country_regions
from adam.reference.models import Country, Pillar, Region, Theme


@dataclass(frozen=True, slots=True)
class SeedReport:
    countries_added: int
    countries_updated: int
    themes_added: int
    themes_updated: int


def _data(name: str) -> str:
    return resources.files("adam.reference").joinpath("data", name).read_text(encoding="utf-8")


def _regions() -> dict[str, Region]:
    return {code: Region(region) for code, region in country_regions().items()}


def seed_reference_data(session: Session) -> SeedReport:
    regions = _regions()
    existing = {c.code: c for c in session.scalars(select(Country))}
    added = updated = 0
    for entry in all_countries():
        values = {
            "alpha3": entry.alpha3,
            "name_en": entry.name_en,
            "name_ru": entry.name_ru,
            "region": regions.get(entry.code, Region.OTHER),
        }
        country = existing.get(entry.code)
        if country is None:
            session.add(Country(code=entry.code, **values))
            added += 1
        elif any(getattr(country, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(country, key, value)
            updated += 1
    themes_added = themes_updated = 0
    known = {t.slug: t for t in session.scalars(select(Theme))}
    for spec in json.loads(_data("themes.json"))["themes"]:
        theme_values: dict[str, Any] = {
            "name_en": spec["name_en"],
            "name_ru": spec["name_ru"],
            "pillar": Pillar(spec["pillar"]),
            "dac_codes": list(spec["dac_codes"]),
        }
        theme = known.get(spec["slug"])
        if theme is None:
            session.add(Theme(slug=spec["slug"], **theme_values))
            themes_added += 1
        elif any(getattr(theme, k) != v for k, v in theme_values.items()):
            for key, value in theme_values.items():
                setattr(theme, key, value)
            themes_updated += 1
    session.flush()
    return SeedReport(added, updated, themes_added, themes_updated)
