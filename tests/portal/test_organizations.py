"""The organisation pages: search, register, change; with the API's permissions."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.portal.helpers import csrf_token, post_form

NEW = "/organizations/new"


def _russian(client: FlaskClient) -> None:
    data = {"csrf_token": csrf_token(client, "/organizations"), "language": "ru", "next": "/"}
    client.post("/language", data=data)


def test_the_list_searches_by_name_and_code_and_pages(
    browser_of: Callable[..., FlaskClient],
    make_org: Callable[..., str],
    orgs: dict[str, str],
) -> None:
    client = browser_of("viewer")
    html = client.get("/organizations").get_data(as_text=True)
    assert "gb-fcdo" in html and "unodc" in html and 'href="/organizations"' in html  # menu
    html = client.get("/organizations?q=narcotics").get_data(as_text=True)
    assert "us-inl" in html and "gb-fcdo" not in html
    html = client.get("/organizations?q=TJ-DCA").get_data(as_text=True)
    assert "Drug Control Agency of Tajikistan" in html and "unodc" not in html
    html = client.get("/organizations?type=multilateral").get_data(as_text=True)
    assert "unodc" in html and "us-inl" not in html
    for i in range(55):
        make_org(f"zz-{i:02d}")
    first = client.get("/organizations?q=zz-").get_data(as_text=True)
    assert "zz-49" in first and "zz-50" not in first and "page=2" in first
    second = client.get("/organizations?q=zz-&page=2").get_data(as_text=True)
    assert "zz-50" in second and "zz-00" not in second
    assert client.get("/organizations?page=0").status_code == 422


def test_a_coordinator_registers_and_changes_an_organisation_with_markup_escaped(
    browser_of: Callable[..., FlaskClient],
) -> None:
    client = browser_of("coordinator")
    response = post_form(
        client,
        NEW,
        {"code": "xx-new", "name": "<script>alert(1)</script> Aid", "type": "ngo", "country": "TJ"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Aid" in html
    assert "<script>alert(1)" not in html
    # The API has it, as the service stored it.
    api = client.get("/organizations/xx-new/edit")
    assert api.status_code == 200
    response = post_form(
        client,
        "/organizations/xx-new/edit",
        {"name": "Renamed Aid", "acronym": "RA", "type": "ngo", "country": ""},
    )
    assert response.status_code == 303
    html = client.get("/organizations?q=xx-new").get_data(as_text=True)
    assert "Renamed Aid" in html and "RA" in html


def test_errors_are_shown_on_the_form_in_russian_with_what_was_typed(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    client = browser_of("coordinator")
    _russian(client)
    response = post_form(client, NEW, {"code": "bad code!", "name": "Typed name", "type": "ngo"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Typed name"' in html and 'value="bad code!"' in html
    assert "не более 100 символов" in html and 'aria-invalid="true"' in html
    response = post_form(client, NEW, {"code": "GB-FCDO", "name": "Again", "type": "bilateral"})
    assert response.status_code == 409
    assert "уже существует" in response.get_data(as_text=True)
    response = post_form(client, NEW, {"code": "xx-2", "name": "X", "type": "ngo", "country": "QQ"})
    assert response.status_code == 422
    assert "Выберите одну из стран" in response.get_data(as_text=True)


def test_a_viewer_cannot_register_or_change_an_organisation(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    client = browser_of("viewer")
    listing = client.get("/organizations").get_data(as_text=True)
    assert NEW not in listing and "/edit" not in listing
    assert client.get(NEW).status_code == 403
    token = csrf_token(client, "/organizations")
    response = client.post(
        NEW, data={"csrf_token": token, "code": "v-1", "name": "V", "type": "ngo"}
    )
    assert response.status_code == 403
    assert "Organisations found: 0" in client.get("/organizations?q=v-1").get_data(as_text=True)
    assert client.get("/organizations/gb-fcdo/edit").status_code == 403


def test_a_donor_changes_only_their_own_organisation(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    client = browser_of("donor")  # of gb-fcdo
    listing = client.get("/organizations").get_data(as_text=True)
    assert "/organizations/gb-fcdo/edit" in listing and "/organizations/unodc/edit" not in listing
    assert client.get("/organizations/unodc/edit").status_code == 403
    assert client.get("/organizations/gb-fcdo/edit").status_code == 200
    assert client.get("/organizations/nobody/edit").status_code == 404
