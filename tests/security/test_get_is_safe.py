"""No state change through GET: every GET route, for every kind of caller, leaves every row of
every table as it was (but for the changes GET_MAY_WRITE names, with their reasons)."""

import pytest

from tests.security import walk
from tests.security.checks import DatabaseWatch, response_problems, unexplained
from tests.security.conftest import sign_in
from tests.security.routes import GET_MAY_WRITE

GETS = walk.get_routes()
CALLERS = ["anonymous", "viewer", "admin"]


def test_the_walk_finds_pages_and_api_reads():
    endpoints = {r.endpoint for r in GETS}
    assert {"plan.show", "plan.action_point", "api.get_action_point", "auth.tokens"} <= endpoints


@pytest.mark.parametrize("route", GETS, ids=str)
def test_get_changes_nothing(route, sec_app, world, callers=CALLERS):
    clients = {}
    for caller in callers:  # signed in first: a sign-in writes
        clients[caller] = client = sec_app.test_client()
        if caller != "anonymous" and not (caller == "admin" and route.is_api):
            sign_in(client, world, getattr(world, caller))
    watch = DatabaseWatch()
    for caller, client in clients.items():
        headers = world.bearer if caller == "admin" and route.is_api else {}
        url = walk.url_of(route, world)
        with watch.changes() as changes, client.get(url, headers=headers) as response:
            response.get_data()  # a file is streamed: read it all, then close it
        changes = unexplained(changes, GET_MAY_WRITE)
        assert not changes, f"GET {url} as {caller} ({response.status}) wrote: {changes}"
        problems = response_problems(response)
        if caller == "admin" and response.status_code in (400, 404):
            problems.append("the admin cannot find it: fix its values in tests/security/routes.py")
        assert not problems, f"GET {url} as {caller} ({response.status}): {problems}"
