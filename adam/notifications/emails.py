"""E-mail for events: a plain-text and an HTML part, both projects side by side.

Everything from the payload is user input (titles, descriptions, organization names), so the
HTML part escapes every value, and the subject holds only one line of limited length.
"""

from __future__ import annotations

import html
import itertools
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from adam.notifications.events import ALERT_CREATED

LABEL_WIDTH = 14
COLUMN_WIDTH = 30  # two columns and the label stay within 78 characters, the e-mail line norm
DESCRIPTION_LIMIT = 600  # the alert link leads to the whole text
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


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


def _dates(project: Mapping[str, Any]) -> str:
    start, end = project.get("start_date"), project.get("end_date")
    if not start and not end:
        return "—"
    return f"{start or '?'} to {end or 'open'}"


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


def project_rows(project: Mapping[str, Any], public_url: str) -> list[tuple[str, str]]:
    """The fields compared, in reading order, as (label, text)."""
    return [
        ("Code", str(project.get("code") or project.get("id") or "?")),
        ("Title", str(project.get("title") or "—")),
        ("Donors", _names(project.get("donors"), "code")),
        ("Implementers", _names(project.get("implementers"), "code")),
        ("Countries", _names(project.get("countries"), "code")),
        ("Themes", _names(project.get("themes"), "slug")),
        ("Status", str(project.get("status") or "—")),
        ("Dates", _dates(project)),
        ("Budget", _budget(project)),
        ("Description", _description(project)),
        ("Link", link(public_url, project.get("url")) or "—"),
    ]


def _side_by_side_text(projects: Sequence[Mapping[str, Any]], public_url: str) -> str:
    columns = [project_rows(p, public_url) for p in projects[:2]]
    while len(columns) < 2:
        columns.append([(label, "—") for label, _ in columns[0]] if columns else [])
    lines = [" " * LABEL_WIDTH + "Project A".ljust(COLUMN_WIDTH + 2) + "Project B"]
    links: list[str] = []
    for (label, left), (_, right) in zip(columns[0], columns[1], strict=True):
        if label == "Link":  # a URL does not fit a column, and a wrapped one cannot be clicked
            links = [f"Project A: {left}", f"Project B: {right}"]
            continue
        wrapped_left = _wrap(left)
        wrapped_right = _wrap(right)
        for index, (a, b) in enumerate(
            itertools.zip_longest(wrapped_left, wrapped_right, fillvalue="")
        ):
            head = label if index == 0 else ""
            lines.append((head.ljust(LABEL_WIDTH) + a.ljust(COLUMN_WIDTH + 2) + b).rstrip())
    return "\n".join([*lines, "", *links])


def _wrap(value: str) -> list[str]:
    return textwrap.wrap(value, COLUMN_WIDTH, break_on_hyphens=False) or [""]


def _side_by_side_html(projects: Sequence[Mapping[str, Any]], public_url: str) -> str:
    columns = [project_rows(p, public_url) for p in projects[:2]]
    cell = 'style="border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left"'
    rows = [
        f"<tr><th {cell}></th><th {cell}>Project A</th><th {cell}>Project B</th></tr>",
    ]
    for index, (label, _) in enumerate(columns[0] if columns else []):
        cells = []
        for column in columns:
            value = column[index][1]
            if label == "Link" and value != "—":
                escaped = html.escape(value, quote=True)
                cells.append(f'<td {cell}><a href="{escaped}">{escaped}</a></td>')
            else:
                cells.append(f"<td {cell}>{html.escape(value)}</td>")
        rows.append(f"<tr><th {cell}>{html.escape(label)}</th>{''.join(cells)}</tr>")
    return '<table style="border-collapse:collapse">' + "".join(rows) + "</table>"


def _alert_section(payload: Mapping[str, Any], public_url: str) -> tuple[str, str, str]:
    """(one-line summary, text, html) of one alert.created payload."""
    raw_alert = payload.get("alert")
    alert: Mapping[str, Any] = raw_alert if isinstance(raw_alert, Mapping) else {}
    projects = [p for p in payload.get("projects") or [] if isinstance(p, Mapping)]
    codes = " / ".join(str(p.get("code") or p.get("id")) for p in projects[:2]) or "two projects"
    score = alert.get("score")
    summary = one_line(f"Possible duplicate: {codes}" + (f" (score {score})" if score else ""))
    alert_link = link(public_url, alert.get("url"))
    reasons = [
        str(r.get("detail") or f"{r.get('field')} {r.get('score')}")
        for r in alert.get("reasons") or []
        if isinstance(r, Mapping)
    ]
    text_lines = [summary, ""]
    if alert_link:
        text_lines += [f"Review the alert: {alert_link}", ""]
    if reasons:
        text_lines += ["Why:", *(f"  - {one_line(r, 200)}" for r in reasons), ""]
    text_lines.append(_side_by_side_text(projects, public_url) if projects else "")
    html_parts = [f"<h2>{html.escape(summary)}</h2>"]
    if alert_link:
        escaped = html.escape(alert_link, quote=True)
        html_parts.append(f'<p>Review the alert: <a href="{escaped}">{escaped}</a></p>')
    if reasons:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
        html_parts.append(f"<p>Why:</p><ul>{items}</ul>")
    if projects:
        html_parts.append(_side_by_side_html(projects, public_url))
    return summary, "\n".join(text_lines).rstrip() + "\n", "\n".join(html_parts)


INTRO = "ADAM found projects that may duplicate each other. Please review and resolve the alert."
FOOTER = (
    "You receive this because you coordinate projects in ADAM, or your address is on its "
    "alert list. Resolve an alert on its page in the portal (the link above)."
)


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f"<body><p>{html.escape(INTRO)}</p>{body}"
        f'<p style="color:#666">{html.escape(FOOTER)}</p></body></html>'
    )


def render(event: str, payload: Mapping[str, Any], public_url: str) -> Rendered:
    """:raises ValueError: for an event that e-mail does not know how to write up."""
    if event != ALERT_CREATED:
        raise ValueError(f"No e-mail template for event {event!r}.")
    summary, text, body = _alert_section(payload, public_url)
    return Rendered(
        subject=f"[ADAM] {summary}",
        text=f"{INTRO}\n\n{text}\n-- \n{FOOTER}\n",
        html=_page(body),
    )


def render_digest(items: Sequence[tuple[str, Mapping[str, Any]]], public_url: str) -> Rendered:
    """Several events in one message (ALERT_EMAIL_MODE = "digest")."""
    if len(items) == 1:
        return render(items[0][0], items[0][1], public_url)
    sections = []
    for event, payload in items:
        if event != ALERT_CREATED:
            raise ValueError(f"No e-mail template for event {event!r}.")
        sections.append(_alert_section(payload, public_url))
    separator = "\n" + "=" * 78 + "\n\n"
    return Rendered(
        subject=f"[ADAM] {len(items)} possible duplicates to review",
        text=f"{INTRO}\n\n" + separator.join(t for _, t, _ in sections) + f"\n-- \n{FOOTER}\n",
        html=_page("<hr>".join(h for _, _, h in sections)),
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
    return message
