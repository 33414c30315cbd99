"""CSRF: every page write needs the session's token; the API takes no cookies at all."""

import pytest

from tests.security import walk
from tests.security.checks import DatabaseWatch, unexplained
from tests.security.conftest import csrf_token, sign_in

PAGE_WRITES = walk.page_write_routes()
API_WRITES = walk.api_write_routes()


def test_the_walk_finds_page_and_api_writes():
    assert {"plan.edit_action_point", "auth.tokens", "auth.sign_in"} <= {
        r.endpoint for r in PAGE_WRITES
    }
    assert {"api.create_action_point", "api.update_action_point"} <= {
        r.endpoint for r in API_WRITES
    }


@pytest.mark.parametrize("route", PAGE_WRITES, ids=str)
def test_page_write_without_the_csrf_token_is_refused_and_changes_nothing(route, csrf_app, world):
    spec = walk.page_form(route)
    client = csrf_app.test_client()
    if spec.signed_in:
        sign_in(client, world)
    url = walk.url_of(route, world)
    someone_elses = csrf_token(csrf_app.test_client())
    attacks = [
        ("no token", None),
        ("a made-up token", "x" * 40),
        ("another session's token", someone_elses),
    ]
    watch = DatabaseWatch()
    for attack, token in attacks:
        data = spec.valid(world) | ({"csrf_token": token} if token else {})
        with watch.changes() as changes:
            response = walk.send_form(client, route, url, data)
        refused = response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
        assert refused, f"{route} with {attack}: {response.status}"
        assert not unexplained(changes), f"{route} with {attack} wrote"
    # The same request with the session's own token gets past the check: the 400s were CSRF's.
    data = spec.valid(world) | {"csrf_token": csrf_token(client)}
    response = walk.send_form(client, route, url, data)
    assert "CSRF" not in response.get_data(as_text=True), f"{route}: {response.status}"
    assert response.status_code < 400, f"{route} refused its valid data: {response.status}"


@pytest.mark.parametrize("route", API_WRITES, ids=str)
def test_api_write_with_only_a_session_cookie_is_a_401_and_changes_nothing(route, csrf_app, world):
    client = csrf_app.test_client()
    sign_in(client, world)  # the admin's cookie rides along with every request of this client
    url = walk.url_of(route, world)
    with DatabaseWatch().changes() as changes:
        response = walk.send_api_body(client, route, url, walk.api_valid_body(route, world))
    assert response.status_code == 401, f"{route}: {response.status}"
    assert response.is_json and response.get_json()["error"]["code"] == "unauthorized"
    assert not unexplained(changes), f"{route} wrote with a cookie"
    # The same request with the admin's token works: the 401 was for the missing token.
    body = walk.api_valid_body(route, world)
    response = walk.send_api_body(client, route, url, body, world.bearer)
    assert 200 <= response.status_code < 300, f"{route}: {response.status} {response.get_data()}"
