"""Country indicators: the figures of the fact sheets, read, entered one by one, imported;
every change of a figure is recorded in its history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import utcnow
from adam.errors import N_, AdamError, InvalidInput, NotFound, Text
from adam.indicators import catalogue
from adam.indicators.models import (
    CountryIndicator,
    IndicatorChannel,
    IndicatorHistory,
    IndicatorHistoryAction,
)
from adam.indicators.sheets import read_sheet
from adam.paging import one_page
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country

MAX_SOURCE = 300
MAX_NOTE = 2000
# What became of a row; "not_written" is a good row of a file refused for another row's errors.
OUTCOMES = ("created", "updated", "unchanged", "error", "not_written")


@dataclass(frozen=True, slots=True)
class Series:
    """One indicator of a country over the years."""

    indicator: catalogue.Indicator
    figures: list[CountryIndicator]


@dataclass(slots=True)
class RowOutcome:
    row: int
    outcome: str  # one of OUTCOMES
    country: str | None = None
    indicator: str | None = None
    year: int | None = None
    errors: list[str] = field(default_factory=list)
    # What the file said of the country, indicator and year, for a report to show when one
    # of them could not be read.
    given: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ImportReport:
    rows: list[RowOutcome]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        return counts


class ImportRefused(InvalidInput):
    """Some row of the file is wrong: nothing was written; the report says which and why."""

    def __init__(self, report: ImportReport) -> None:
        wrong = [row for row in report.rows if row.outcome == "error"]
        super().__init__(
            N_(
                "%(count)s row(s) of the file have errors; nothing was written. Correct them "
                "and send the file again.",
                count=len(wrong),
            ),
            {f"rows.{row.row}": row.errors for row in wrong},
        )
        self.report = report


def _country(session: Session, code: str) -> Country:
    """:raises NotFound: no such country (with the nearest codes)."""
    found = reference_service.get_country(session, code) if len(code) == 2 else None
    if found is None:
        raise NotFound(refusals.no_such("country", code, known=refusals.KnownCodes()))
    return found


def _indicator(code: str) -> catalogue.Indicator:
    found = catalogue.BY_CODE.get(code)
    if found is None:
        raise NotFound(catalogue.unknown_indicator(code))
    return found


def search_figures(
    session: Session,
    *,
    countries: Sequence[str] = (),
    indicators: Sequence[str] = (),
    year_from: int | None = None,
    year_to: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[CountryIndicator], int]:
    """Figures by country, indicator and years, by country, indicator and year.

    :raises InvalidInput: an unknown country or indicator, or years the wrong way round.
    """
    errors: dict[str, list[str]] = {}
    wanted = [c.strip().upper() for c in countries]
    found = reference_service.countries_by_code(session, wanted)
    unknown = refusals.unknown_codes("country", wanted, found, known=refusals.KnownCodes())
    if unknown:
        errors["country"] = unknown
    bad: list[str] = [
        catalogue.unknown_indicator(code) for code in indicators if code not in catalogue.BY_CODE
    ]
    if bad:
        errors["indicator"] = bad
    if year_from is not None and year_to is not None and year_from > year_to:
        errors["year_to"] = [N_("year_to comes before year_from.")]
    if errors:
        raise InvalidInput(N_("The request has invalid fields; see details."), errors)
    query = select(CountryIndicator)
    if wanted:
        query = query.where(CountryIndicator.country_code.in_(wanted))
    if indicators:
        query = query.where(CountryIndicator.indicator.in_(list(indicators)))
    if year_from is not None:
        query = query.where(CountryIndicator.year >= year_from)
    if year_to is not None:
        query = query.where(CountryIndicator.year <= year_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        CountryIndicator.country_code, CountryIndicator.indicator, CountryIndicator.year
    )
    return list(session.scalars(one_page(ordered, page=page, per_page=per_page))), total


def country_series(session: Session, code: str) -> tuple[Country, list[Series]]:
    """A country's figures, one series per indicator (in the catalogue's order), by year.

    :raises NotFound: no such country.
    """
    country = _country(session, code)
    figures = session.scalars(
        select(CountryIndicator)
        .where(CountryIndicator.country_code == country.code)
        .order_by(CountryIndicator.year)
    ).all()
    by_indicator: dict[str, list[CountryIndicator]] = {}
    for figure in figures:
        by_indicator.setdefault(figure.indicator, []).append(figure)
    series = [
        Series(indicator, by_indicator[indicator.code])
        for indicator in catalogue.CATALOGUE
        if indicator.code in by_indicator
    ]
    return country, series


def _store(
    session: Session,
    *,
    existing: CountryIndicator | None,
    country_code: str,
    indicator: catalogue.Indicator,
    year: int,
    value: Decimal,
    source: str | None,
    actor_id: int | None,
    via: IndicatorChannel,
    note: str | None = None,
    illustrative: bool = False,
) -> tuple[CountryIndicator, str]:
    """Write the figure, and record the change in its history (an unchanged one records none)."""
    if existing is None:
        figure = CountryIndicator(
            country_code=country_code,
            indicator=indicator.code,
            year=year,
            value=value,
            unit=indicator.unit,
            source=source,
            illustrative=illustrative,
            updated_by_id=actor_id,
        )
        session.add(figure)
        _record(session, figure, IndicatorHistoryAction.CREATE, via, actor_id, None, None, note)
        return figure, "created"
    same = (
        Decimal(existing.value) == value
        and existing.source == source
        and existing.unit == indicator.unit
        and existing.illustrative == illustrative
    )
    if same:
        return existing, "unchanged"
    old_value, old_source = Decimal(existing.value), existing.source
    existing.value = value
    existing.source = source
    existing.unit = indicator.unit
    existing.illustrative = illustrative
    existing.updated_at = utcnow()
    existing.updated_by_id = actor_id
    _record(
        session, existing, IndicatorHistoryAction.UPDATE, via, actor_id, old_value, old_source, note
    )
    return existing, "updated"


def _record(
    session: Session,
    figure: CountryIndicator,
    action: IndicatorHistoryAction,
    via: IndicatorChannel,
    actor_id: int | None,
    old_value: Decimal | None,
    old_source: str | None,
    note: str | None,
) -> None:
    session.add(
        IndicatorHistory(
            figure=figure,
            action=action,
            via=via,
            actor_id=actor_id,
            old_value=old_value,
            new_value=figure.value,
            old_source=old_source,
            new_source=figure.source,
            note=note or None,
        )
    )


def _existing(
    session: Session, country_code: str, indicator: str, year: int
) -> CountryIndicator | None:
    return session.scalar(
        select(CountryIndicator).where(
            CountryIndicator.country_code == country_code,
            CountryIndicator.indicator == indicator,
            CountryIndicator.year == year,
        )
    )


def put_figure(
    session: Session,
    *,
    actor: Actor,
    country_code: str,
    indicator_code: str,
    year: int,
    value: Decimal,
    source: str | None,
    note: str | None = None,
) -> tuple[CountryIndicator, str]:
    """Enter (or replace) one figure; the outcome is created, updated or unchanged. A change
    is recorded in the figure's history with ``note``.

    :raises NotFound: no such country or indicator.
    :raises Forbidden: the actor may not enter figures of that country.
    :raises InvalidInput: the year is out of range.
    """
    country = _country(session, country_code)
    indicator = _indicator(indicator_code)
    permissions.require(actor, "indicator.write", country.code)
    problem = catalogue.year_problem(year)
    if problem is not None:
        raise InvalidInput(N_("The request has invalid fields; see details."), {"year": [problem]})
    figure, outcome = _store(
        session,
        existing=_existing(session, country.code, indicator.code, year),
        country_code=country.code,
        indicator=indicator,
        year=year,
        value=value,
        source=source or None,
        actor_id=actor.user_id,
        via=IndicatorChannel.ENTRY,
        note=note,
    )
    session.flush()
    return figure, outcome


def figure_history(
    session: Session, *, country_code: str, indicator_code: str, year: int
) -> list[IndicatorHistory]:
    """Every recorded change of a figure, oldest first.

    :raises NotFound: no such country or indicator, or no figure for that year.
    """
    country = _country(session, country_code)
    indicator = _indicator(indicator_code)
    figure = _existing(session, country.code, indicator.code, year)
    if figure is None:
        raise NotFound(
            N_(
                "%(country)s has no figure of %(indicator)s for %(year)s.",
                country=country.code,
                indicator=indicator.code,
                year=year,
            )
        )
    return list(
        session.scalars(
            select(IndicatorHistory)
            .where(IndicatorHistory.figure_id == figure.id)
            .order_by(IndicatorHistory.id)
        )
    )


# --- Import ---


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _year(value: Any) -> int | Text:
    text = _text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif text.isdigit() and len(text) == 4:
        year = int(text)
    else:
        return N_("Not a year: give four digits, e.g. 2021.")
    return catalogue.year_problem(year) or year


@dataclass(slots=True)
class _Checked:
    outcome: RowOutcome
    value: Decimal | None = None
    source: str | None = None
    note: str | None = None


# A row's column, named in its message as the file's header names it (in the reader's language).
COLUMN_LABELS = {
    "country": N_("country"),
    "indicator": N_("indicator"),
    "year": N_("year"),
    "value": N_("value"),
    "source": N_("source"),
    "note": N_("note"),
}


def _about(column: str, message: str) -> Text:
    return N_("%(column)s: %(message)s", column=COLUMN_LABELS[column], message=message)


def _countries_by_wording(session: Session) -> dict[str, Country]:
    """Every country by its code and by its English and Russian names (any case)."""
    found: dict[str, Country] = {}
    for country in reference_service.list_countries(session):
        for wording in (country.name_en, country.name_ru):
            if wording:
                found[" ".join(wording.split()).casefold()] = country
        found[country.code.casefold()] = country
    return found


def _check_row(
    cells: dict[str, Any],
    outcome: RowOutcome,
    *,
    actor: Actor,
    countries: dict[str, Country],
    known: refusals.KnownCodes,
) -> _Checked:
    checked = _Checked(outcome)
    given = outcome.given
    given.update({c: _text(cells.get(c))[:80] for c in ("country", "indicator", "year")})
    written = _text(cells.get("country"))
    country = countries.get(" ".join(written.split()).casefold()) if written else None
    if not written:
        outcome.errors.append(
            _about("country", N_("Give the country's two-letter code or its name."))
        )
    elif country is None and len(written) == 2:
        unknown = refusals.unknown_code("country", written.upper(), known=known)
        outcome.errors.append(_about("country", unknown))
    elif country is None:
        outcome.errors.append(
            _about(
                "country",
                N_(
                    "Unknown country: %(given)s. Give its two-letter code (e.g. TJ) or its "
                    "name in English or Russian.",
                    given=written[:80],
                ),
            )
        )
    else:
        outcome.country = country.code
        reason = permissions.denial(actor, "indicator.write", country.code)
        if reason is not None:
            outcome.errors.append(_about("country", reason))
    wording = _text(cells.get("indicator"))
    indicator = catalogue.find(wording)
    if indicator is not None:
        outcome.indicator = indicator.code
    else:
        outcome.errors.append(
            _about(
                "indicator",
                N_("Give the code of an indicator of the catalogue, or its name.")
                if not wording
                else N_(
                    "Unknown indicator: %(given)s. Give the code of an indicator of the "
                    "catalogue, or its name in English or Russian.",
                    given=wording[:80],
                ),
            )
        )
    year = _year(cells.get("year"))
    if isinstance(year, int):
        outcome.year = year
    else:
        outcome.errors.append(_about("year", year))
    value = catalogue.parse_value(cells.get("value") if cells.get("value") is not None else "")
    if isinstance(value, Decimal):
        checked.value = value
    else:
        outcome.errors.append(_about("value", value))
    source = _text(cells.get("source"))
    if len(source) > MAX_SOURCE:
        outcome.errors.append(_about("source", N_("At most %(max)s characters.", max=MAX_SOURCE)))
    elif "\x00" in source:
        outcome.errors.append(_about("source", N_("Contains control characters.")))
    checked.source = source or None
    note = _text(cells.get("note"))
    if len(note) > MAX_NOTE:
        outcome.errors.append(_about("note", N_("At most %(max)s characters.", max=MAX_NOTE)))
    elif "\x00" in note:
        outcome.errors.append(_about("note", N_("Contains control characters.")))
    checked.note = note or None
    return checked


def import_figures(session: Session, *, actor: Actor, filename: str, data: bytes) -> ImportReport:
    """Import a CSV or XLSX file of figures: all its rows, or (any row wrong) none.

    :raises Forbidden: the actor may not enter figures at all.
    :raises FileTooLarge: above MAX_FILE_BYTES.
    :raises BadSheet: the file cannot be read as a table of figures.
    :raises ImportRefused: some row is wrong (the report names each, with why).
    """
    permissions.require(actor, "indicator.import")
    if len(data) > MAX_FILE_BYTES:
        raise too_large(MAX_FILE_BYTES)
    rows = read_sheet(filename, data)
    countries = _countries_by_wording(session)
    known = refusals.KnownCodes()
    checked: list[_Checked] = []
    seen: dict[tuple[str, str, int], int] = {}
    for row in rows:
        outcome = RowOutcome(row=row.number, outcome="error")
        item = _check_row(row.cells, outcome, actor=actor, countries=countries, known=known)
        if outcome.country and outcome.indicator and outcome.year is not None:
            key = (outcome.country, outcome.indicator, outcome.year)
            if key in seen:
                outcome.errors.append(
                    N_(
                        "Row %(row)s of the file gives this country, indicator and year already.",
                        row=seen[key],
                    )
                )
            else:
                seen[key] = row.number
        checked.append(item)
    report = ImportReport([item.outcome for item in checked])
    if any(item.outcome.errors for item in checked):
        # Rows without errors are not written either: say so by the outcome of the others.
        for item in checked:
            if not item.outcome.errors:
                item.outcome.outcome = "not_written"
        raise ImportRefused(report)
    existing = {
        (f.country_code, f.indicator, f.year): f
        for f in session.scalars(
            select(CountryIndicator).where(
                CountryIndicator.country_code.in_({k[0] for k in seen}),
                CountryIndicator.indicator.in_({k[1] for k in seen}),
                CountryIndicator.year.in_({k[2] for k in seen}),
            )
        )
    }
    for item in checked:
        done = item.outcome
        assert done.country and done.indicator and done.year is not None
        assert item.value is not None
        _, done.outcome = _store(
            session,
            existing=existing.get((done.country, done.indicator, done.year)),
            country_code=done.country,
            indicator=catalogue.BY_CODE[done.indicator],
            year=done.year,
            value=item.value,
            source=item.source,
            actor_id=actor.user_id,
            via=IndicatorChannel.IMPORT,
            note=item.note,
        )
    session.flush()
    return report


class FileTooLarge(AdamError):
    status = 413
    code = "payload_too_large"


# A fact sheet of a few countries is kilobytes; a workbook with styles stays well under this.
MAX_FILE_BYTES = 2 * 1024 * 1024


def too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        N_(
            "The file is larger than the %(limit)s bytes an indicators import accepts.",
            limit=limit,
        ),
        {"file": [N_("Larger than %(limit)s bytes.", limit=limit)]},
    )
