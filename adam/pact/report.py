"""The follow-up report for a PCG meeting: per pillar, each endorsed recommendation with its
follow-up status, its confirmed linked projects (donors, budgets per currency, periods) and
its latest progress note; as data, as the API's JSON, and as the rows of a workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.errors import N_, InvalidInput
from adam.exports.table import Column, Kind
from adam.exports.xlsx_stream import write_xlsx
from adam.pact.follow_up import FollowUp, follow_ups
from adam.pact.models import Event, EventKind, Recommendation, RecommendationState
from adam.reference.models import Pillar


@dataclass(frozen=True, slots=True)
class PillarSection:
    pillar: Pillar
    recommendations: list[FollowUp]


@dataclass(frozen=True, slots=True)
class FollowUpReport:
    as_of: dt.date
    event: Event | None
    pillar: Pillar | None
    sections: list[PillarSection]

    @property
    def currencies(self) -> list[str]:
        return sorted({c for s in self.sections for f in s.recommendations for c in f.budgets})


def _pcg(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id) if 0 < event_id <= MAX_ID else None
    if event is None:
        message = N_("No event with id %(id)s.", id=event_id)
        raise InvalidInput(message, {"event": [message]})
    if event.kind != EventKind.POLICY_CONSULTATIVE_GROUP:
        message = N_(
            "Event %(id)s is not a meeting of the Policy Consultative Group; the report "
            "follows up what a PCG endorsed.",
            id=event_id,
        )
        raise InvalidInput(message, {"event": [message]})
    return event


def follow_up_report(
    session: Session,
    *,
    actor: Actor,
    event_id: int | None = None,
    pillar: str | None = None,
) -> FollowUpReport:
    """The endorsed recommendations (of one PCG event, of one pillar, if asked) by pillar,
    then code, each with its follow-up; every pillar has a section, empty or not.

    :raises InvalidInput: ``event_id`` names no PCG event.
    """
    permissions.require(actor, "recommendation.read")
    event = _pcg(session, event_id) if event_id is not None else None
    query = (
        select(Recommendation)
        .where(Recommendation.state == RecommendationState.ENDORSED)
        .options(selectinload(Recommendation.endorsed_by))
        .order_by(Recommendation.code, Recommendation.id)
    )
    if event is not None:
        query = query.where(Recommendation.endorsed_by_id == event.id)
    chosen = Pillar(pillar) if pillar else None
    if chosen is not None:
        query = query.where(Recommendation.pillar == chosen)
    found = follow_ups(session, session.scalars(query))
    sections = [
        PillarSection(p, [f for f in found if f.recommendation.pillar == p])
        for p in Pillar
        if chosen is None or p == chosen
    ]
    return FollowUpReport(utcnow().date(), event, chosen, sections)


def report_answer(report: FollowUpReport) -> dict[str, Any]:
    """The report as ``FollowUpReportSchema`` dumps it (a follow-up reads as its
    recommendation)."""
    return {
        "as_of": report.as_of,
        "event": report.event,
        "pillar": report.pillar.value if report.pillar else None,
        "pillars": [
            {"pillar": section.pillar.value, "recommendations": section.recommendations}
            for section in report.sections
        ],
    }


def _period(follow_up: FollowUp) -> str | None:
    starts = [p.start_date for p in follow_up.projects if p.start_date]
    ends = [p.end_date for p in follow_up.projects if p.end_date]
    if not starts and not ends:
        return None
    start = min(starts).isoformat() if starts else "…"
    end = max(ends).isoformat() if ends else "…"
    return f"{start} – {end}"


@dataclass(frozen=True, slots=True)
class Wording:
    """How the workbook and the PDF speak to their reader, given by the web layer (which knows
    the request's language): ``text`` gives a catalogue message, ``label`` the name of a code,
    ``language`` the code (``en``, ``ru``) the PDF formats dates and amounts for."""

    text: Callable[[str], str]
    label: Callable[[Any], str]
    language: str = "en"


def _endorser(event: Event | None, wording: Wording) -> str | None:
    if event is None:
        return None
    return f"{wording.label(event.kind)} {event.number or ''}".strip()


def report_table(report: FollowUpReport, words: Wording) -> tuple[list[Column], list[list[Any]]]:
    """A row per endorsed recommendation: the columns and rows of the workbook, headed and
    filled with names a meeting reads (the API's JSON keeps the codes)."""
    text = words.text
    currencies = report.currencies
    columns = [
        Column(text(N_("Pillar")), width=28),
        Column(text(N_("Code")), width=18),
        Column(text(N_("Text in English")), width=60),
        Column(text(N_("Text in Russian")), width=60),
        Column(text(N_("Illustrative stand-in text")), width=10),
        Column(text(N_("Endorsed by")), width=30),
        Column(text(N_("Endorsed on")), Kind.DATE, width=14),
        Column(text(N_("Follow-up status")), width=14),
        Column(text(N_("Projects")), Kind.INTEGER, width=10),
        Column(text(N_("Projects that serve it")), width=60),
        Column(text(N_("Donors")), width=30),
        *(
            Column(text(N_("Budget, %(currency)s", currency=c)), Kind.AMOUNT, width=18)
            for c in currencies
        ),
        Column(text(N_("Period")), width=26),
        Column(text(N_("Date of the latest progress note")), Kind.DATE, width=14),
        Column(text(N_("Latest progress note")), width=60),
    ]
    yes, no = text(N_("Yes")), text(N_("No"))
    rows: list[list[Any]] = []
    for section in report.sections:
        for f in section.recommendations:
            rec = f.recommendation
            endorser = rec.endorsed_by
            budgets: dict[str, Decimal] = f.budgets
            donors = sorted({name for p in f.projects for _, name in p.donors})
            rows.append(
                [
                    words.label(section.pillar),
                    rec.code,
                    rec.text_en,
                    rec.text_ru,
                    yes if rec.illustrative else no,
                    _endorser(endorser, words),
                    endorser.start_date if endorser else None,
                    words.label(rec.follow_up),
                    len(f.projects),
                    "; ".join(p.title for p in f.projects) or None,
                    "; ".join(donors) or None,
                    *(budgets.get(c) for c in currencies),
                    _period(f),
                    f.latest_note.noted_on if f.latest_note else None,
                    f.latest_note.text if f.latest_note else None,
                ]
            )
    return columns, rows


# The workbook's and the PDF's file names begin with this (then the day it was made).
FILE_STEM = "pact-follow-up"


def report_workbook(report: FollowUpReport, words: Wording) -> IO[bytes]:
    """The report as an Excel workbook (the API's and the portal's download alike)."""
    columns, rows = report_table(report, words)
    sheet = words.text(N_("Follow-up report"))
    return write_xlsx(columns, rows, sheet_title=sheet)
