"""Helpers for the IATI import tests: small IATI files, uploads, and waiting for a job."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.conftest import Account

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "iati" / "xml"
UPLOAD = "/api/v1/imports/iati"
JOB_DEADLINE_SECONDS = 120.0


@dataclass
class Org:
    ref: str | None
    name: str
    role: str = "1"
    type: str = "10"


@dataclass
class Act:
    """One iati-activity, written the way real publishers write them."""

    identifier: str
    title: str = "Border liaison offices on the Tajik-Afghan border"
    description: str | None = "Equipment and training for three border liaison offices."
    countries: list[str] = field(default_factory=lambda: ["TJ"])
    sectors: list[tuple[str, str]] = field(default_factory=lambda: [("1", "15190")])
    orgs: list[Org] = field(
        default_factory=lambda: [
            Org("GB-GOV-1", "Foreign, Commonwealth & Development Office", "1", "10"),
            Org("XM-DAC-41146", "United Nations Office on Drugs and Crime", "4", "40"),
        ]
    )
    status: str | None = "2"
    dates: list[tuple[str, str]] = field(
        default_factory=lambda: [("2", "2025-03-01"), ("3", "2026-06-30")]
    )
    # (type, amount, currency or None for the default, year of the period)
    budgets: list[tuple[str, str, str | None, int]] = field(
        default_factory=lambda: [("1", "1250000.00", "USD", 2025)]
    )
    lang: str | None = None
    extra: str = ""  # more XML, as written

    def xml(self) -> str:
        lang = f" xml:lang={quoteattr(self.lang)}" if self.lang else ""
        parts = [
            f'<iati-activity default-currency="EUR"{lang}>',
            f"<iati-identifier>{escape(self.identifier)}</iati-identifier>",
            '<reporting-org ref="GB-GOV-1" type="10"><narrative>FCDO</narrative></reporting-org>',
            f"<title><narrative>{escape(self.title)}</narrative></title>",
        ]
        if self.description is not None:
            parts.append(
                f'<description type="1"><narrative>{escape(self.description)}</narrative>'
                "</description>"
            )
        for org in self.orgs:
            ref = f" ref={quoteattr(org.ref)}" if org.ref else ""
            parts.append(
                f'<participating-org{ref} role="{org.role}" type="{org.type}">'
                f"<narrative>{escape(org.name)}</narrative></participating-org>"
            )
        if self.status:
            parts.append(f'<activity-status code="{self.status}"/>')
        parts += [f'<activity-date type="{t}" iso-date="{d}"/>' for t, d in self.dates]
        parts += [f'<recipient-country code="{c}"/>' for c in self.countries]
        parts += [f'<sector vocabulary="{v}" code="{c}"/>' for v, c in self.sectors]
        for kind, amount, currency, year in self.budgets:
            attr = f' currency="{currency}"' if currency else ""
            parts.append(
                f'<budget type="{kind}"><period-start iso-date="{year}-01-01"/>'
                f'<period-end iso-date="{year}-12-31"/>'
                f'<value{attr} value-date="{year}-01-01">{amount}</value></budget>'
            )
        parts.append(self.extra)
        parts.append("</iati-activity>")
        return "\n".join(parts)


def iati_file(*activities: Act, lang: str | None = None) -> bytes:
    root_lang = f" xml:lang={quoteattr(lang)}" if lang else ""
    body = "\n".join(a.xml() for a in activities)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03"{root_lang}>\n'
        f"{body}\n</iati-activities>\n"
    ).encode()


def upload(
    client: FlaskClient,
    account: Account,
    content: bytes,
    filename: str = "activities.xml",
    **form: str,
) -> TestResponse:
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that it never closes.
    fields: dict[str, Any] = {"file": FileStorage(io.BytesIO(content), filename), **form}
    boundary, body = encode_multipart(fields)
    return client.post(
        UPLOAD,
        data=body,
        headers=account.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def wait_for_job(client: FlaskClient, account: Account, job_id: int) -> dict[str, Any]:
    """Poll the job until it has ended (done or failed), within a deadline."""
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while True:
        response = client.get(f"/api/v1/imports/{job_id}", headers=account.headers)
        assert response.status_code == 200, response.json
        if response.json["status"] in ("done", "failed"):
            return response.json
        if time.monotonic() > deadline:
            pytest.fail(f"import job {job_id} still {response.json['status']} at the deadline")
        time.sleep(0.02)


def run_import(
    client: FlaskClient, account: Account, content: bytes, **form: str
) -> dict[str, Any]:
    """Upload, expect 202, and wait for the job to end."""
    response = upload(client, account, content, **form)
    assert response.status_code == 202, response.json
    job = wait_for_job(client, account, response.json["id"])
    assert job["status"] == "done", job
    return job


def by_identifier(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["iati_identifier"]: entry for entry in job["report"]}


def twin_activities() -> tuple[Act, Act, Act]:
    """The funder's record and the implementer's of one activity, in their own words, and an
    unrelated activity of the same two organizations, in file order (funder, unrelated,
    implementer): the two records are one duplicate pair."""
    orgs = [
        Org("GB-GOV-1", "Foreign, Commonwealth & Development Office", "1", "10"),
        Org("XM-DAC-41146", "United Nations Office on Drugs and Crime", "4", "40"),
    ]
    funder = Act(
        "GB-GOV-1-300456",
        title="Border liaison offices on the Tajik-Afghan border",
        description="Equipment and training for three border liaison offices at Panji Poyon, "
        "Ishkashim and Khorog on the Tajik-Afghan border.",
        orgs=orgs,
    )
    implementer = Act(
        "XM-DAC-41146-TJK-K52",
        title="Strengthening border liaison offices, Tajik-Afghan border",
        description="UNODC equips and trains the border liaison offices at Panji Poyon, "
        "Ishkashim and Khorog, funded by the United Kingdom.",
        orgs=orgs,
        dates=[("2", "2025-04-01"), ("3", "2026-09-30")],
    )
    unrelated = Act(
        "XM-DAC-41146-TJK-X90",
        title="Opioid substitution therapy in Dushanbe prisons",
        description="Treatment of drug dependence in three prisons.",
        sectors=[("1", "12330")],
        orgs=orgs,
    )
    return funder, unrelated, implementer
