"""The Paris Pact API in the reader's language: Accept-Language: ru gives Russian messages
(codes stay codes)."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec, rec_body

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def test_a_bad_pillar_and_country_are_refused_in_russian(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    event = create_event(client, coordinator)
    before = counts(app)
    body = rec_body(event["id"], pillar="nope", countries=["XX"], code="no spaces")
    russian = client.post(
        "/api/v1/recommendations", json=body, headers={**coordinator.headers, **RU}
    )
    assert russian.status_code == 422
    details = russian.json["error"]["details"]
    assert details["pillar"] == [
        "Неизвестное направление 'nope': укажите одно из: regional_initiatives, "
        "financial_flows, precursors, drug_abuse_and_dependence."
    ]
    assert details["countries.0"] == ["Неизвестный код страны: XX."]
    assert details["code"] == [
        "Код — от 1 до 40 букв, цифр, «.», «/», «_» или «-», например EWG-2023-SOFIA/3."
    ]
    english = client.post("/api/v1/recommendations", json=body, headers=coordinator.headers)
    assert english.json["error"]["details"]["pillar"] == [
        "Unknown pillar 'nope': use one of regional_initiatives, financial_flows, precursors, "
        "drug_abuse_and_dependence."
    ]
    assert english.json["error"]["details"]["countries.0"] == ["Unknown country code: XX."]
    assert counts(app) == before


def test_a_bad_query_code_and_an_empty_note_are_refused_in_russian(
    client: FlaskClient, coordinator: Account
) -> None:
    headers = {**coordinator.headers, **RU}
    listed = client.get("/api/v1/recommendations?follow_up=soon", headers=headers)
    assert listed.status_code == 422
    assert listed.json["error"]["details"]["follow_up.0"] == [
        "Неизвестный статус выполнения 'soon': укажите один из: "
        "not_started, under_way, implemented."
    ]
    event = create_event(client, coordinator)
    rec = client.post("/api/v1/recommendations", json=rec_body(event["id"]), headers=headers)
    note = client.post(
        f"/api/v1/recommendations/{rec.json['id']}/notes",
        json={"noted_on": "2024-03-01", "text": ""},
        headers=headers,
    )
    assert note.status_code == 422
    assert note.json["error"]["details"]["text"] == ["Напишите заметку (от 1 до 20000 символов)."]


def test_the_follow_up_workbook_is_headed_and_filled_in_russian(
    client: FlaskClient, coordinator: Account
) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, event["id"], illustrative=True)
    endorsed = client.post(
        f"/api/v1/recommendations/{rec['id']}/state",
        json={"state": "endorsed", "endorsed_by": pcg["id"]},
        headers=coordinator.headers,
    )
    assert endorsed.status_code == 200, endorsed.json
    headers = {**coordinator.headers, **RU}
    xlsx = client.get("/api/v1/pact/follow-up?format=xlsx", headers=headers)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.get_data()))
    assert book.active.title == "Отчёт о выполнении"
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == (
        "Направление",
        "Код",
        "Текст на английском",
        "Текст на русском",
        "Иллюстративный текст-заместитель",
        "Где одобрена",
        "Дата одобрения",
        "Статус выполнения",
        "Проекты",
        "Проекты, которые ей служат",
        "Доноры",
        "Период",
        "Дата последней заметки о ходе работы",
        "Последняя заметка о ходе работы",
    )
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Направление"] == "Прекурсоры"
    assert row["Статус выполнения"] == "Не начата"
    assert row["Иллюстративный текст-заместитель"] == "Да"
    assert row["Где одобрена"] == "Консультативная группа по вопросам политики 17"
    assert row["Код"] == rec["code"]
    # The JSON answer keeps the codes whatever the language.
    answer = client.get("/api/v1/pact/follow-up", headers=headers).json
    found = [s for s in answer["pillars"] if s["recommendations"]]
    assert found[0]["pillar"] == "precursors"
    assert found[0]["recommendations"][0]["follow_up"] == "not_started"
