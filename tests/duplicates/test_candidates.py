"""Candidate generation: the word block, the organization block, and the two as one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from adam.duplicates.candidates import (
    Limits,
    Probe,
    by_organization,
    by_words,
    candidate_ids,
    candidate_query,
)
from adam.duplicates.index import search_values
from adam.reference.models import Organization
from adam.session import new_session

Register = Callable[..., dict[str, Any]]


def _probe(app: Flask, *, title: str, org: str | None, start: dt.date | None) -> Probe:
    values = search_values(title, None)
    with new_session(app) as session:
        org_id = session.scalar(select(Organization.id).where(Organization.code_key == org))
    return Probe(
        project_id=None,
        countries=("TJ",),
        organization_ids=(org_id,) if org_id else (),
        start=start,
        end=start + dt.timedelta(days=300) if start else None,
        title_terms=values["title_terms"],
        description_head="",
    )


def _by_tj_dca(register: Register, title: str, start: str | None, **extra: Any) -> int:
    """A project whose only distinctive link is the Tajik drug control agency."""
    body = {"title": title, "implementers": ["tj-dca"], "start_date": start, "end_date": None}
    return int(register(**(body | extra))["id"])


def test_the_organization_block_takes_the_nearest_starts_then_the_undated(
    app: Flask, register: Register
) -> None:
    far = _by_tj_dca(register, "Forensic laboratory equipment", "2021-01-10")
    near = _by_tj_dca(register, "Canine units for the Panj crossing", "2025-02-01")
    nearer = _by_tj_dca(register, "Mobile interdiction teams", "2025-03-20")
    undated = _by_tj_dca(register, "Drug abuse prevention in schools", None)
    _by_tj_dca(register, "Precursor control training", "2025-03-01", countries=["KG"])
    probe = _probe(app, title="Anything at all", org="tj-dca", start=dt.date(2025, 3, 1))

    with new_session(app) as session:
        two = by_organization(session, probe, Limits(by_organization=2))
        every = by_organization(session, probe, Limits(by_organization=10))
        undated_probe = by_organization(
            session, _probe(app, title="x", org="tj-dca", start=None), Limits(by_organization=10)
        )

    assert two == [nearer, near]  # 19 and 28 days from the probe's start
    # Another country's project never; the undated one after every dated one.
    assert every == [nearer, near, far, undated]
    assert set(undated_probe) == {far, near, nearer, undated}


def test_both_blocks_are_one_query_without_repeats(app: Flask, register: Register) -> None:
    by_text = _by_tj_dca(register, "Ishkashim border liaison office", "2019-01-01")
    by_org = _by_tj_dca(register, "Mobile interdiction teams", "2025-03-20")
    both = _by_tj_dca(register, "Ishkashim crossing point", "2025-02-01")
    probe = _probe(app, title="Ishkashim", org="tj-dca", start=dt.date(2025, 3, 1))
    limits = Limits(date_gap_days=3000)

    with new_session(app) as session:
        words = by_words(session, probe, limits)
        orgs = by_organization(session, probe, limits)
        ids = candidate_ids(session, probe, limits)
        nothing = candidate_query(session, probe, Limits(by_words=0, by_organization=0))

    assert set(words) == {by_text, both} and both in orgs and by_org in orgs
    assert ids == sorted({by_text, by_org, both})
    assert nothing is None


def test_probes_of_one_shape_share_a_statement_but_not_their_values(
    app: Flask, register: Register
) -> None:
    """The statements are built once per shape (organizations, countries, dates present); the
    probe's organization, country, dates and limits are bound at each execution."""
    by_dca = _by_tj_dca(register, "Mobile interdiction teams", "2025-03-20")
    by_unodc = int(
        register(title="Canine units", implementers=["unodc"], start_date="2025-02-01")["id"]
    )
    dca = _probe(app, title="Nothing in common", org="tj-dca", start=dt.date(2025, 3, 1))
    unodc = _probe(app, title="Nothing in common", org="unodc", start=dt.date(2025, 3, 1))
    later = _probe(app, title="Nothing in common", org="unodc", start=dt.date(2031, 3, 1))
    limits = Limits(date_gap_days=365)

    with new_session(app) as session:
        first = candidate_query(session, dca, limits)
        second = candidate_query(session, unodc, limits)
        assert first is not None and second is not None
        assert first.query is second.query
        assert by_organization(session, dca, limits) == [by_dca]
        assert by_organization(session, unodc, limits) == [by_unodc]
        assert by_organization(session, later, limits) == []  # out of the date gap
        assert candidate_ids(session, unodc, limits) == [by_unodc]
