"""Post/Redirect/Get: after a page POST, the address bar shows a page that can be loaded again.

A write that worked answers with a redirect (a reload then repeats nothing). A write that was
refused either shows the form again at the address the form was loaded from, or redirects: a
POST-only address (/progress/updates/5/evidence, say) left in the address bar answers "405 Method
Not Allowed" when reloaded or bookmarked.
"""

import pytest

from tests.security import walk
from tests.security.checks import page_write_succeeded
from tests.security.conftest import sign_in

PAGE_WRITES = walk.page_write_routes()
GET_PATHS = {r.path for r in walk.all_routes() if r.method == "GET"}
POST_ONLY = [r for r in PAGE_WRITES if r.path not in GET_PATHS]

# Page POSTs that answer with a page of their own when they work, and why.
SHOWS_A_PAGE_ON_SUCCESS: dict[str, str] = {
    "plan.import_plan": "shows what the file would change, for the user to confirm (nothing is "
    "written yet), at the import form's own address",
    "auth.tokens": "shows the new token once, at the tokens page's own address; it is stored "
    "only as a hash, so no later page can show it",
    "meetings.create_feed": "shows the new calendar feed address once (stored only as a hash); "
    "TODO: answer at the calendar page's own address",
}
# POST-only addresses that answer a refused write with their page again, and why. Uploads are
# not among them: a file cannot be put back into a form, so a refused upload redirects back.
SHOWS_THE_PAGE_AGAIN: dict[str, str] = {
    endpoint: "the meeting page again with the typed text and what was wrong, which a redirect "
    "would lose; TODO: the page's forms should post to the page's own address"
    for endpoint in (
        "meetings.add_agenda_item",
        "meetings.move_agenda_item",
        "meetings.add_decision",
        "meetings.add_follow_up",
        "meetings.record_minutes",
        "meetings.add_participant",
        "meetings.add_participant_group",
    )
} | {
    "plan.add_continuation": "the action point page again with the typed reference and why it "
    "was refused; TODO: as for the meeting page",
    "progress.return_update": "the update page again with the typed reason; TODO: as for the "
    "meeting page",
    "auth.change_email": "the profile page again with the typed address and why it was refused",
}


def _client(sec_app, world, route):
    client = sec_app.test_client()
    if walk.page_form(route).signed_in:
        sign_in(client, world)
    return client


@pytest.mark.parametrize("route", PAGE_WRITES, ids=str)
def test_a_page_write_that_works_redirects(route, sec_app, world):
    client = _client(sec_app, world, route)
    url = walk.url_of(route, world)
    data = walk.page_form(route).valid(world)
    response = walk.send_form(client, route, url, data)
    if route.endpoint in SHOWS_A_PAGE_ON_SUCCESS:
        assert response.status_code == 200, response.status
    elif page_write_succeeded(response):
        assert response.status_code in (302, 303), f"POST {url} answered {response.status}"
    else:  # the registry's data is refused here (an import without its file, say)
        assert route.path in GET_PATHS or response.status_code in (302, 303), (
            f"POST {url} was refused with a page ({response.status}) at a POST-only address"
        )


@pytest.mark.parametrize("route", POST_ONLY, ids=str)
def test_a_refused_write_to_a_post_only_address_redirects(route, sec_app, world):
    client = _client(sec_app, world, route)
    url = walk.url_of(route, world)
    response = walk.send_form(client, route, url, {})  # no fields: refused, where any are needed
    if route.endpoint in SHOWS_THE_PAGE_AGAIN or route.endpoint in SHOWS_A_PAGE_ON_SUCCESS:
        assert response.status_code in (200, 302, 303, 422), response.status
        return
    assert response.status_code in (302, 303), (
        f"POST {url} with an empty form answered {response.status} at an address that only "
        "takes POST: redirect back to the form's page instead"
    )
