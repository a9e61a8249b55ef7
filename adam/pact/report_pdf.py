"""The follow-up report as a PDF: what the printable page shows, in the reader's language.

It is made from the built ``FollowUpReport`` (no query of its own); names of codes and
catalogue messages come from the ``Wording`` the workbook uses, dates and amounts are
formatted by Babel for ``Wording.language`` as the page's filters format them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from adam.errors import N_
from adam.exports.pdf import PAGE_COUNT, PAGE_NUMBER, Document
from adam.pact.follow_up import FollowUp, LinkedProject
from adam.pact.models import Event, Recommendation
from adam.pact.report import FollowUpReport, Wording

NOTHING = "—"


def _day(day: dt.date, words: Wording, style: str = "medium") -> str:
    return format_date(day, style, locale=words.language)


def _money(amount: Decimal, currency: str, words: Wording) -> str:
    return format_currency(amount, currency, locale=words.language)


def event_title(event: Event, words: Wording) -> str:
    """As the page names it: "Policy Consultative Group 17, Vienna, 11 Dec 2023"."""
    name = f"{words.label(event.kind)} {event.number or ''}".strip()
    parts = [name, event.place or "", _day(event.start_date, words)]
    return ", ".join(p for p in parts if p)


def _text(recommendation: Recommendation, words: Wording) -> str | None:
    """The wording in the reader's language, else the other one (as the page does)."""
    own, other = ("ru", "en") if words.language == "ru" else ("en", "ru")
    for language in (own, other):
        found = getattr(recommendation, f"text_{language}")
        if found:
            return str(found)
    return None


def _project(project: LinkedProject, words: Wording) -> str:
    donors = ", ".join(name for _, name in project.donors) or words.text(N_("no donor named"))
    if project.budget_amount is not None and project.budget_currency:
        budget = _money(project.budget_amount, project.budget_currency, words)
    else:
        budget = words.text(N_("no budget"))
    start = _day(project.start_date, words) if project.start_date else "…"
    end = _day(project.end_date, words) if project.end_date else "…"
    return f"{project.code}: {project.title} — {donors} — {budget} — {start} – {end}"


def _recommendation(pdf: Document, item: FollowUp, words: Wording) -> None:
    text = words.text
    rec = item.recommendation
    pdf.paragraph(rec.code, bold=True)
    wording = _text(rec, words)
    if wording:
        pdf.paragraph(wording)
    if rec.illustrative:
        pdf.paragraph(text(N_("Illustrative stand-in text")), muted=True)
    if rec.endorsed_by is not None:
        meeting = event_title(rec.endorsed_by, words)
        endorsed = text(N_("Endorsed by %(meeting)s")) % {"meeting": meeting}
        pdf.paragraph(endorsed, muted=True)
    pdf.labelled(text(N_("Follow-up status")), words.label(rec.follow_up))
    if item.projects:
        pdf.labelled(text(N_("Projects that serve it")), "")
        pdf.bullets([_project(p, words) for p in item.projects])
    else:
        pdf.labelled(text(N_("Projects that serve it")), text(N_("None")))
    sums = [_money(amount, currency, words) for currency, amount in item.budgets.items()]
    pdf.labelled(text(N_("Budgets")), "; ".join(sums) or NOTHING)
    note = item.latest_note
    latest = f"{_day(note.noted_on, words)}: {note.text}" if note else NOTHING
    pdf.labelled(text(N_("Latest progress note")), latest)
    pdf.rule()


def report_pdf(report: FollowUpReport, words: Wording) -> bytes:
    """The report as an A4 PDF (the API's and the portal's download alike)."""
    text = words.text
    title = text(N_("Follow-up report"))
    if report.event is not None:
        title += f": {event_title(report.event, words)}"
    made = _day(report.as_of, words, "long")
    pdf = Document(
        title=title,
        language=words.language,
        page_label=text(N_("Page %(page)s of %(pages)s", page=PAGE_NUMBER, pages=PAGE_COUNT)),
        note=text(N_("Generated on %(day)s", day=made)),
    )
    pdf.title_block(title)
    pdf.paragraph(text(N_("As of %(day)s", day=made)), muted=True)
    for section in report.sections:
        pdf.heading(words.label(section.pillar))
        if not section.recommendations:
            pdf.paragraph(text(N_("No endorsed recommendation in this pillar.")))
        for item in section.recommendations:
            _recommendation(pdf, item, words)
    return pdf.to_bytes()
