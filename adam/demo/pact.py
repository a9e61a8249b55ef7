"""Load the Paris Pact's public events (``paris_pact.json``, paraphrased from UN documents)
through the pact service, with the recommendations they are known to have agreed:

- the actions the 2006 round tables' participants recommended, as proposed recommendations
  in their public wording (their creation's history says so);
- the 2023 expert working groups' recommendations, whose texts are not public: as many
  illustrative stand-ins as the data counts, saying only their subject, endorsed by the PCG
  event the data names.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.demo.load import DEMO_USER
from adam.pact import service as pact_service
from adam.pact.models import Event, EventKind
from adam.reference.models import Pillar
from adam.workflows import recommendations

PILLARS = {
    "1": Pillar.REGIONAL_INITIATIVES,
    "2": Pillar.FINANCIAL_FLOWS,
    "3": Pillar.PRECURSORS,
    "4": Pillar.DRUG_ABUSE_AND_DEPENDENCE,
}
KIND_NAMES = {
    "expert_round_table": "Expert round table",
    "expert_working_group": "Expert working group",
    "policy_consultative_group": "Policy Consultative Group",
    "ministerial_conference": "Ministerial conference",
}
PLACES_RU = {"Ankara": "Анкаре", "Sofia": "Софии", "Samarkand": "Самарканде"}
PUBLIC_NOTE = "From the public record: an action recommended by the participants. Source: {}"
STAND_IN_NOTE = (
    "Illustrative stand-in: the wording of the {place} expert working group's recommendations "
    "is not public; the data gives their number ({count}) and subject only."
)


@dataclass(frozen=True, slots=True)
class PactDemoReport:
    events: int = 0
    public_recommendations: int = 0
    illustrative_recommendations: int = 0

    @property
    def skipped(self) -> bool:
        return self.events == 0


def pact_data() -> dict[str, Any]:
    text = resources.files("adam.demo").joinpath("paris_pact.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _start(raw: str) -> tuple[dt.date, str]:
    """A start date as the data gives it: a day, or only a month (``2003-09``)."""
    if len(raw) == 7:
        return dt.date.fromisoformat(raw + "-01"), "month"
    return dt.date.fromisoformat(raw), "day"


def _outcome(raw: dict[str, Any]) -> str | None:
    parts = []
    if raw.get("recommended_actions"):
        parts.append("Actions recommended: " + "; ".join(raw["recommended_actions"]) + ".")
    if raw.get("objectives_2007_2009"):
        parts.append("Objectives 2007-2009: " + "; ".join(raw["objectives_2007_2009"]) + ".")
    if raw.get("recommendations_agreed"):
        parts.append(
            f"{raw['recommendations_agreed']} operational priority recommendations agreed."
        )
    if raw.get("endorsed"):
        parts.append(f"Endorsed {raw['endorsed']}.")
    if raw.get("countries_note"):
        parts.append(raw["countries_note"] + ".")
    return " ".join(parts) or None


def event_data(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """The pact service's input for one event of the data."""
    start, precision = _start(raw["date"])
    figures = raw.get("participants")
    number = raw.get("number")
    title = f"{KIND_NAMES[raw['kind']]}{f' {number}' if number else ''}, {raw['place']}"
    return {
        "kind": raw["kind"],
        "number": number,
        "title": title,
        "focus": raw.get("focus"),
        "place": raw.get("place"),
        "host": raw.get("host"),
        "pillar": PILLARS[raw["pillar"]].value if raw.get("pillar") else None,
        "start_date": start,
        "date_precision": precision,
        "end_date": dt.date.fromisoformat(raw["end_date"]) if raw.get("end_date") else None,
        "countries": raw.get("countries", []),
        # Only where the focus names the route: the data gives no route otherwise.
        "routes": ["balkan"] if "Balkan route" in (raw.get("focus") or "") else [],
        "participants": figures,
        "outcome": _outcome(raw),
        "source": source,
    }


def action_pillar(text: str) -> Pillar:
    """The pillar of a 2006 action, read from its words (the data names none)."""
    lowered = text.lower()
    if "precursor" in lowered or "acetic anhydride" in lowered:
        return Pillar.PRECURSORS
    if "money-laundering" in lowered:
        return Pillar.FINANCIAL_FLOWS
    return Pillar.REGIONAL_INITIATIVES


def _loader(session: Session) -> Actor:
    loader = session.scalar(select(User).where(User.email == DEMO_USER))
    if loader is None:
        loader = auth_service.create_user(
            session, email=DEMO_USER, role=Role.COORDINATOR, name="Demo data loader"
        )
        loader.is_active = False  # owns the demo records; nobody signs in as it
    return Actor(user_id=loader.id, email=loader.email, role=Role.COORDINATOR)


def _stand_in(raw: dict[str, Any], order: int) -> dict[str, str]:
    count, place, start = raw["recommendations_agreed"], raw["place"], raw["date"]
    return {
        "text_en": (
            f"Illustrative stand-in {order} of {count}: an operational priority recommendation "
            f"of the {place} expert working group ({start}) on {raw['focus'][0].lower()}"
            f"{raw['focus'][1:]}. The agreed wording is not public."
        ),
        "text_ru": (
            f"Условный текст {order} из {count}: оперативная приоритетная рекомендация "
            f"совещания экспертной рабочей группы в {PLACES_RU.get(place, place)} ({start}). "
            "Согласованная формулировка не опубликована."
        ),
    }


def load_demo_pact(session: Session) -> PactDemoReport:
    """Add the events and their recommendations once (no event of the data's source stored
    yet), each recommendation matched to the projects stored; what was added."""
    data = pact_data()
    source = data["source"]
    if session.scalar(select(Event.id).where(Event.source == source).limit(1)) is not None:
        return PactDemoReport()
    actor = _loader(session)
    events: list[tuple[dict[str, Any], Event]] = []
    for raw in data["events"]:
        events.append(
            (raw, pact_service.create_event(session, actor=actor, data=event_data(raw, source)))
        )
    # The PCG that endorsed the 2023 working groups' recommendations, as the data names it.
    endorsers = {
        event.start_date.year: event
        for raw, event in events
        if event.kind == EventKind.POLICY_CONSULTATIVE_GROUP and raw.get("endorsed")
    }
    public = illustrative = 0
    for raw, event in events:
        for action in raw.get("recommended_actions", []):
            recommendations.register(
                session,
                actor=actor,
                data={
                    "event_id": event.id,
                    "text_en": action,
                    "pillar": action_pillar(action).value,
                    "countries": raw.get("countries", []),
                },
                note=PUBLIC_NOTE.format(source),
            )
            public += 1
        endorser = endorsers.get(event.start_date.year)
        count = raw.get("recommendations_agreed") or 0
        for order in range(1, count + 1):
            written = recommendations.register(
                session,
                actor=actor,
                data={"event_id": event.id, "illustrative": True, **_stand_in(raw, order)},
                note=STAND_IN_NOTE.format(place=raw["place"], count=count),
            )
            if endorser is not None:
                recommendations.set_state(
                    session,
                    written.follow_up.id,
                    actor=actor,
                    state="endorsed",
                    endorsed_by=endorser.id,
                    note=f"Endorsed by the {endorser.title}: {endorser.outcome}",
                )
            illustrative += 1
    return PactDemoReport(len(events), public, illustrative)
