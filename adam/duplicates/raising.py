"""Raise duplicate alerts for scored pairs, one project's (a check) or many at once (a scan,
a bulk import); the unique pair decides races, and new alerts are announced."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from adam.db import utcnow
from adam.duplicates import events
from adam.duplicates.models import AlertStatus, DuplicateAlert, Resolution
from adam.duplicates.records import Candidate
from adam.matching.result import Match


@dataclass(frozen=True, slots=True)
class Found:
    """One possible duplicate of the checked project, as the registration answer lists it."""

    project: dict[str, Any]  # id, code, title, donors, countries
    score: float
    reasons: tuple[Any, ...]
    alert_id: int | None


@dataclass(slots=True)
class CheckOutcome:
    found: list[Found] = field(default_factory=list)
    failed: bool = False
    ran: bool = True  # False: the change could not make or break a duplicate
    new_alerts: list[int] = field(default_factory=list)


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def raise_alerts(
    session: Session,
    project_id: int,
    scored: list[tuple[Candidate, Match]],
    *,
    notice: Callable[[], dict[str, Any]],
    new: bool = False,
) -> CheckOutcome:
    """Alerts for the scored pairs of ``project_id`` with its candidates; new ones announced.

    ``notice``: what an alert announces of the project itself (``events.notice``), asked for
    only if an alert is new. ``new``: the project was registered in this transaction, so it
    has no alerts yet.
    """
    pairs = {_pair(project_id, c.summary["id"]) for c, _ in scored}
    existing = {} if new else _alerts_for_pairs(session, project_id, pairs)
    now = utcnow()
    reasons = {c.summary["id"]: [_reason_json(r) for r in m.reasons] for c, m in scored}
    missing = {
        pair: (project_id, match.score, reasons[candidate.summary["id"]])
        for candidate, match in scored
        if (pair := _pair(project_id, candidate.summary["id"])) not in existing
    }
    inserted = _insert_alerts(session, missing, now)
    if len(inserted) < len(missing):  # raised by a concurrent check a moment ago
        existing |= _alerts_for_pairs(session, project_id, set(missing) - set(inserted))
    outcome = CheckOutcome()
    for candidate, match in scored:
        pair = _pair(project_id, candidate.summary["id"])
        alert_id = inserted.get(pair)
        if alert_id is not None:
            outcome.new_alerts.append(alert_id)
        else:
            alert = existing[pair]
            if alert.resolution == Resolution.NOT_DUPLICATE:
                continue  # a coordinator said no: never raised or listed again
            alert_id = alert.id
            if alert.status == AlertStatus.OPEN and alert.score != match.score:
                alert.score, alert.updated_at = match.score, now
                alert.reasons = reasons[candidate.summary["id"]]
        outcome.found.append(Found(candidate.summary, match.score, match.reasons, alert_id))
    session.flush()
    raised_by = notice() if inserted else {}
    events.announce(
        session,
        [
            events.payload(
                alert_id=alert_id,
                score=match.score,
                created_at=now,
                reasons=reasons[candidate.summary["id"]],
                raised_by=raised_by,
                other=candidate.notice,
            )
            for candidate, match in scored
            if (alert_id := inserted.get(_pair(project_id, candidate.summary["id"]))) is not None
        ],
    )
    return outcome


def _reason_json(reason: Any) -> dict[str, Any]:
    return {
        "field": reason.field,
        "score": round(reason.score, 1),
        "detail": reason.detail,
        "contribution": round(reason.contribution, 2),
    }


def _alerts_for_pairs(
    session: Session, project_id: int, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], DuplicateAlert]:
    others = [b if a == project_id else a for a, b in pairs]
    if not others:
        return {}
    query = select(DuplicateAlert).where(
        or_(
            and_(
                DuplicateAlert.project_a_id == project_id, DuplicateAlert.project_b_id.in_(others)
            ),
            and_(
                DuplicateAlert.project_b_id == project_id, DuplicateAlert.project_a_id.in_(others)
            ),
        )
    )
    return {(a.project_a_id, a.project_b_id): a for a in session.scalars(query)}


# Pairs looked up per statement.
PAIRS_CHUNK = 500


def _insert_alerts(
    session: Session,
    pairs: dict[tuple[int, int], tuple[int, float, list[dict[str, Any]]]],
    now: dt.datetime,
) -> dict[tuple[int, int], int]:
    """Insert an alert for each pair that has none (pair -> the project that raised it, score,
    reasons); the unique pair decides races. Returns the ids of those inserted, by pair.

    One statement compiled once, its rows sent in batches (SQLAlchemy's "insertmanyvalues"):
    a bulk import raises thousands at once."""
    if not pairs:
        return {}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DuplicateAlert)
        .on_conflict_do_nothing(index_elements=["project_a_id", "project_b_id"])
        .returning(DuplicateAlert.id, DuplicateAlert.project_a_id, DuplicateAlert.project_b_id)
    )
    rows = [
        {
            "project_a_id": a,
            "project_b_id": b,
            "raised_by_project_id": raised_by,
            "score": value,
            "reasons": reasons,
            "status": AlertStatus.OPEN,
            "created_at": now,
            "updated_at": now,
        }
        for (a, b), (raised_by, value, reasons) in sorted(pairs.items())
    ]
    return {(a, b): alert_id for alert_id, a, b in session.execute(statement, rows)}


def raise_alerts_for_many(
    session: Session, checked: Sequence[tuple[Candidate, Sequence[tuple[Candidate, Match]]]]
) -> Counter[int]:
    """Alerts for the scored pairs of many projects at once (a bulk import's check), each
    project with its scored candidates; returns how many new alerts each project raised.

    A pair that has an alert already, open or resolved, is left as it is; the new ones are
    inserted and announced together.
    """
    chosen: dict[tuple[int, int], tuple[Candidate, Candidate, Match]] = {}
    for raiser, scored in checked:
        for candidate, match in scored:
            pair = _pair(raiser.summary["id"], candidate.summary["id"])
            chosen.setdefault(pair, (raiser, candidate, match))
    firsts = sorted({a for a, _ in chosen})
    existing: set[tuple[int, int]] = set()
    for start in range(0, len(firsts), PAIRS_CHUNK):
        # Rows as plain pairs (Result.tuples() is deprecated since SQLAlchemy 2.1).
        existing |= {
            (a, b)
            for a, b in session.execute(
                select(DuplicateAlert.project_a_id, DuplicateAlert.project_b_id).where(
                    DuplicateAlert.project_a_id.in_(firsts[start : start + PAIRS_CHUNK])
                )
            )
        }
    now = utcnow()
    reasons = {
        pair: [_reason_json(r) for r in match.reasons]
        for pair, (_, _, match) in chosen.items()
        if pair not in existing
    }
    inserted = _insert_alerts(
        session,
        {
            pair: (chosen[pair][0].summary["id"], chosen[pair][2].score, why)
            for pair, why in reasons.items()
        },
        now,
    )
    raised: Counter[int] = Counter()
    documents = []
    for pair, alert_id in sorted(inserted.items()):
        raiser, candidate, match = chosen[pair]
        raised[raiser.summary["id"]] += 1
        documents.append(
            events.payload(
                alert_id=alert_id,
                score=match.score,
                created_at=now,
                reasons=reasons[pair],
                raised_by=raiser.notice,
                other=candidate.notice,
            )
        )
    session.flush()
    events.announce(session, documents)
    return raised
