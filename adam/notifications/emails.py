"""E-mail for events: a plain-text and an HTML part, both projects side by side.

Everything from the payload is user input (titles, descriptions, organization names), so the
HTML part escapes every value, and the subject holds only one line of limited length.

Each message is in its recipient's language (``locale``: "en" or "ru"; anything else is
English). The texts are marked with ``N_`` so that the portal's catalogue holds them (see
./dev messages); this module reads that catalogue with babel itself, as it knows no Flask.
Dates stay ISO 8601 in every language.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

from adam.errors import N_, Text
from adam.notifications.events import ALERT_CREATED, LINK_SUGGESTED, NEED_UNASSISTED

LABEL_WIDTH = 14
COLUMN_WIDTH = 30  # two columns and the label stay within 78 characters, the e-mail line norm
DESCRIPTION_LIMIT = 600  # the alert link leads to the whole text
_SPACE = re.compile(r"\s+")

# The portal's catalogue, read as files: this domain does not import the web layer.
TRANSLATIONS = Path(__file__).resolve().parent.parent / "portal" / "translations"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "ru")

Translate = Callable[[str], str]


def language(locale: str | None) -> str:
    """The language an e-mail is written in for a recipient who chose ``locale``."""
    return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def _catalogue(lang: str) -> NullTranslations:
    return Translations.load(dirname=str(TRANSLATIONS), locales=[lang], domain="messages")


def _english(text: str) -> str:
    return str(text)


def translator(locale: str | None) -> Translate:
    """A function giving an ``N_`` text in ``locale``; other strings (user data) pass as is."""
    lang = language(locale)
    if lang == DEFAULT_LANGUAGE:
        return _english  # the templates are English
    catalogue = _catalogue(lang)

    def translate(text: str) -> str:
        if not isinstance(text, Text):
            return text
        template = catalogue.gettext(text.template)
        return template % text.values if text.values else template

    return translate


# Project statuses by code, for readers of other languages (English keeps the code as sent).
STATUSES: dict[str, Text] = {
    "pipeline": N_("Pipeline"),
    "implementation": N_("Implementation"),
    "finalisation": N_("Finalisation"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    "suspended": N_("Suspended"),
}


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str = DEFAULT_LANGUAGE


def one_line(value: Any, limit: int = 120) -> str:
    text = _SPACE.sub(" ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# E-mails are read by people: an API address of a project or an alert (what the payload names,
# for webhooks) becomes the portal page that shows it.
API_PREFIX = "/api/v1/"
PAGES = ("projects/", "alerts/")


def link(public_url: str, path: Any) -> str | None:
    """Only the service's own paths become links: the payload does not choose where they go."""
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
        if path.startswith(API_PREFIX) and path[len(API_PREFIX) :].startswith(PAGES):
            path = "/" + path[len(API_PREFIX) :]
        return public_url.rstrip("/") + path
    return None


def _names(items: Any, key: str) -> str:
    if not isinstance(items, list) or not items:
        return "—"
    parts = []
    for item in items:
        if isinstance(item, Mapping):
            name, code = item.get("name"), item.get(key)
            parts.append(f"{name} ({code})" if name and code else str(name or code or "?"))
        else:
            parts.append(str(item))
    return "; ".join(parts)


def _dates(project: Mapping[str, Any], tr: Translate) -> str:
    start, end = project.get("start_date"), project.get("end_date")
    if not start and not end:
        return "—"
    end = end or tr(N_("open"))  # no end date yet
    return tr(N_("%(start)s to %(end)s", start=start or "?", end=end))


def _status(project: Mapping[str, Any], tr: Translate) -> str:
    status = str(project.get("status") or "—")
    known = STATUSES.get(status)
    return status if known is None or tr is _english else tr(known)


def _budget(project: Mapping[str, Any]) -> str:
    budget = project.get("budget")
    if isinstance(budget, Mapping) and budget.get("amount") is not None:
        return f"{budget.get('amount')} {budget.get('currency') or ''}".strip()
    return "—"


def _description(project: Mapping[str, Any]) -> str:
    text = project.get("description")
    if not text:
        return "—"
    text = str(text).strip()
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT].rstrip() + "…"


LINK = N_("Link")


def project_rows(
    project: Mapping[str, Any], public_url: str, tr: Translate = _english
) -> list[tuple[str, str]]:
    """The fields compared, in reading order, as (label, text); the labels are ``N_`` texts
    (English as strings), for ``tr`` to give in the reader's language."""
    return [
        (N_("Code"), str(project.get("code") or project.get("id") or "?")),
        (N_("Title"), str(project.get("title") or "—")),
        (N_("Donors"), _names(project.get("donors"), "code")),
        (N_("Implementers"), _names(project.get("implementers"), "code")),
        (N_("Countries"), _names(project.get("countries"), "code")),
        (N_("Themes"), _names(project.get("themes"), "slug")),
        (N_("Status"), _status(project, tr)),
        (N_("Dates"), _dates(project, tr)),
        (N_("Budget"), _budget(project)),
        (N_("Description"), _description(project)),
        (LINK, link(public_url, project.get("url")) or "—"),
    ]


def _side_by_side_text(
    projects: Sequence[Mapping[str, Any]], public_url: str, tr: Translate
) -> str:
    columns = [project_rows(p, public_url, tr) for p in projects[:2]]
    while len(columns) < 2:
        columns.append([(label, "—") for label, _ in columns[0]] if columns else [])
    width = max([LABEL_WIDTH, *(len(tr(label)) + 1 for label, _ in columns[0])])
    project_a, project_b = tr(N_("Project A")), tr(N_("Project B"))
    lines = [" " * width + project_a.ljust(COLUMN_WIDTH + 2) + project_b]
    links: list[str] = []
    for (label, left), (_, right) in zip(columns[0], columns[1], strict=True):
        if label == LINK:  # a URL does not fit a column, and a wrapped one cannot be clicked
            links = [f"{project_a}: {left}", f"{project_b}: {right}"]
            continue
        wrapped_left = _wrap(left)
        wrapped_right = _wrap(right)
        for index, (a, b) in enumerate(
            itertools.zip_longest(wrapped_left, wrapped_right, fillvalue="")
        ):
            head = tr(label) if index == 0 else ""
            lines.append((head.ljust(width) + a.ljust(COLUMN_WIDTH + 2) + b).rstrip())
    return "\n".join([*lines, "", *links])


def _wrap(value: str) -> list[str]:
    return textwrap.wrap(value, COLUMN_WIDTH, break_on_hyphens=False) or [""]


def _side_by_side_html(
    projects: Sequence[Mapping[str, Any]], public_url: str, tr: Translate
) -> str:
    columns = [project_rows(p, public_url, tr) for p in projects[:2]]
    cell = 'style="border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left"'
    project_a, project_b = html.escape(tr(N_("Project A"))), html.escape(tr(N_("Project B")))
    rows = [
        f"<tr><th {cell}></th><th {cell}>{project_a}</th><th {cell}>{project_b}</th></tr>",
    ]
    for index, (label, _) in enumerate(columns[0] if columns else []):
        cells = []
        for column in columns:
            value = column[index][1]
            if label == LINK and value != "—":
                escaped = html.escape(value, quote=True)
                cells.append(f'<td {cell}><a href="{escaped}">{escaped}</a></td>')
            else:
                cells.append(f"<td {cell}>{html.escape(value)}</td>")
        rows.append(f"<tr><th {cell}>{html.escape(tr(label))}</th>{''.join(cells)}</tr>")
    return '<table style="border-collapse:collapse">' + "".join(rows) + "</table>"


def _alert_section(
    payload: Mapping[str, Any], public_url: str, tr: Translate
) -> tuple[str, str, str]:
    """(one-line summary, text, html) of one alert.created payload."""
    raw_alert = payload.get("alert")
    alert: Mapping[str, Any] = raw_alert if isinstance(raw_alert, Mapping) else {}
    projects = [p for p in payload.get("projects") or [] if isinstance(p, Mapping)]
    codes = " / ".join(str(p.get("code") or p.get("id")) for p in projects[:2])
    codes = codes or tr(N_("two projects"))
    score = alert.get("score")
    summary = one_line(
        tr(N_("Possible duplicate: %(codes)s (score %(score)s)", codes=codes, score=score))
        if score
        else tr(N_("Possible duplicate: %(codes)s", codes=codes))
    )
    review, why = tr(N_("Review the alert")), tr(N_("Why:"))
    alert_link = link(public_url, alert.get("url"))
    reasons = [
        str(r.get("detail") or f"{r.get('field')} {r.get('score')}")
        for r in alert.get("reasons") or []
        if isinstance(r, Mapping)
    ]
    text_lines = [summary, ""]
    if alert_link:
        text_lines += [f"{review}: {alert_link}", ""]
    if reasons:
        text_lines += [why, *(f"  - {one_line(r, 200)}" for r in reasons), ""]
    text_lines.append(_side_by_side_text(projects, public_url, tr) if projects else "")
    html_parts = [f"<h2>{html.escape(summary)}</h2>"]
    if alert_link:
        escaped = html.escape(alert_link, quote=True)
        html_parts.append(f'<p>{html.escape(review)}: <a href="{escaped}">{escaped}</a></p>')
    if reasons:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
        html_parts.append(f"<p>{html.escape(why)}</p><ul>{items}</ul>")
    if projects:
        html_parts.append(_side_by_side_html(projects, public_url, tr))
    return summary, "\n".join(text_lines).rstrip() + "\n", "\n".join(html_parts)


INTRO = N_(
    "ADAM found projects that may duplicate each other. Please review and resolve the alert."
)
FOOTER = N_(
    "You receive this because you coordinate projects in ADAM, or your address is on its "
    "alert list. Resolve an alert on its page in the portal (the link above)."
)


def _need_section(
    payload: Mapping[str, Any], public_url: str, tr: Translate
) -> tuple[str, str, str]:
    """(one-line summary, text, html) of one need.unassisted payload."""
    raw = payload.get("need")
    need: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    country = need.get("country") if isinstance(need.get("country"), Mapping) else {}
    code = str((country or {}).get("code") or "?")
    summary = one_line(
        tr(
            N_(
                "High-priority need without assistance in %(country)s: %(title)s",
                country=code,
                title=one_line(need.get("title") or "?", 80),
            )
        )
    )
    cost = need.get("cost") if isinstance(need.get("cost"), Mapping) else None
    rows = [
        (N_("Title"), str(need.get("title") or "—")),
        (N_("Countries"), _names([country] if country else [], "code")),
        (N_("Themes"), _names(need.get("themes"), "slug")),
        (N_("Budget"), _budget({"budget": cost}) if cost else "—"),
        (N_("Days open"), str(need.get("days_open") if need.get("days_open") is not None else "—")),
        (LINK, link(public_url, need.get("url")) or "—"),
    ]
    text = "\n".join(f"{tr(label)}: {value}" for label, value in rows)
    cell = 'style="border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left"'
    table = "".join(
        f"<tr><th {cell}>{html.escape(tr(label))}</th><td {cell}>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    body = f'<h2>{html.escape(summary)}</h2><table style="border-collapse:collapse">{table}</table>'
    return summary, f"{summary}\n\n{text}\n", body


NEED_INTRO = N_(
    "A high-priority need has stayed open with no active project confirmed to serve it. "
    "Please see whether a donor or a project can take it up."
)
LINK_INTRO = N_(
    "A project registered in ADAM likely serves a need of your country. Please confirm or "
    "reject the link."
)
LINK_FOOTER = N_(
    "You receive this because you are a focal point of the country of the need. Confirm or "
    "reject the link on the need's page in the portal."
)
MIXED_INTRO = N_("ADAM has news for you: possible duplicates and projects serving needs.")


def _link_section(
    payload: Mapping[str, Any], public_url: str, tr: Translate
) -> tuple[str, str, str]:
    """(one-line summary, text, html) of one link.suggested payload."""
    raw_link, raw_need, raw_project = (payload.get(k) for k in ("link", "need", "project"))
    found: Mapping[str, Any] = raw_link if isinstance(raw_link, Mapping) else {}
    need: Mapping[str, Any] = raw_need if isinstance(raw_need, Mapping) else {}
    project: Mapping[str, Any] = raw_project if isinstance(raw_project, Mapping) else {}
    summary = one_line(
        tr(
            N_(
                "Project %(project)s may serve the need: %(need)s (score %(score)s)",
                project=str(project.get("code") or project.get("id") or "?"),
                need=one_line(need.get("title") or "?", 80),
                score=found.get("score"),
            )
        )
    )
    why = tr(N_("Why:"))
    rows = [
        (
            tr(N_("Need")),
            one_line(need.get("title") or "—", 200),
            link(public_url, need.get("url")),
        ),
        (
            tr(N_("Project")),
            one_line(f"{project.get('code') or ''} {project.get('title') or ''}".strip(), 200),
            link(public_url, project.get("url")),
        ),
        (tr(N_("Country")), str(need.get("country") or "—"), None),
    ]
    reasons = [
        str(r.get("detail") or r.get("field"))
        for r in found.get("reasons") or []
        if isinstance(r, Mapping)
    ]
    text_lines = [summary, ""]
    for label, value, url in rows:
        text_lines.append(f"{label}: {value}" + (f" <{url}>" if url else ""))
    if reasons:
        text_lines += ["", why, *(f"  - {one_line(r, 200)}" for r in reasons)]
    html_parts = [f"<h2>{html.escape(summary)}</h2><ul>"]
    for label, value, url in rows:
        shown = html.escape(value)
        if url:
            shown = f'<a href="{html.escape(url, quote=True)}">{shown}</a>'
        html_parts.append(f"<li>{html.escape(label)}: {shown}</li>")
    html_parts.append("</ul>")
    if reasons:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
        html_parts.append(f"<p>{html.escape(why)}</p><ul>{items}</ul>")
    return summary, "\n".join(text_lines).rstrip() + "\n", "\n".join(html_parts)


_SECTIONS: dict[str, Callable[[Mapping[str, Any], str, Translate], tuple[str, str, str]]] = {
    ALERT_CREATED: _alert_section,
    LINK_SUGGESTED: _link_section,
    NEED_UNASSISTED: _need_section,
}
_FRAMES = {
    ALERT_CREATED: (INTRO, FOOTER),
    LINK_SUGGESTED: (LINK_INTRO, LINK_FOOTER),
    NEED_UNASSISTED: (NEED_INTRO, FOOTER),
}


def _section(
    event: str, payload: Mapping[str, Any], public_url: str, tr: Translate
) -> tuple[str, str, str]:
    section = _SECTIONS.get(event)
    if section is None:
        raise ValueError(f"No e-mail template for event {event!r}.")
    return section(payload, public_url, tr)


def _frame(events: Sequence[str]) -> tuple[Text, Text]:
    kinds = set(events)
    if len(kinds) == 1:
        return _FRAMES[kinds.pop()]
    return MIXED_INTRO, FOOTER


def _page(body: str, tr: Translate, lang: str, intro: Text = INTRO, footer: Text = FOOTER) -> str:
    # English keeps its original markup; other languages name themselves for screen readers.
    opening = "<html>" if lang == DEFAULT_LANGUAGE else f'<html lang="{lang}">'
    return (
        f'<!DOCTYPE html>{opening}<head><meta charset="utf-8"></head>'
        f"<body><p>{html.escape(tr(intro))}</p>{body}"
        f'<p style="color:#666">{html.escape(tr(footer))}</p></body></html>'
    )


def render(
    event: str, payload: Mapping[str, Any], public_url: str, locale: str | None = None
) -> Rendered:
    """The message in ``locale`` (English for None or a language the catalogue lacks).

    :raises ValueError: for an event that e-mail does not know how to write up."""
    lang = language(locale)
    tr = translator(lang)
    summary, text, body = _section(event, payload, public_url, tr)
    intro, footer = _frame([event])
    return Rendered(
        subject=f"[ADAM] {summary}",
        text=f"{tr(intro)}\n\n{text}\n-- \n{tr(footer)}\n",
        html=_page(body, tr, lang, intro, footer),
        language=lang,
    )


def render_digest(
    items: Sequence[tuple[str, Mapping[str, Any]]], public_url: str, locale: str | None = None
) -> Rendered:
    """Several events in one message (ALERT_EMAIL_MODE = "digest"), in ``locale``."""
    if len(items) == 1:
        return render(items[0][0], items[0][1], public_url, locale)
    lang = language(locale)
    tr = translator(lang)
    sections = [_section(event, payload, public_url, tr) for event, payload in items]
    separator = "\n" + "=" * 78 + "\n\n"
    frame = _frame([event for event, _ in items])
    intro, footer = tr(frame[0]), tr(frame[1])
    subject = (
        N_("%(count)s possible duplicates to review", count=len(items))
        if all(event == ALERT_CREATED for event, _ in items)
        else N_("%(count)s notices to review", count=len(items))
    )
    return Rendered(
        subject="[ADAM] " + tr(subject),
        text=f"{intro}\n\n" + separator.join(t for _, t, _ in sections) + f"\n-- \n{footer}\n",
        html=_page("<hr>".join(h for _, _, h in sections), tr, lang, *frame),
        language=lang,
    )


def build_message(rendered: Rendered, *, sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(rendered.subject, 200)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # make_msgid() without a domain asks DNS for this host's name, which can hang.
    domain = sender.rpartition("@")[2].strip("<> ") or "adam.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = rendered.language  # after the parts: they reset Content-*
    return message
