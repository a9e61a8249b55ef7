"""The follow-up report as a PDF (``?format=pdf``): an A4 attachment holding what the page
shows, in the reader's language (Accept-Language), refused like the JSON for bad input."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests.conftest import Account
from tests.pact.helpers import create_event, create_pcg, create_rec, pdf_text

URL = "/api/v1/pact/follow-up"
A4 = (595.28, 841.89)  # points


@pytest.fixture()
def endorsed(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """Two recommendations endorsed by PCG 17 (one written only in Russian, one in both), a
    third by PCG 18; the first served by a EUR project, with a progress note."""
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    later = create_pcg(client, coordinator, number=18, start_date="2024-12-10", end_date=None)
    both = create_rec(
        client,
        coordinator,
        event["id"],
        text_ru="Усилить расследования по обратному отслеживанию партий прекурсоров.",
    )
    russian_only = create_rec(
        client,
        coordinator,
        event["id"],
        text_en=None,
        text_ru="Отслеживать доходы от незаконного оборота.",
        pillar="financial_flows",
    )
    other = create_rec(client, coordinator, event["id"], text_en="Another one.")
    for rec, meeting in ((both, pcg), (russian_only, pcg), (other, later)):
        answer = client.post(
            f"/api/v1/recommendations/{rec['id']}/state",
            json={"state": "endorsed", "endorsed_by": meeting["id"]},
            headers=coordinator.headers,
        )
        assert answer.status_code == 200, answer.json
    project = register(
        title="Backtracking investigations training",
        budget={"amount": "300000.50", "currency": "EUR"},
        start_date="2024-01-01",
        end_date="2027-12-31",
    )
    linked = client.post(
        "/api/v1/links",
        json={"project_id": project["id"], "recommendation_id": both["id"]},
        headers=coordinator.headers,
    )
    assert linked.status_code == 201, linked.json
    noted = client.post(
        f"/api/v1/recommendations/{both['id']}/notes",
        json={"noted_on": "2024-06-01", "text": "Two trainings held."},
        headers=coordinator.headers,
    )
    assert noted.status_code == 201, noted.json
    return {
        "event": event,
        "pcg": pcg,
        "both": both,
        "russian_only": russian_only,
        "other": other,
        "project": project,
    }


def test_the_pdf_holds_the_report_for_coordinators_and_donors(
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    endorsed: dict[str, Any],
) -> None:
    donor = make_user("donor", org="gb-fcdo")
    for account in (coordinator, donor):
        answer = client.get(f"{URL}?format=pdf", headers=account.headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        assert answer.mimetype == "application/pdf"
        assert answer.data.startswith(b"%PDF-")
        today = dt.datetime.now(dt.UTC).date().isoformat()
        assert answer.headers["Content-Disposition"] == (
            f'attachment; filename="pact-follow-up-{today}.pdf"'
        )
        page = PdfReader(io.BytesIO(answer.data)).pages[0]
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
        text = pdf_text(answer.data)
        for shown in (
            "Follow-up report",
            "Regional initiatives",
            "Illicit financial flows",
            "Precursors",
            "Drug abuse and dependence",
            "No endorsed recommendation in this pillar.",
            endorsed["both"]["code"],
            endorsed["russian_only"]["code"],
            endorsed["other"]["code"],
            "Strengthen backtracking investigations of seized precursor shipments.",
            # No English text: the Russian one stands in, as on the page.
            "Отслеживать доходы от незаконного оборота.",
            "Endorsed by Policy Consultative Group 17, Vienna, Dec 11, 2023",
            "Follow-up status: Not started",
            f"{endorsed['project']['code']}: Backtracking investigations training",
            "Foreign, Commonwealth & Development Office",
            "€300,000.50",
            "Jan 1, 2024 – Dec 31, 2027",
            "Latest progress note: Jun 1, 2024: Two trainings held.",
            "Page 1 of 1",
        ):
            assert shown in text, shown
        # The Russian wording of the first stays out when the English one is there.
        assert "Усилить" not in text


def test_the_pdf_of_one_meeting_names_it_in_its_title(
    client: FlaskClient, coordinator: Account, endorsed: dict[str, Any]
) -> None:
    answer = client.get(
        f"{URL}?format=pdf&event={endorsed['pcg']['id']}&pillar=precursors",
        headers=coordinator.headers,
    )
    assert answer.status_code == 200
    text = pdf_text(answer.data)
    assert text.startswith("Follow-up report: Policy Consultative Group 17, Vienna, Dec 11, 2023")
    assert endorsed["both"]["code"] in text
    for left_out in (endorsed["other"]["code"], endorsed["russian_only"]["code"], "Illicit"):
        assert left_out not in text, left_out


def test_the_pdf_speaks_russian(
    client: FlaskClient, coordinator: Account, endorsed: dict[str, Any]
) -> None:
    headers = {**coordinator.headers, "Accept-Language": "ru"}
    answer = client.get(f"{URL}?format=pdf&event={endorsed['pcg']['id']}", headers=headers)
    assert answer.status_code == 200
    text = pdf_text(answer.data)
    assert text.startswith(
        "Отчёт о выполнении: Консультативная группа по вопросам политики 17, Vienna"
    )
    for shown in (
        "Прекурсоры",
        "Незаконные финансовые потоки",
        "Статус выполнения: Не начата",
        "Последняя заметка о ходе работы",
        "Усилить расследования по обратному отслеживанию партий прекурсоров.",
        endorsed["both"]["code"],
        "Страница 1 из 1",
        "Дата формирования:",
    ):
        assert shown in text, shown
    assert "Strengthen" not in text  # the reader's language first


def test_long_texts_wrap_onto_more_pages(
    client: FlaskClient, coordinator: Account, endorsed: dict[str, Any]
) -> None:
    words = " ".join(f"word{i}" for i in range(1800))
    noted = client.post(
        f"/api/v1/recommendations/{endorsed['both']['id']}/notes",
        json={"noted_on": "2024-07-01", "text": f"{words} {'x' * 400} the end."},
        headers=coordinator.headers,
    )
    assert noted.status_code == 201, noted.json
    answer = client.get(f"{URL}?format=pdf", headers=coordinator.headers)
    assert answer.status_code == 200
    reader = PdfReader(io.BytesIO(answer.data))
    assert len(reader.pages) >= 3
    text = pdf_text(answer.data)
    assert "word0 word1" in text and "word1799" in text and "the end." in text
    assert f"Page 1 of {len(reader.pages)}" in text


def test_the_pdf_is_refused_like_the_json(
    client: FlaskClient, coordinator: Account, endorsed: dict[str, Any]
) -> None:
    not_pcg = client.get(
        f"{URL}?format=pdf&event={endorsed['event']['id']}", headers=coordinator.headers
    )
    assert not_pcg.status_code == 422 and not_pcg.mimetype == "application/json"
    assert "Policy Consultative Group" in not_pcg.json["error"]["message"]
    unknown = client.get(f"{URL}?format=pdf&event=999999", headers=coordinator.headers)
    assert unknown.status_code == 422
    assert unknown.json["error"]["details"] == {"event": ["No event with id 999999."]}
    bad = client.get(f"{URL}?format=pdf&pillar=drugs", headers=coordinator.headers)
    assert bad.status_code == 422 and "Unknown pillar 'drugs'" in str(bad.json["error"]["details"])
    unknown_format = client.get(f"{URL}?format=docx", headers=coordinator.headers)
    assert unknown_format.status_code == 422
    assert "pdf" in str(unknown_format.json["error"]["details"]["format"])
    anonymous = client.get(f"{URL}?format=pdf")
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "unauthorized"
