"""Read IATI 2.03 activity files: check a whole file, then stream its activities as ADAM fields.

Pure: no database and no Flask. What the mapping needs to know of ADAM (its theme slugs, the
countries it knows, the default theme...) comes in as ``MappingRules``; organizations come out
as references (IATI ref and name) that the import resolves or creates.

The XML is parsed with lxml's iterparse, one activity at a time (memory stays flat whatever
the file's size), with the parser's dangerous features off: no entity expansion, no network,
no DTD, and libxml2's limits on depth and text size kept (``huge_tree`` off). A file with a
DOCTYPE is refused outright: IATI files have none, and that is where entity bombs live.

One module although above 400 lines: one pure transformation, IATI XML in and ``Activity``
out; the mapping is a row of small readers, one per IATI element, over one ``Activity``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from lxml import etree

from adam.errors import InvalidInput
from adam.iati import codes
from adam.projects.models import ProjectStatus
from adam.reference.codes import is_currency, is_language
from adam.reference.service import ORG_CODE

ROOT = "iati-activities"
ACTIVITY = "iati-activity"
DEFAULT_LANGUAGE = "en"
# ADAM's limits (projects.schemas): longer text is cut and the cut noted.
MAX_TITLE = 500
MAX_DESCRIPTION = 20000
MAX_ORGANIZATION_NAME = 300
MAX_CONTACT_NAME = 200
MAX_ORGANIZATIONS = 50
MAX_THEMES = 20
CENT = Decimal("0.01")
# Sector vocabularies read as ADAM theme slugs: 99 (the reporting organisation's own, what
# ADAM's export writes) and 98 (its second one).
OWN_VOCABULARIES = frozenset({codes.VOCABULARY_REPORTING_ORG, "98"})
_WHITE_SPACE = re.compile(r"\s+")
_is_email = ma.validate.Email()


class MalformedFile(InvalidInput):
    """The file is not an IATI activity file ADAM can read; nothing of it is imported."""

    def __init__(self, reason: str, line: int | None) -> None:
        where = f"Line {line}: " if line else ""
        super().__init__(
            f"The file cannot be imported: {where}{reason}",
            {"file": [f"{where}{reason}"], **({"line": [str(line)]} if line else {})},
        )
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FileSummary:
    activities: int
    version: str | None


@dataclass(frozen=True, slots=True)
class MappingRules:
    theme_slugs: frozenset[str]
    # Countries the activity may name: ADAM's, narrowed by IATI_IMPORT_COUNTRIES when set.
    country_codes: frozenset[str]
    default_theme: str | None = None
    # Organization code (an ADAM one) of the file's publisher: the donor when an activity
    # names no funding organisation.
    publisher_org: str | None = None


@dataclass(frozen=True, slots=True)
class OrganizationRef:
    """An organisation as the file names it: a usable IATI ref, or only a name."""

    ref: str | None
    name: str
    type_code: str | None
    funds: bool

    def label(self) -> str:
        return self.ref or self.name


@dataclass(slots=True)
class Activity:
    """One activity mapped to ADAM's fields, with the notes on what was dropped or changed.

    ``skip`` says why it cannot become a project at all (then the rest may be partial).
    """

    line: int
    iati_identifier: str | None
    title: str = ""
    description: str | None = None
    language: str = DEFAULT_LANGUAGE
    status: str = ProjectStatus.IMPLEMENTATION.value
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    budget: tuple[Decimal, str] | None = None
    contact: dict[str, str | None] | None = None
    countries: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    donors: list[OrganizationRef] = field(default_factory=list)
    implementers: list[OrganizationRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skip: str | None = None


def _iterparse(content: bytes, **kwargs: Any) -> Any:
    return etree.iterparse(
        io.BytesIO(content),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=False,
        remove_comments=True,
        remove_pis=True,
        **kwargs,
    )


def _check_root(root: Any) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise MalformedFile("IATI files have no DOCTYPE; this one is refused.", root.sourceline)
    if root.tag != ROOT:
        raise MalformedFile(
            f"The root element is <{_tag_name(root.tag)}>, not <{ROOT}>: "
            "this is not an IATI activity file.",
            root.sourceline,
        )
    version = (root.get("version") or "").strip()
    if version.startswith("1."):
        raise MalformedFile(
            f"IATI version {version} is not supported; publish or convert to 2.03.",
            root.sourceline,
        )


def _tag_name(tag: Any) -> str:
    return str(tag).rpartition("}")[2] if isinstance(tag, str) else "?"


def check_file(content: bytes) -> FileSummary:
    """Read the whole file once, cheaply: well-formed, rooted in ``iati-activities``.

    :raises MalformedFile: with the line of the first problem.
    """
    if not content.strip():
        raise MalformedFile("The file is empty.", None)
    count = 0
    version: str | None = None
    depth = 0
    try:
        for event, element in _iterparse(content, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1:
                    _check_root(element)
                    version = element.get("version")
                continue
            depth -= 1
            if depth == 1:
                if element.tag == ACTIVITY:
                    count += 1
                _release(element)
    except etree.XMLSyntaxError as error:
        raise MalformedFile(_syntax_reason(error), error.lineno or None) from None
    if count == 0:
        raise MalformedFile(f"The file holds no <{ACTIVITY}>.", None)
    return FileSummary(activities=count, version=version)


def _syntax_reason(error: etree.XMLSyntaxError) -> str:
    # libxml2 appends ", line N, column M" to its message; the line is reported apart.
    message = re.sub(r",? line \d+, column \d+$", "", str(error.msg or error)).strip()
    return f"not well-formed XML ({message})."


def _release(element: Any) -> None:
    """Free an element read to its end and the siblings before it (flat memory)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_activities(content: bytes, rules: MappingRules) -> Iterator[Activity]:
    """Each activity of a file that ``check_file`` accepted, mapped, in file order."""
    root, root_language = None, DEFAULT_LANGUAGE
    for event, element in _iterparse(content, events=("start", "end"), tag=(ROOT, ACTIVITY)):
        if event == "start":
            if root is None:
                root = element
                root_language = _language_code(element.get(codes.XML_LANG)) or DEFAULT_LANGUAGE
            continue
        # Only the root's children: check_file counted those.
        if element.tag == ACTIVITY and element.getparent() is root:
            yield map_activity(element, rules, root_language=root_language)
            _release(element)


# --- Mapping one activity ---


def _text(element: Any) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _language_code(value: str | None) -> str | None:
    """ "EN", "en-GB", "fr_FR" -> "en", "fr"; None when absent."""
    if not value or not value.strip():
        return None
    return re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]


def _narratives(element: Any, default: str) -> list[tuple[str, str]]:
    """(language, text) of each non-empty narrative; one without xml:lang has ``default``."""
    if element is None:
        return []
    found = []
    for narrative in element.iterfind("narrative"):
        text = _text(narrative).strip()
        if text:
            found.append((_language_code(narrative.get(codes.XML_LANG)) or default, text))
    return found


def _pick(narratives: list[tuple[str, str]], *languages: str) -> tuple[str, str] | None:
    for language in languages:
        for narrative in narratives:
            if narrative[0] == language:
                return narrative
    return narratives[0] if narratives else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def map_activity(element: Any, rules: MappingRules, *, root_language: str) -> Activity:
    """One ``iati-activity`` element as ADAM fields (see the README's mapping table)."""
    language = _language_code(element.get(codes.XML_LANG)) or root_language
    identifier = _text(element.find("iati-identifier")).strip() or None
    activity = Activity(line=element.sourceline or 0, iati_identifier=identifier)
    if identifier is None:
        activity.skip = "no iati-identifier: it could not be updated by a later import"
        return activity
    _title_and_description(element, activity, language)
    _organizations(element, activity, language, rules)
    _countries(element, activity, rules)
    _themes(element, activity, rules)
    _status(element, activity)
    _dates(element, activity)
    _budget(element, activity)
    _contact(element, activity, language)
    links = len(element.findall("document-link"))
    if links:
        activity.notes.append(
            f"{links} document-link(s) not imported: ADAM documents are uploaded files."
        )
    return activity


def _title_and_description(element: Any, activity: Activity, language: str) -> None:
    chosen = _pick(_narratives(element.find("title"), language), language)
    if chosen is None:
        activity.skip = "no title"
        return
    title_language, title = chosen[0], _WHITE_SPACE.sub(" ", chosen[1])
    if is_language(title_language):
        activity.language = title_language
    else:
        activity.notes.append(
            f"Language {title_language!r} is not ISO 639-1; recorded as {DEFAULT_LANGUAGE}."
        )
    if len(title) > MAX_TITLE:
        activity.notes.append(f"Title cut to {MAX_TITLE} characters (it had {len(title)}).")
        title = title[:MAX_TITLE].rstrip()
    activity.title = title
    descriptions = element.findall("description")
    general = [d for d in descriptions if (d.get("type") or "1").strip() == "1"]
    others = [d for d in descriptions if d not in general]
    for group in (general, others):
        narratives = [n for d in group for n in _narratives(d, language)]
        picked = _pick(narratives, title_language, language)
        if picked is not None:
            text = picked[1]
            if len(text) > MAX_DESCRIPTION:
                activity.notes.append(
                    f"Description cut to {MAX_DESCRIPTION} characters (it had {len(text)})."
                )
                text = text[:MAX_DESCRIPTION].rstrip()
            activity.description = text
            break


def _organization(
    element: Any, language: str, *, funds: bool, notes: list[str]
) -> OrganizationRef | None:
    """The organisation an element names (None, and a note, when it names none usable)."""
    ref = (element.get("ref") or "").strip() or None
    picked = _pick(_narratives(element, language), language)
    name = _WHITE_SPACE.sub(" ", picked[1])[:MAX_ORGANIZATION_NAME] if picked else ""
    if ref is not None and not ORG_CODE.match(ref):
        notes.append(f"Organisation ref {ref!r} is no usable code; matched by name instead.")
        ref = None
    if ref is None and not name:
        notes.append("An organisation with neither a usable ref nor a name was left out.")
        return None
    return OrganizationRef(ref=ref, name=name, type_code=element.get("type"), funds=funds)


def _organizations(element: Any, activity: Activity, language: str, rules: MappingRules) -> None:
    wanted = {codes.ROLE_FUNDING: activity.donors, codes.ROLE_IMPLEMENTING: activity.implementers}
    seen: set[tuple[str, str]] = set()
    for participating in element.iterfind("participating-org"):
        role = (participating.get("role") or "").strip()
        if role not in wanted:
            continue  # accountable (2) and extending (3) organisations have no ADAM role
        found = _organization(
            participating, language, funds=role == codes.ROLE_FUNDING, notes=activity.notes
        )
        if found is None:
            continue
        key = (role, (found.ref or "").lower() or "name:" + found.name.casefold())
        if key not in seen:
            seen.add(key)
            wanted[role].append(found)
    if not activity.donors:
        _fallback_donor(element, activity, language, rules)
    for name, orgs in (("donors", activity.donors), ("implementers", activity.implementers)):
        if len(orgs) > MAX_ORGANIZATIONS:
            activity.notes.append(f"Only the first {MAX_ORGANIZATIONS} {name} were kept.")
            del orgs[MAX_ORGANIZATIONS:]


def _fallback_donor(element: Any, activity: Activity, language: str, rules: MappingRules) -> None:
    """No funding organisation: the publisher named with the upload, else the reporting-org."""
    if rules.publisher_org:
        activity.donors.append(
            OrganizationRef(ref=rules.publisher_org, name="", type_code=None, funds=True)
        )
        activity.notes.append(
            f"No funding organisation: the publisher {rules.publisher_org} is the donor."
        )
        return
    reporting = element.find("reporting-org")
    found = (
        _organization(reporting, language, funds=True, notes=activity.notes)
        if reporting is not None
        else None
    )
    if found is not None:
        activity.donors.append(found)
        activity.notes.append(
            f"No funding organisation: the reporting organisation {found.label()} is the donor."
        )
    elif activity.skip is None:
        activity.skip = "no donor: no funding organisation and no usable reporting-org"


def _countries(element: Any, activity: Activity, rules: MappingRules) -> None:
    given = [(c.get("code") or "").strip().upper() for c in element.iterfind("recipient-country")]
    if not given:
        # IATI lets a publisher name the countries on each transaction instead.
        given = [
            (c.get("code") or "").strip().upper()
            for c in element.iterfind("transaction/recipient-country")
        ]
    given = list(dict.fromkeys(c for c in given if c))
    kept = [c for c in given if c in rules.country_codes]
    dropped = [c for c in given if c not in rules.country_codes]
    activity.countries = kept[:60]
    if kept and dropped:
        activity.notes.append(
            f"Countries not kept (unknown or out of scope): {', '.join(dropped)}."
        )
    if kept or activity.skip:
        return
    regions = [(r.get("code") or "").strip() for r in element.iterfind("recipient-region")]
    detail = []
    if dropped:
        detail.append(f"countries unknown or out of scope: {', '.join(dropped)}")
    if any(regions):
        detail.append(f"regions only: {', '.join(r for r in regions if r)}")
    activity.skip = "no recipient country in scope" + (
        f" ({'; '.join(detail)})" if detail else " (none given)"
    )


def _themes(element: Any, activity: Activity, rules: MappingRules) -> None:
    sectors = [
        ((s.get("vocabulary") or "").strip(), (s.get("code") or "").strip())
        for s in element.iterfind("sector")
    ]
    own = [code.lower() for vocabulary, code in sectors if vocabulary in OWN_VOCABULARIES]
    themes = [slug for slug in own if slug in rules.theme_slugs]
    if not themes:
        dac = [code for vocabulary, code in sectors if vocabulary in ("", codes.VOCABULARY_DAC5)]
        themes = [codes.DAC_TO_THEME[code] for code in dac if code in codes.DAC_TO_THEME]
        themes = [slug for slug in themes if slug in rules.theme_slugs]
    activity.themes = list(dict.fromkeys(themes))[:MAX_THEMES]
    if activity.themes or activity.skip:
        return
    listed = ", ".join(f"{v or '1'}:{c}" for v, c in sectors) or "none"
    if rules.default_theme:
        activity.themes = [rules.default_theme]
        activity.notes.append(
            f"No sector maps to an ADAM theme (sectors: {listed}); "
            f"given the default theme {rules.default_theme}."
        )
    else:
        activity.skip = f"no sector maps to an ADAM theme (sectors: {listed})"


def _status(element: Any, activity: Activity) -> None:
    status = element.find("activity-status")
    code = (status.get("code") or "").strip() if status is not None else ""
    mapped = codes.IATI_TO_STATUS.get(code)
    if mapped is None:
        activity.notes.append(
            f"Activity status {code or 'missing'}: recorded as "
            f"{ProjectStatus.IMPLEMENTATION.value}."
        )
        mapped = ProjectStatus.IMPLEMENTATION
    activity.status = mapped.value


def _dates(element: Any, activity: Activity) -> None:
    found: dict[str, dt.date] = {}
    for date in element.iterfind("activity-date"):
        kind = (date.get("type") or "").strip()
        value = _date(date.get("iso-date"))
        if value is None:
            activity.notes.append(f"Activity date {date.get('iso-date')!r} is no date; ignored.")
        elif kind not in found:
            found[kind] = value
    activity.start_date = found.get(codes.ACTUAL_START) or found.get(codes.PLANNED_START)
    activity.end_date = found.get(codes.ACTUAL_END) or found.get(codes.PLANNED_END)
    if activity.start_date and activity.end_date and activity.end_date < activity.start_date:
        activity.notes.append(
            f"End date {activity.end_date} is before the start {activity.start_date}; "
            "the end date was left out."
        )
        activity.end_date = None


def _budget(element: Any, activity: Activity) -> None:
    """Per period the revised budgets if it has any, else the original ones; summed by
    currency, and the currency with the largest sum kept (the others noted)."""
    default_currency = (element.get("default-currency") or "").strip().upper()
    periods: dict[tuple[str, str], dict[str, list[tuple[Decimal, str]]]] = {}
    for budget in element.iterfind("budget"):
        kind = (budget.get("type") or codes.BUDGET_ORIGINAL).strip()
        value = budget.find("value")
        if value is None or kind not in (codes.BUDGET_ORIGINAL, codes.BUDGET_REVISED):
            continue
        amount = _amount(_text(value))
        currency = (value.get("currency") or default_currency).strip().upper()
        if amount is None or amount < 0:
            activity.notes.append(f"Budget value {_text(value).strip()!r} is no amount; ignored.")
            continue
        if not is_currency(currency):
            activity.notes.append(
                f"Budget of {amount} has no known currency ({currency or 'none given'}); ignored."
            )
            continue
        start = budget.find("period-start")
        end = budget.find("period-end")
        period = (
            start.get("iso-date", "") if start is not None else "",
            end.get("iso-date", "") if end is not None else "",
        )
        periods.setdefault(period, {}).setdefault(kind, []).append((amount, currency))
    sums: dict[str, Decimal] = {}
    for by_kind in periods.values():
        for amount, currency in by_kind.get(codes.BUDGET_REVISED) or by_kind[codes.BUDGET_ORIGINAL]:
            sums[currency] = sums.get(currency, Decimal(0)) + amount
    if not sums:
        return
    currency = max(sorted(sums), key=lambda c: sums[c])
    total = sums[currency]
    rounded = total.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != total:
        activity.notes.append(f"Budget {total} {currency} rounded to {rounded}.")
    others = [f"{sums[c]} {c}" for c in sorted(sums) if c != currency]
    if others:
        activity.notes.append(f"Budgets in other currencies not counted: {', '.join(others)}.")
    activity.budget = (rounded, currency)


def _contact(element: Any, activity: Activity, language: str) -> None:
    for info in element.iterfind("contact-info"):
        person = _pick(_narratives(info.find("person-name"), language), language)
        name = _WHITE_SPACE.sub(" ", person[1])[:MAX_CONTACT_NAME] if person else None
        email: str | None = _text(info.find("email")).strip() or None
        if email is not None:
            try:
                _is_email(email)
            except ma.ValidationError:
                activity.notes.append(f"Contact e-mail {email!r} is not an address; left out.")
                email = None
        if name or email:
            activity.contact = {"name": name, "email": email}
            return
