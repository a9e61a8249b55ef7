"""Links between projects and the needs or recommendations they serve: the matcher's
suggestions, kept fresh as the three change, and the people's verdicts on them.

A suggestion is a ``suggested`` row; a person confirms it or rejects it. A rejected pair is
never proposed again and a confirmed one is not proposed anew; a confirmed link withdrawn is
``rejected`` by whoever withdrew it (never deleted). A suggestion whose pair no longer scores
at the threshold, or whose need, recommendation or project is no longer live, is dropped:
nobody decided on it (``pairs``).

Who decides (``link.decide``): coordinators and administrators; for a need, the focal points
of its country; for either, those who may edit the project.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from adam import events
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.auth.permissions import LinkScope
from adam.coverage import pairs
from adam.coverage.models import CoverageLink, LinkState
from adam.coverage.pairs import Scored
from adam.coverage.scoring import Suggestion, need_summary, recommendation_summary
from adam.coverage.settings import CoverageSettings
from adam.coverage.suggest import for_need, for_project, for_recommendation
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound
from adam.needs import service as need_service
from adam.needs.models import Need, NeedState
from adam.pact import service as pact_service
from adam.pact.models import Recommendation, RecommendationState
from adam.projects import service as project_service
from adam.projects.models import Project

log = logging.getLogger(__name__)

# A focal point of a need's country hears of a new project that likely serves it.
LINK_SUGGESTED = "link.suggested"
# A verdict's note is kept with the link's decisions (``reasons`` entries of field "decision").
DECISION = "decision"


@dataclass(frozen=True, slots=True)
class Refreshed:
    """The suggestions of one refresh, and which of them are new rows."""

    suggestions: list[Suggestion]
    new: list[CoverageLink]


def _decided_pairs(session: Session, **target: int) -> dict[int, CoverageLink]:
    """The links of one need or recommendation (or one project: ``project_id``), by the id
    of their other end."""
    ((name, value),) = target.items()
    column = getattr(CoverageLink, name)
    # The links alone: their project, need and recommendation are not needed here.
    links = session.scalars(select(CoverageLink).where(column == value).options(lazyload("*")))
    key = "project_id" if name != "project_id" else None
    found: dict[Any, CoverageLink] = {}
    for link in links:
        if key is not None:
            found[link.project_id] = link
        else:
            found[("need", link.need_id) if link.need_id else ("rec", link.recommendation_id)] = (
                link
            )
    return found


def _store(
    session: Session,
    suggestions: Sequence[Suggestion],
    existing: dict[Any, CoverageLink],
    key_of: Any,
    still: Callable[[list[Any]], dict[Any, Scored]],
) -> list[CoverageLink]:
    """Write ``suggestions`` over the ``existing`` links (keyed by ``key_of``): new pairs
    become suggested rows, suggested rows get the new score, decided ones stay as they are.
    A suggested row this refresh did not list stays while ``still`` (keys -> score and
    reasons) finds the pair holding (``pairs``), and goes otherwise. Returns the new rows."""
    kept: set[Any] = set()
    new: list[CoverageLink] = []
    for suggestion in suggestions:
        key = key_of(suggestion)
        kept.add(key)
        link = existing.get(key)
        if link is None:
            link = CoverageLink(
                project_id=suggestion.project_id,
                need_id=suggestion.need_id,
                recommendation_id=suggestion.recommendation_id,
                state=LinkState.SUGGESTED,
                score=suggestion.score,
                reasons=suggestion.reasons,
            )
            session.add(link)
            new.append(link)
        elif link.state == LinkState.SUGGESTED:
            link.score = suggestion.score
            link.reasons = suggestion.reasons
    unlisted = {
        key: link
        for key, link in existing.items()
        if key not in kept and link.state == LinkState.SUGGESTED
    }
    holding = still(list(unlisted)) if unlisted else {}
    stale = []
    for key, link in unlisted.items():
        if key in holding:
            link.score, link.reasons = holding[key]
        else:
            stale.append(link.id)
    if stale:
        session.execute(delete(CoverageLink).where(CoverageLink.id.in_(stale)))
    session.flush()
    return new


def _guarded(session: Session, write: Any) -> Any:
    """Run ``write`` in a SAVEPOINT; a parallel refresh that wrote one pair first wins (the
    unique pair), and this one runs again over what it wrote."""
    for attempt in range(2):
        try:
            with session.begin_nested():
                return write()
        except IntegrityError:
            if attempt:
                raise
            log.info("coverage: a parallel refresh wrote the same pair; refreshing again")
    raise AssertionError("unreachable")


def refresh_need(session: Session, need: Need, settings: CoverageSettings) -> Refreshed:
    """Suggest the live projects that likely serve ``need`` (stored as suggested links)."""
    suggestions = for_need(session, need, settings)

    def write() -> list[CoverageLink]:
        existing = _decided_pairs(session, need_id=need.id)
        return _store(
            session,
            suggestions,
            existing,
            lambda s: s.project_id,
            lambda ids: pairs.need_pairs(session, need, ids, settings),
        )

    return Refreshed(suggestions, _guarded(session, write))


def preview_need(session: Session, need: Need, settings: CoverageSettings) -> list[Suggestion]:
    """The suggestions ``need`` would get, stored nowhere: a form's live answer while a
    need is typed (``need`` may be a draft that is in no session)."""
    return for_need(session, need, settings)


def refresh_recommendation(
    session: Session, recommendation: Recommendation, settings: CoverageSettings
) -> Refreshed:
    """Suggest the live projects that likely serve ``recommendation``."""
    suggestions = for_recommendation(session, recommendation, settings)

    def write() -> list[CoverageLink]:
        existing = _decided_pairs(session, recommendation_id=recommendation.id)
        return _store(
            session,
            suggestions,
            existing,
            lambda s: s.project_id,
            lambda ids: pairs.recommendation_pairs(session, recommendation, ids, settings),
        )

    return Refreshed(suggestions, _guarded(session, write))


def refresh_project(session: Session, project: Project, settings: CoverageSettings) -> Refreshed:
    """Suggest the open needs and endorsed recommendations ``project`` likely serves; the
    focal points of a need's country hear of each new suggestion (``link.suggested``).

    The answer's suggestions leave out the pairs a person decided: rejected ones are not
    served, and confirmed ones are links already."""
    found = for_project(session, project, settings)

    def key(s: Suggestion) -> Any:
        return ("need", s.need_id) if s.need_id else ("rec", s.recommendation_id)

    def write() -> tuple[list[CoverageLink], dict[Any, CoverageLink]]:
        existing = _decided_pairs(session, project_id=project.id)

        def still(keys: list[Any]) -> dict[Any, Scored]:
            return pairs.project_pairs(session, project, keys, settings)

        return _store(session, found, existing, key, still), existing

    new, existing = _guarded(session, write)
    ids = {key(link): link.id for link in [*existing.values(), *new]}
    open_ = [
        dataclasses.replace(s, link_id=ids.get(key(s)))
        for s in found
        if key(s) not in existing or existing[key(s)].state == LinkState.SUGGESTED
    ]
    _announce(session, project, [link for link in new if link.need_id is not None], found)
    return Refreshed(open_, new)


def _announce(
    session: Session, project: Project, links: Sequence[CoverageLink], found: Sequence[Suggestion]
) -> None:
    """``link.suggested`` for each new need suggestion, to the need's country's focal points
    (e-mail) and the webhooks subscribed to it."""
    if not links:
        return
    summaries: dict[int | None, dict[str, Any]] = {
        s.need_id: s.summary for s in found if s.need_id is not None
    }
    notice = project_notice(project)
    by_country: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        need = session.get(Need, link.need_id)
        assert need is not None
        by_country.setdefault(need.country_code, []).append(
            {
                "link": link_payload(link),
                "need": summaries.get(link.need_id) or need_summary(need),
                "project": notice,
            }
        )
    for country, payloads in by_country.items():
        events.publish_many(
            session, LINK_SUGGESTED, payloads, recipients=focal_point_emails(session, country)
        )


def project_notice(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "code": project.code,
        "title": project.title,
        "countries": [{"code": c.code, "name": c.name_en} for c in project.countries],
        "donors": [{"code": o.code, "name": o.name} for o in project.donors],
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "url": f"/api/v1/projects/{project.id}",
    }


def link_payload(link: CoverageLink) -> dict[str, Any]:
    return {
        "id": link.id,
        "state": str(link.state),
        "score": link.score,
        "reasons": [r for r in link.reasons if r.get("field") != DECISION],
        "url": f"/api/v1/links/{link.id}",
    }


def focal_point_emails(session: Session, country_code: str) -> list[str]:
    """The addresses of the active focal points of a country."""
    return list(
        session.scalars(
            select(User.email)
            .where(
                User.role == Role.FOCAL_POINT,
                User.country_code == country_code.upper(),
                User.is_active.is_(True),
                User.email != "",
            )
            .order_by(User.id)
        )
    )


# --- Reading ---


def _need(session: Session, need_id: int) -> Need:
    need = session.get(Need, need_id) if 0 < need_id <= MAX_ID else None
    if need is None:
        raise NotFound(N_("No need with id %(id)s.", id=need_id))
    return need


def _recommendation(session: Session, recommendation_id: int) -> Recommendation:
    found = (
        session.get(Recommendation, recommendation_id) if 0 < recommendation_id <= MAX_ID else None
    )
    if found is None:
        raise NotFound(N_("No recommendation with id %(id)s.", id=recommendation_id))
    return found


def _links(session: Session, *where: Any) -> list[CoverageLink]:
    return list(
        session.scalars(
            select(CoverageLink)
            .where(*where)
            .order_by(CoverageLink.score.desc().nulls_last(), CoverageLink.id)
        ).unique()
    )


def links_of_need(session: Session, need_id: int, *, actor: Actor) -> list[CoverageLink]:
    """The links of a need, best score first (confirmed, suggested and rejected)."""
    permissions.require(actor, "link.read")
    need_service.get_need(session, need_id, actor=actor)  # NotFound as needs say
    return _visible(actor, _links(session, CoverageLink.need_id == need_id))


def links_of_recommendation(
    session: Session, recommendation_id: int, *, actor: Actor
) -> list[CoverageLink]:
    permissions.require(actor, "link.read")
    pact_service.get_recommendation(session, recommendation_id, actor=actor)
    return _visible(actor, _links(session, CoverageLink.recommendation_id == recommendation_id))


def links_of_project(session: Session, project_id: int, *, actor: Actor) -> list[CoverageLink]:
    permissions.require(actor, "link.read")
    project_service.get_project(session, project_id, actor=actor)  # NotFound as projects say
    return _visible(actor, _links(session, CoverageLink.project_id == project_id))


def _visible(actor: Actor, links: list[CoverageLink]) -> list[CoverageLink]:
    return [link for link in links if _seen_by(actor, link)]


def _seen_by(actor: Actor, link: CoverageLink) -> bool:
    """A withdrawn project, need or recommendation exists only for those who may see it
    withdrawn: its links too."""
    if link.project.is_withdrawn and not permissions.allowed(actor, "project.read_withdrawn"):
        return False
    need = link.need
    if (
        need is not None
        and need.state == NeedState.WITHDRAWN
        and not permissions.allowed(actor, "need.read_withdrawn", need.country_code)
    ):
        return False
    recommendation = link.recommendation
    return not (
        recommendation is not None
        and recommendation.state == RecommendationState.WITHDRAWN
        and not permissions.allowed(actor, "recommendation.read_withdrawn")
    )


def get_link(session: Session, link_id: int, *, actor: Actor) -> CoverageLink:
    permissions.require(actor, "link.read")
    link = session.get(CoverageLink, link_id) if 0 < link_id <= MAX_ID else None
    if link is None or not _seen_by(actor, link):
        raise NotFound(N_("No link with id %(id)s.", id=link_id))
    return link


# --- Deciding ---


def _scope(link_project: Project, need: Need | None) -> LinkScope:
    return LinkScope(
        project=project_service.scope_of(link_project),
        need_country=need.country_code if need is not None else None,
    )


def _decide(link: CoverageLink, state: LinkState, actor: Actor, note: str | None) -> None:
    now = utcnow()
    link.state = state
    link.decided_at = now
    link.decided_by_id = actor.user_id
    entry: dict[str, Any] = {
        "field": DECISION,
        "state": str(state),
        "by": actor.user_id,
        "at": _iso(now),
    }
    if note:
        entry["note"] = note
    # A new list: the JSON column notices a replaced value, not one changed in place.
    link.reasons = [*link.reasons, entry]


def _flushed(session: Session, link: CoverageLink) -> CoverageLink:
    session.flush()
    session.expire(link, ["decided_by"])  # set by id: read the user again
    return link


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _require_linkable(
    project: Project, need: Need | None, recommendation: Recommendation | None
) -> None:
    """A withdrawn end cannot be linked: a link would count it as served. (A met need can:
    a person may record which project met it.)

    :raises Conflict: the project, need or recommendation is withdrawn.
    """
    if project.is_withdrawn:
        raise Conflict(N_("A withdrawn project cannot be linked; restore it first."))
    if need is not None and need.state == NeedState.WITHDRAWN:
        raise Conflict(N_("A withdrawn need cannot be linked."))
    if recommendation is not None and recommendation.state == RecommendationState.WITHDRAWN:
        raise Conflict(N_("A withdrawn recommendation cannot be linked."))


def may_decide(actor: Actor, link: CoverageLink) -> bool:
    """Whether ``actor`` may confirm or reject ``link`` (the rule ``confirm_link`` applies)."""
    return permissions.allowed(actor, "link.decide", _scope(link.project, link.need))


def confirm_link(
    session: Session, link_id: int, *, actor: Actor, note: str | None = None
) -> CoverageLink:
    """Confirm a suggested (or earlier rejected) link.

    :raises Forbidden: the actor may not decide on it. :raises Conflict: already confirmed.
    """
    link = get_link(session, link_id, actor=actor)
    permissions.require(actor, "link.decide", _scope(link.project, link.need))
    if link.state == LinkState.CONFIRMED:
        raise Conflict(N_("This link is already confirmed."))
    _require_linkable(link.project, link.need, link.recommendation)
    _decide(link, LinkState.CONFIRMED, actor, note)
    return _flushed(session, link)


def reject_link(
    session: Session, link_id: int, *, actor: Actor, note: str | None = None
) -> CoverageLink:
    """Reject a suggestion, or withdraw a confirmed link: the pair is never proposed again.

    :raises Forbidden: the actor may not decide on it. :raises Conflict: already rejected.
    """
    link = get_link(session, link_id, actor=actor)
    permissions.require(actor, "link.decide", _scope(link.project, link.need))
    if link.state == LinkState.REJECTED:
        raise Conflict(N_("This link is already rejected."))
    _decide(link, LinkState.REJECTED, actor, note)
    return _flushed(session, link)


def create_link(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    need_id: int | None = None,
    recommendation_id: int | None = None,
    note: str | None = None,
) -> CoverageLink:
    """Link a project to a need or a recommendation by hand (confirmed). A pair the matcher
    suggested, or a person rejected, becomes confirmed.

    :raises InvalidInput: neither or both of need and recommendation.
    :raises NotFound: no such project, need or recommendation.
    :raises Forbidden: the actor may not decide on the pair. :raises Conflict: linked already.
    """
    if (need_id is None) == (recommendation_id is None):
        message = N_("Name either a need or a recommendation.")
        raise InvalidInput(message, {"need_id": [message], "recommendation_id": [message]})
    # Ids in a body that name nothing are bad input (422), as a project's unknown codes are.
    try:
        project = project_service.get_project(session, project_id, actor=actor)
    except NotFound as missing:
        raise InvalidInput(missing.message, {"project_id": [missing.message]}) from None
    need = recommendation = None
    try:
        if need_id is not None:
            need = _need(session, need_id)
        if recommendation_id is not None:
            recommendation = _recommendation(session, recommendation_id)
    except NotFound as missing:
        field_ = "need_id" if need_id is not None else "recommendation_id"
        raise InvalidInput(missing.message, {field_: [missing.message]}) from None
    _require_linkable(project, need, recommendation)
    permissions.require(actor, "link.decide", _scope(project, need))
    target = (
        CoverageLink.need_id == need_id
        if need_id is not None
        else CoverageLink.recommendation_id == recommendation_id
    )
    link = session.scalars(
        select(CoverageLink).where(CoverageLink.project_id == project_id, target)
    ).first()
    if link is not None and link.state == LinkState.CONFIRMED:
        raise Conflict(
            N_("This project is linked to it already (link %(id)s).", id=link.id),
        )
    if link is None:
        link = CoverageLink(
            project_id=project_id,
            need_id=need_id,
            recommendation_id=recommendation_id,
            state=LinkState.SUGGESTED,
            score=None,
            reasons=[],
            created_by_id=actor.user_id,
        )
        try:
            with session.begin_nested():
                session.add(link)
                session.flush()
        except IntegrityError:
            raise Conflict(N_("This project was linked to it at the same moment.")) from None
    _decide(link, LinkState.CONFIRMED, actor, note)
    return _flushed(session, link)


def target_summary(link: CoverageLink) -> dict[str, Any]:
    if link.need is not None:
        return need_summary(link.need)
    assert link.recommendation is not None
    return recommendation_summary(link.recommendation)
