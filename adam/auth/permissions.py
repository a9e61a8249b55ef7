"""Who may do what: one table of action -> rule, each rule answering allow or a reason to deny.

Every mutating service function calls ``require(actor, action, target)`` before it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.errors import N_, Forbidden


@dataclass(frozen=True, slots=True)
class ProjectScope:
    """What decides who may touch a project: its countries and its organizations' ids."""

    countries: frozenset[str] = field(default_factory=frozenset)
    donors: frozenset[int] = field(default_factory=frozenset)
    implementers: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class LinkScope:
    """What decides who may confirm, reject or make a link between a project and a need or a
    recommendation: the need's country (None for a recommendation) and the project's scope."""

    project: ProjectScope
    need_country: str | None = None


Rule = Callable[[Actor, object], str | None]  # None means allowed; a string says why not.

STAFF = (Role.ADMIN, Role.COORDINATOR)


def _staff_only(reason: str) -> Rule:
    """A rule for coordinators and administrators; ``reason`` is the whole denial message."""

    def rule(actor: Actor, _target: object) -> str | None:
        return None if actor.role in STAFF else reason

    return rule


def _admin_only(reason: str) -> Rule:
    """A rule for administrators; ``reason`` is the whole denial message."""

    def rule(actor: Actor, _target: object) -> str | None:
        return None if actor.role == Role.ADMIN else reason

    return rule


def _anyone(_actor: Actor, _target: object) -> str | None:
    return None


def _project_write(actor: Actor, target: object) -> str | None:
    assert isinstance(target, ProjectScope)
    if actor.role in STAFF:
        return None
    if actor.role == Role.VIEWER:
        return N_("Viewers have read-only access.")
    if actor.role == Role.DONOR:
        if actor.organization_id is not None and actor.organization_id in target.donors:
            return None
        if actor.organization_code:
            return N_(
                "Donor accounts may only register or edit projects that their organization "
                "(%(organization)s) funds.",
                organization=actor.organization_code,
            )
        return N_(
            "Donor accounts may only register or edit projects that their organization "
            "(none set) funds."
        )
    if actor.role == Role.FOCAL_POINT:
        if actor.country_code and actor.country_code in target.countries:
            return None
        org = actor.organization_id
        if org is not None and (org in target.donors or org in target.implementers):
            return None
        return _focal_point_denial(actor.country_code, actor.organization_code)
    return N_("Your role may not change projects.")


def _focal_point_denial(country: str | None, organization: str | None) -> str:
    if country and organization:
        return N_(
            "Focal points may only register or edit projects that benefit %(country)s "
            "or are funded or implemented by %(organization)s.",
            country=country,
            organization=organization,
        )
    if country:
        return N_(
            "Focal points may only register or edit projects that benefit %(country)s.",
            country=country,
        )
    if organization:
        return N_(
            "Focal points may only register or edit projects that "
            "are funded or implemented by %(organization)s.",
            organization=organization,
        )
    return N_("Focal points may only register or edit projects that are in scope.")


def _need_write(actor: Actor, target: object) -> str | None:
    """``target``: the code of the country whose need it is."""
    assert isinstance(target, str)
    if actor.role in STAFF:
        return None
    if actor.role == Role.FOCAL_POINT:
        if actor.country_code and actor.country_code == target:
            return None
        if actor.country_code:
            return N_(
                "Focal points may only register or change the needs of their own country "
                "(%(own)s), not of %(country)s.",
                own=actor.country_code,
                country=target,
            )
        return N_("Your account has no country, so you may not register or change needs.")
    if actor.role == Role.DONOR:
        return N_("Donor accounts read needs; a recipient country's focal point registers them.")
    return N_("Viewers have read-only access.")


def _organization_write(actor: Actor, target: object) -> str | None:
    if actor.role in STAFF:
        return None
    if actor.role in (Role.FOCAL_POINT, Role.DONOR):
        # Target None means creating a new organization, which registrants need for implementers.
        if target is None or target == actor.organization_id:
            return None
        return N_("You may only edit your own organization.")
    return N_("Viewers have read-only access.")


def _iati_import(actor: Actor, _target: object) -> str | None:
    # Each activity is then checked against project.create/update for the actor's scope.
    if actor.role in (*STAFF, Role.FOCAL_POINT, Role.DONOR):
        return None
    return N_("Viewers have read-only access; they cannot import.")


def _alert_read(actor: Actor, _target: object) -> str | None:
    # Focal points and donors see the alerts touching their scope (the service filters them).
    if actor.role == Role.VIEWER:
        return N_("Viewers do not see duplicate alerts; ask a coordinator.")
    return None


def _indicator_write(actor: Actor, target: object) -> str | None:
    # The target is the country's code: its focal points keep its fact sheet.
    if actor.role in STAFF:
        return None
    if actor.role == Role.FOCAL_POINT:
        if actor.country_code and actor.country_code == target:
            return None
        if actor.country_code:
            return N_(
                "Focal points may only enter the indicators of their country (%(country)s).",
                country=actor.country_code,
            )
        return N_("Focal points may only enter the indicators of their country (none set).")
    return N_("Only coordinators, administrators and focal points may enter indicators.")


def _indicator_import(actor: Actor, _target: object) -> str | None:
    # Each row is then checked against indicator.write for its country.
    if actor.role in (*STAFF, Role.FOCAL_POINT):
        return None
    return N_("Only coordinators, administrators and focal points may import indicators.")


def _indicator_enter(actor: Actor, _target: object) -> str | None:
    # Who may open the entry form at all; the figure's country is then checked by write.
    if actor.role in (*STAFF, Role.FOCAL_POINT):
        return None
    return N_("Only coordinators, administrators and focal points may enter indicators.")


def _progress_note_write(actor: Actor, target: object) -> str | None:
    """``target``: the codes of the countries the recommendation names (none: all)."""
    # Focal points and the programme's field liaison officers (focal-point accounts) report
    # how a recommendation is carried out in their country; coordinators anywhere.
    assert isinstance(target, tuple)
    if actor.role in STAFF:
        return None
    if actor.role == Role.FOCAL_POINT:
        if not target or (actor.country_code and actor.country_code in target):
            return None
        return N_(
            "Focal points may add progress notes only to recommendations that name their "
            "country (%(own)s) or no country.",
            own=actor.country_code or "-",
        )
    return N_(
        "Only focal points, liaison officers, coordinators and administrators may add "
        "progress notes."
    )


def _link_decide(actor: Actor, target: object) -> str | None:
    # Staff decide every link; a need's country decides on its need (its focal points); a
    # project's writers may say which needs and recommendations their project serves.
    assert isinstance(target, LinkScope)
    if actor.role in STAFF:
        return None
    if (
        target.need_country is not None
        and actor.role == Role.FOCAL_POINT
        and actor.country_code == target.need_country
    ):
        return None
    # A project's writers speak for their project, but only about needs of a country it
    # works in: a link confirmed elsewhere would mark another country's need as assisted.
    in_country = target.need_country is None or target.need_country in target.project.countries
    if actor.role != Role.VIEWER and in_country and _project_write(actor, target.project) is None:
        return None
    if target.need_country is not None:
        return N_(
            "Only coordinators, the focal points of %(country)s and those who may edit the "
            "project may decide on the links of this need.",
            country=target.need_country,
        )
    return N_(
        "Only coordinators and those who may edit the project may decide on the links of "
        "a recommendation."
    )


POLICY: dict[str, Rule] = {
    "project.read": _anyone,
    "project.create": _project_write,
    "project.update": _project_write,
    "project.withdraw": _project_write,
    "project.restore": _staff_only(
        N_("Only coordinators and administrators may restore withdrawn projects.")
    ),
    "project.read_withdrawn": _staff_only(
        N_("Only coordinators and administrators may see withdrawn projects.")
    ),
    "need.read": _anyone,
    "need.create": _need_write,
    "need.update": _need_write,
    "need.state": _need_write,
    # A withdrawn need is how a need is deleted: those who may write it may still see it
    # (and open it again), others no longer.
    "need.read_withdrawn": _need_write,
    "organization.create": _organization_write,
    "organization.update": _organization_write,
    "user.manage": _admin_only(N_("Only administrators may manage users.")),
    # A country's focal points are its contacts: every signed-in person may see their names,
    # e-mail addresses and organizations (on the country page), not the rest of the account.
    "user.read_focal_points": _anyone,
    "alert.read": _alert_read,
    "alert.resolve": _staff_only(
        N_("Only coordinators and administrators may resolve duplicate alerts.")
    ),
    "webhook.manage": _staff_only(N_("Only coordinators and administrators may manage webhooks.")),
    "iati.import": _iati_import,
    "iati.import_read_all": _staff_only(
        N_("Only coordinators and administrators may see other users' imports.")
    ),
    # Documents go with their project: whoever may edit it may add, edit, withdraw and
    # restore them, and see the withdrawn ones (the target is the project's scope).
    "document.upload": _project_write,
    "document.update": _project_write,
    "document.withdraw": _project_write,
    "document.restore": _project_write,
    "document.read_withdrawn": _project_write,
    # An event's agenda, presentations and report: every signed-in person reads them; the
    # secretariat's staff keep them.
    "event_document.read": _anyone,
    "event_document.write": _staff_only(
        N_("Only coordinators and administrators may change the documents of an event.")
    ),
    "indicator.write": _indicator_write,
    "indicator.import": _indicator_import,
    "indicator.enter": _indicator_enter,
    # The consultative mechanism (adam.pact): its coordinators keep the events and the
    # recommendations; every signed-in person reads them.
    "event.read": _anyone,
    "event.create": _staff_only(N_("Only coordinators and administrators may register events.")),
    "event.update": _staff_only(N_("Only coordinators and administrators may change events.")),
    "event.withdraw": _staff_only(N_("Only coordinators and administrators may withdraw events.")),
    # Withdrawing is how an event or a recommendation is deleted: staff still see (and may
    # restore) them, others no longer.
    "event.read_withdrawn": _staff_only(
        N_("Only coordinators and administrators may see withdrawn events.")
    ),
    "event.restore": _staff_only(N_("Only coordinators and administrators may restore events.")),
    "recommendation.read_withdrawn": _staff_only(
        N_("Only coordinators and administrators may see withdrawn recommendations.")
    ),
    "recommendation.read": _anyone,
    "recommendation.create": _staff_only(
        N_("Only coordinators and administrators may register recommendations.")
    ),
    "recommendation.update": _staff_only(
        N_("Only coordinators and administrators may change recommendations.")
    ),
    "recommendation.state": _staff_only(
        N_("Only coordinators and administrators may change a recommendation's state.")
    ),
    "recommendation.follow_up": _staff_only(
        N_("Only coordinators and administrators may set a recommendation's follow-up status.")
    ),
    "progress_note.read": _anyone,
    "progress_note.create": _progress_note_write,
    # Links between projects and the needs or recommendations they serve (adam.coverage):
    # read by every signed-in person, as needs and recommendations are.
    "link.read": _anyone,
    "link.decide": _link_decide,
}


def denial(actor: Actor, action: str, target: object = None) -> str | None:
    return POLICY[action](actor, target)


def allowed(actor: Actor, action: str, target: object = None) -> bool:
    return denial(actor, action, target) is None


def require(actor: Actor, action: str, target: object = None) -> None:
    """:raises Forbidden: with the rule's reason when the actor may not do ``action``."""
    reason = denial(actor, action, target)
    if reason is not None:
        raise Forbidden(reason)
