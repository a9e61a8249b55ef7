"""Illustrative country indicators for the demo: made-up figures, labelled as such.

The Paris Pact's country fact sheets are not public data ADAM ships, so the demo's figures are
invented (a steady pattern per country and indicator) and every row says so: ``illustrative``
is set and the source reads ``SOURCE``. Loading twice adds nothing; a figure already stored
(reported or not) is left as it is.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.indicators import catalogue
from adam.indicators.models import CountryIndicator
from adam.reference.models import Country

SOURCE = "Illustrative figures, not reported data"
YEARS = range(2018, 2024)
# A base figure per country and indicator; each year moves it by a fixed step (illustrative).
BASES: dict[str, dict[str, int]] = {
    "AF": {"seizures_heroin": 4200, "seizures_opium": 38000, "seizures_morphine": 900},
    "TJ": {"seizures_heroin": 450, "seizures_opium": 1800, "people_in_treatment": 6500},
    "UZ": {"seizures_heroin": 380, "seizures_cannabis_herb": 2100, "treatment_demand_new": 1200},
    "KG": {"seizures_cannabis_resin": 520, "seizures_precursors_liquid": 1500},
    "IR": {"seizures_opium": 420000, "seizures_precursors_solid": 2600, "seizures_ats": 3100},
}
STEPS = (100, 108, 96, 115, 104, 92)  # per cent of the base, one per year of YEARS


def load_demo_indicators(session: Session) -> int:
    """Add the illustrative figures not stored yet; the number added."""
    present = set(session.scalars(select(Country.code).where(Country.code.in_(list(BASES)))))
    stored = {
        (f.country_code, f.indicator, f.year)
        for f in session.scalars(
            select(CountryIndicator).where(CountryIndicator.country_code.in_(list(BASES)))
        )
    }
    added = 0
    for country, bases in BASES.items():
        if country not in present:
            continue
        for code, base in bases.items():
            indicator = catalogue.BY_CODE[code]
            for year, step in zip(YEARS, STEPS, strict=True):
                if (country, code, year) in stored:
                    continue
                session.add(
                    CountryIndicator(
                        country_code=country,
                        indicator=code,
                        year=year,
                        value=Decimal(base * step) / 100,
                        unit=indicator.unit,
                        source=SOURCE,
                        illustrative=True,
                    )
                )
                added += 1
    session.flush()
    return added
