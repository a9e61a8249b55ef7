"""The API answers Accept-Language: ru with Russian messages; codes stay as they are."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import Account, project_body

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def test_an_unauthenticated_call_is_refused_in_russian(client: FlaskClient) -> None:
    english = client.get("/api/v1/projects").json["error"]
    russian = client.get("/api/v1/projects", headers=RU).json["error"]
    assert english["message"].startswith("Send 'Authorization: Bearer <token>'")
    assert russian["message"].startswith("Отправьте заголовок 'Authorization: Bearer <token>'")
    assert russian["code"] == english["code"] == "unauthorized"


def test_field_messages_with_values_are_translated(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    body = project_body(countries=["TX"], title=None)
    response = client.post("/api/v1/projects", json=body, headers={**coordinator.headers, **RU})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "В запросе есть неверные поля; подробности в details."
    assert error["details"]["title"] == ["Поле не может быть пустым (null)."]


def test_an_unknown_code_names_itself_in_russian(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/projects",
        json=project_body(countries=["TX"]),
        headers={**coordinator.headers, **RU},
    )
    assert response.status_code == 422
    assert response.json["error"]["details"]["countries"] == [
        "Неизвестный код страны: TX. Возможно, вы имели в виду TJ, TM или TR?"
    ]
    english = client.post(
        "/api/v1/projects", json=project_body(countries=["TX"]), headers=coordinator.headers
    )
    assert english.json["error"]["details"]["countries"] == [
        "Unknown country code: TX. Did you mean TJ, TM or TR?"
    ]


def test_not_found_keeps_its_value_in_russian(client: FlaskClient, coordinator: Account) -> None:
    response = client.get("/api/v1/projects/987", headers={**coordinator.headers, **RU})
    assert response.status_code == 404
    assert response.json["error"]["message"] == "Нет проекта с номером 987."


def test_a_focal_point_outside_their_country_is_refused_in_russian(
    client: FlaskClient, make_user: Callable[..., Account], orgs: dict[str, str]
) -> None:
    focal_point = make_user("focal_point", country="TJ")
    body = project_body(countries=["KG"])
    response = client.post("/api/v1/projects", json=body, headers={**focal_point.headers, **RU})
    assert response.status_code == 403
    assert response.json["error"]["message"] == (
        "Национальные координаторы могут регистрировать или изменять только проекты "
        "в интересах страны TJ."
    )
    english = client.post("/api/v1/projects", json=body, headers=focal_point.headers)
    assert english.json["error"]["message"] == (
        "Focal points may only register or edit projects that benefit TJ."
    )
