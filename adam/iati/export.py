"""Projects as IATI 2.03 activities: one element per project, written into a streamed document.

No database and no Flask here: the export service hands in loaded projects (with their
countries, themes and organizations), their documents and the settings.

Element order follows the xsd:sequence of ``iati-activity`` in the shipped schema
(adam/iati/schema/iati-activities-schema.xsd); children are written in a fixed order (countries
by code, themes by slug, organizations as registered, documents by id) so that two exports
of the same data are the same bytes apart from the timestamps, and a round trip compares cleanly.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from lxml import etree

from adam.iati import codes
from adam.projects.models import Project, ProjectStatus

# Bytes gathered before a chunk is handed to the server (as the CSV export does).
CHUNK_BYTES = 64 * 1024

# Characters XML 1.0 forbids (C0 controls but tab, LF and CR; lone surrogates; U+FFFE/U+FFFF).
# Pasted descriptions carry them (form feeds, vertical tabs, NULs) and lxml refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A start date is actual (IATI ActivityDateType 2) once the project is running or past it;
# an end date is actual (4) once it has ended. Either is planned (1, 3) when in the future.
STARTED = frozenset(
    {
        ProjectStatus.IMPLEMENTATION,
        ProjectStatus.FINALISATION,
        ProjectStatus.CLOSED,
        ProjectStatus.SUSPENDED,
    }
)
ENDED = frozenset({ProjectStatus.FINALISATION, ProjectStatus.CLOSED, ProjectStatus.CANCELLED})
CONTACT_GENERAL = "1"  # ContactType: general enquiries


class LinkedDocument(Protocol):
    """What a document-link needs of a document (adam.documents.models.Document has it)."""

    @property
    def title(self) -> str: ...
    @property
    def category_code(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def content_path(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ReportingOrg:
    ref: str
    type: str
    name: str


@dataclass(frozen=True, slots=True)
class ExportSettings:
    reporting_org: ReportingOrg
    public_url: str  # no trailing slash
    today: dt.date  # decides whether a date is actual or planned

    @property
    def theme_vocabulary_uri(self) -> str:
        """Where vocabulary 99 (ADAM's theme slugs) is listed: this service's theme list."""
        return f"{self.public_url}/api/v1/themes" if self.public_url else codes.THEME_VOCABULARY_URI


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def iati_identifier(project: Project, reporting_org_ref: str) -> str:
    """The project's own IATI identifier, else ``{reporting org ref}-{ADAM code}``."""
    return project.iati_identifier or f"{reporting_org_ref}-{project.code}"


def iso_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _percent(value: Decimal) -> str:
    return f"{value:.2f}"


def _narrative(parent: etree._Element, text: str, lang: str | None, activity_lang: str) -> None:
    """A narrative; xml:lang only when it is not the activity's own language."""
    element = etree.SubElement(parent, "narrative")
    if lang and lang != activity_lang:
        element.set(codes.XML_LANG, lang)
    element.text = xml_text(text)


def _dates(project: Project, today: dt.date) -> list[tuple[str, dt.date]]:
    dates: list[tuple[str, dt.date]] = []
    if project.start_date is not None:
        actual = project.status in STARTED and project.start_date <= today
        dates.append((codes.ACTUAL_START if actual else codes.PLANNED_START, project.start_date))
    if project.end_date is not None:
        actual = project.status in ENDED and project.end_date <= today
        dates.append((codes.ACTUAL_END if actual else codes.PLANNED_END, project.end_date))
    if not dates:
        # IATI requires at least one activity-date: a project registered without dates gets
        # the day it was registered as its planned start (said so in a narrative).
        dates.append((codes.PLANNED_START, project.created_at.astimezone(dt.UTC).date()))
    return dates


def _dac_codes(project: Project) -> list[str]:
    """The themes' DAC 5-digit codes, each once, in theme (slug) order then the theme's order."""
    seen: dict[str, None] = {}
    for theme in project.themes:
        for code in theme.dac_codes or ():
            seen.setdefault(code, None)
    return list(seen)


def activity_element(
    project: Project, documents: Sequence[LinkedDocument], settings: ExportSettings
) -> etree._Element:
    """One ``iati-activity`` for a project whose countries, themes and organizations are loaded."""
    lang = project.language or "en"
    attributes = {"last-updated-datetime": iso_datetime(project.updated_at), codes.XML_LANG: lang}
    if project.budget_currency:
        attributes["default-currency"] = project.budget_currency
    activity = etree.Element("iati-activity", attributes)

    org = settings.reporting_org
    etree.SubElement(activity, "iati-identifier").text = xml_text(iati_identifier(project, org.ref))
    reporting = etree.SubElement(activity, "reporting-org", ref=org.ref, type=org.type)
    _narrative(reporting, org.name, "en", lang)

    _narrative(etree.SubElement(activity, "title"), project.title, None, lang)
    # IATI requires a description; a project registered without one repeats its title.
    description = xml_text(project.description or "").strip() or project.title
    _narrative(etree.SubElement(activity, "description", type="1"), description, None, lang)

    for role, organizations in (
        (codes.ROLE_FUNDING, project.donors),
        (codes.ROLE_IMPLEMENTING, project.implementers),
    ):
        for organization in organizations:
            element = etree.SubElement(
                activity,
                "participating-org",
                ref=xml_text(organization.code),
                type=codes.ORG_TYPE_TO_IATI[organization.type],
                role=role,
            )
            _narrative(element, organization.name, None, lang)

    etree.SubElement(activity, "activity-status", code=codes.STATUS_TO_IATI[project.status])
    for date_type, day in _dates(project, settings.today):
        element = etree.SubElement(
            activity, "activity-date", {"type": date_type, "iso-date": day.isoformat()}
        )
        if project.start_date is None and project.end_date is None:
            _narrative(
                element, "Dates not recorded in ADAM; this is the registration date.", "en", lang
            )

    if project.contact_name or project.contact_email:
        contact = etree.SubElement(activity, "contact-info", type=CONTACT_GENERAL)
        if project.contact_name:
            _narrative(etree.SubElement(contact, "person-name"), project.contact_name, None, lang)
        if project.contact_email:
            etree.SubElement(contact, "email").text = xml_text(project.contact_email)

    countries = project.countries
    shares = codes.split_percentages(len(countries)) if len(countries) > 1 else []
    for index, country in enumerate(countries):
        element = etree.SubElement(activity, "recipient-country", code=country.code)
        if shares:
            element.set("percentage", _percent(shares[index]))

    dac = _dac_codes(project)
    for code, share in zip(dac, codes.split_percentages(len(dac)), strict=True):
        etree.SubElement(
            activity,
            "sector",
            vocabulary=codes.VOCABULARY_DAC5,
            code=code,
            percentage=_percent(share),
        )
    themes = project.themes
    for theme, share in zip(themes, codes.split_percentages(len(themes)), strict=True):
        element = etree.SubElement(
            activity,
            "sector",
            {
                "vocabulary": codes.VOCABULARY_REPORTING_ORG,
                "vocabulary-uri": settings.theme_vocabulary_uri,
                "code": theme.slug,
                "percentage": _percent(share),
            },
        )
        _narrative(element, theme.name_en, "en", lang)
        _narrative(element, theme.name_ru, "ru", lang)

    # IATI budgets need both period ends; a project lacking a date has its budget left out
    # (its currency still shows as the default-currency). The period is the project's whole
    # span, which may exceed IATI's advised year: ADAM records one budget per project.
    if project.budget_amount is not None and project.start_date and project.end_date:
        budget = etree.SubElement(
            activity, "budget", type=codes.BUDGET_ORIGINAL, status=codes.BUDGET_INDICATIVE
        )
        etree.SubElement(budget, "period-start", {"iso-date": project.start_date.isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": project.end_date.isoformat()})
        value = etree.SubElement(
            budget,
            "value",
            {
                "currency": project.budget_currency or "",
                "value-date": project.start_date.isoformat(),
            },
        )
        value.text = f"{project.budget_amount:.2f}"

    for document in documents:
        link = etree.SubElement(
            activity,
            "document-link",
            url=xml_text(settings.public_url + document.content_path),
            format=xml_text(document.media_type),
        )
        _narrative(etree.SubElement(link, "title"), document.title, document.language, lang)
        etree.SubElement(link, "category", code=document.category_code)
        etree.SubElement(link, "language", code=document.language)
    return activity


def document_chunks(
    activities: Iterable[etree._Element], *, generated_at: dt.datetime
) -> Iterator[bytes]:
    """The ``iati-activities`` document around ``activities``, in UTF-8 chunks of about
    CHUNK_BYTES; each activity is written (and can be freed) as it comes."""
    buffer = io.BytesIO()
    root = {"version": codes.IATI_VERSION, "generated-datetime": iso_datetime(generated_at)}
    with etree.xmlfile(buffer, encoding="utf-8", buffered=False) as xml:
        xml.write_declaration()
        with xml.element("iati-activities", root):
            xml.write("\n")
            for activity in activities:
                xml.write(activity, pretty_print=True)
                if buffer.tell() >= CHUNK_BYTES:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
    yield buffer.getvalue() + b"\n"
