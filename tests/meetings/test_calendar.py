"""The meetings calendar: the iCalendar feed itself (signed in and through the API), and the
per-user feed address: a secret token in the URL, for calendar apps."""

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tests import factories
from tests.conftest import create_test_app
from tracker.audit.models import AuditEvent
from tracker.auth import services
from tracker.auth.models import CalendarFeed
from tracker.db import db, utcnow

HARD_TITLE = "Türkiye; Sofia, Тбилиси — 会议 \\ with a long tail " + "x" * 80
FEED_URL = re.compile(r'id="feed-url"[^>]*value="(http[^"]+)"')


def feed_path(plain: str) -> str:
    return f"/meetings/feed/{plain}.ics"


def titles_in(response) -> list[str]:
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.get_data()).walk("VEVENT")]


def make_feed(role: str = "viewer", **overrides):
    user = factories.make_user(role=role, **overrides)
    feed, plain = services.create_calendar_feed(user, by="tests")
    db.session.commit()
    return user, feed, plain


def test_the_feed_parses_back_with_titles_exactly(client, login):
    factories.make_meeting(title=HARD_TITLE, place="Sofia, Bulgaria; hall 2")
    db.session.commit()
    login.as_role("viewer")
    response = client.get("/meetings/calendar.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    raw = response.get_data()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    events = Calendar.from_ical(raw).walk("VEVENT")
    titles = [str(e["SUMMARY"]) for e in events]
    assert HARD_TITLE in titles
    event_ = next(e for e in events if str(e["SUMMARY"]) == HARD_TITLE)
    assert str(event_["LOCATION"]) == "Sofia, Bulgaria; hall 2"


def test_the_api_feed_needs_a_token(client, api):
    factories.make_meeting(title="Feed check")
    assert client.get("/api/v1/calendar.ics").status_code == 401
    api.as_role("viewer")
    events = Calendar.from_ical(api.get("/api/v1/calendar.ics").get_data()).walk("VEVENT")
    assert "Feed check" in [str(e["SUMMARY"]) for e in events]


def test_the_address_made_on_the_calendar_page_lists_upcoming_meetings(app, client, login):
    factories.make_meeting(title="Upcoming, in the feed")
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    factories.make_meeting(title="Past, not in the feed", starts_at=past)
    login.as_role("focal_point")
    page = client.post("/meetings/calendar/feed").get_data(as_text=True)
    url = FEED_URL.search(page)[1]
    assert "Google Calendar" in page and "Outlook" in page and "Apple Calendar" in page
    response = app.test_client().get(urlsplit(url).path)  # a calendar app: no cookie at all
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    titles = titles_in(response)
    assert "Upcoming, in the feed" in titles
    assert "Past, not in the feed" not in titles


def test_the_address_is_shown_once_then_only_when_it_was_made_and_used(client, login):
    login.as_role("viewer")
    assert "You have no feed address" in client.get("/meetings/calendar").get_data(as_text=True)
    url = FEED_URL.search(client.post("/meetings/calendar/feed").get_data(as_text=True))[1]
    plain = url.rsplit("/", 1)[1].removesuffix(".ics")
    page = client.get("/meetings/calendar").get_data(as_text=True)
    assert plain not in page
    assert "You have a feed address, made" in page and "last used never" in page
    client.get(urlsplit(url).path)
    page = client.get("/meetings/calendar").get_data(as_text=True)
    assert "last used never" not in page and "Revoke my feed address" in page


def test_the_feed_answer_is_private_and_leaks_no_referrer(client):
    _, _, plain = make_feed()
    response = client.get(feed_path(plain))
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers


def test_a_revoked_address_is_a_404(client, login):
    user = login.as_role("member")
    feed, plain = services.create_calendar_feed(user, by="tests")
    db.session.commit()
    assert client.get(feed_path(plain)).status_code == 200
    response = client.post("/meetings/calendar/feed/revoke", follow_redirects=True)
    assert "Feed address revoked" in response.get_data(as_text=True)
    assert feed.revoked_at is not None
    assert client.get(feed_path(plain)).status_code == 404


def test_a_new_address_replaces_the_old_one(client):
    user, _, old = make_feed()
    _, new = services.create_calendar_feed(user, by="tests")
    db.session.commit()
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    count = select(func.count()).select_from(CalendarFeed).where(CalendarFeed.user_id == user.id)
    assert db.session.scalar(count) == 1


def test_a_deactivated_users_address_is_a_404(client):
    user, _, plain = make_feed()
    assert client.get(feed_path(plain)).status_code == 200
    services.deactivate_user(user, by="tests")
    db.session.commit()
    assert client.get(feed_path(plain)).status_code == 404


def test_unknown_revoked_replaced_and_deactivated_answer_alike(client):
    _, _, unknown = make_feed()
    unknown = unknown[:-4] + ("AAAA" if not unknown.endswith("AAAA") else "BBBB")
    revoked_user, _, revoked = make_feed()
    services.revoke_calendar_feed(revoked_user, by="tests")
    replaced_user, _, replaced = make_feed()
    services.create_calendar_feed(replaced_user, by="tests")
    deactivated_user, _, deactivated = make_feed()
    services.deactivate_user(deactivated_user, by="tests")
    db.session.commit()
    answers = {
        (r.status_code, r.get_data(), r.headers.get("Content-Type"))
        for r in (client.get(feed_path(p)) for p in (unknown, revoked, replaced, deactivated))
    }
    assert len(answers) == 1
    assert next(iter(answers))[0] == 404


def test_a_feed_token_is_not_an_api_token(client):
    _, _, plain = make_feed(role="admin")
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/calendar.ics", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert services.user_for_token(plain) is None


def test_an_api_token_is_not_a_feed_token(client, api):
    api.as_role("admin")
    assert api.get("/api/v1/calendar.ics").status_code == 200
    assert client.get(feed_path(api.token)).status_code == 404
    assert services.user_for_feed_token(api.token) is None


def test_only_the_hash_is_stored_and_the_token_is_in_no_row():
    user, feed, first = make_feed()
    _, second = services.create_calendar_feed(user, by="tests")  # a "replace" event
    services.revoke_calendar_feed(user, by="tests")
    db.session.commit()
    assert feed.token_hash == hashlib.sha256(second.encode()).hexdigest()
    secrets = [plain.removeprefix("bpf_") for plain in (first, second)]
    row = db.session.execute(select(CalendarFeed.__table__).where(CalendarFeed.id == feed.id))
    assert not any(secret in str(value) for value in row.one() for secret in secrets)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "calendar_feeds", AuditEvent.entity_id == feed.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "replace", "revoke"]
    texts = [f"{e.summary} {e.changes}" for e in events]
    assert not any(secret in text for text in texts for secret in secrets)


BAD_TOKENS = [
    "x",
    "bpf_",
    "bpf_" + "A" * 43,
    "bpf_" + "A" * 5000,
    "bpt_" + "A" * 43,
    "bpf_%C3%A9t%C3%A9",
    "bpf_%ED%A0%80",  # a lone surrogate's UTF-8, which Python cannot encode back
    "bpf_'%20OR%201=1--",
    "%2E%2E%2Fauth%2Fsign-in",
    "bpf_<script>",
]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_bad_token_is_a_404_not_an_error(client, token):
    make_feed()
    response = client.get(f"/meetings/feed/{token}.ics")
    assert response.status_code == 404
    assert "text/calendar" not in response.headers["Content-Type"]


def test_a_nul_in_the_address_is_refused_like_anywhere_else(client):
    response = client.get("/meetings/feed/bpf_%00.ics")
    assert response.status_code == 400


def test_last_use_is_written_at_most_once_a_minute():
    _, feed, plain = make_feed()
    start = utcnow()
    services.user_for_feed_token(plain, now=start)
    assert feed.last_used_at == start
    services.user_for_feed_token(plain, now=start + timedelta(seconds=59))
    assert feed.last_used_at == start
    services.user_for_feed_token(plain, now=start + timedelta(seconds=61))
    assert feed.last_used_at == start + timedelta(seconds=61)


def test_the_error_log_does_not_name_the_token(client, monkeypatch, caplog):
    _, _, plain = make_feed()

    def broken(token, **kwargs):
        raise RuntimeError("the feed broke")

    monkeypatch.setattr(services, "user_for_feed_token", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(feed_path(plain))
    assert response.status_code == 500
    assert "/meetings/feed/<feed_token>.ics" in caplog.text
    assert plain not in caplog.text


@pytest.fixture
def csrf_client(database_url):
    app = create_test_app(database_url, WTF_CSRF_ENABLED=True)
    return app.test_client()


def _csrf_token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)[1]


def test_making_and_revoking_an_address_need_the_csrf_token(csrf_client):
    user = factories.make_user(password="a-long-test-password")
    db.session.commit()
    data = {"email": user.email, "password": "a-long-test-password"}
    data["csrf_token"] = _csrf_token(csrf_client, "/auth/sign-in")
    assert csrf_client.post("/auth/sign-in", data=data).status_code == 302
    assert csrf_client.post("/meetings/calendar/feed").status_code == 400
    assert services.get_calendar_feed(user) is None
    token = _csrf_token(csrf_client, "/meetings/calendar")
    response = csrf_client.post("/meetings/calendar/feed", data={"csrf_token": token})
    assert FEED_URL.search(response.get_data(as_text=True))
    assert csrf_client.post("/meetings/calendar/feed/revoke").status_code == 400
    db.session.expire_all()
    assert services.get_calendar_feed(user) is not None


def test_the_api_makes_shows_and_revokes_the_address(client, api):
    factories.make_meeting(title="Seen through the API's address")
    user = api.as_role("viewer")
    assert api.get("/api/v1/calendar/feed").get_json() == {
        "active": False,
        "created_at": None,
        "last_used_at": None,
    }
    response = api.post("/api/v1/calendar/feed")
    assert response.status_code == 201
    url = response.get_json()["url"]
    assert re.fullmatch(r"http://[^/]+/meetings/feed/bpf_[\w-]{43}\.ics", url)
    path = urlsplit(url).path
    assert "Seen through the API's address" in titles_in(client.get(path))
    state = api.get("/api/v1/calendar/feed").get_json()
    assert state["active"] is True and state["last_used_at"] is not None and "url" not in state
    response = api.delete("/api/v1/calendar/feed")
    assert response.status_code == 204 and response.get_data() == b""
    assert client.get(path).status_code == 404
    assert services.get_calendar_feed(user) is None
    assert api.delete("/api/v1/calendar/feed").status_code == 204  # nothing left: still fine


def test_revoking_the_api_token_that_made_an_address_revokes_the_address(client, api):
    user = api.as_role("viewer")
    path = urlsplit(api.post("/api/v1/calendar/feed").get_json()["url"]).path
    token = user.tokens[0]
    other, _ = services.create_token(user, name="other", by="tests")
    services.revoke_token(other, by="tests")
    db.session.commit()
    assert client.get(path).status_code == 200  # another token's revocation leaves it be
    assert api.post(f"/api/v1/tokens/{token.id}/revoke").status_code == 200
    assert client.get(path).status_code == 404


def test_an_address_made_on_the_page_outlives_revoked_api_tokens(client):
    user, _, plain = make_feed()
    token, _ = services.create_token(user, by="tests")
    services.revoke_token(token, by="tests")
    db.session.commit()
    assert client.get(feed_path(plain)).status_code == 200


def test_the_command_line_makes_and_revokes_an_address(runner, client):
    user = factories.make_user(email="feed@example.org")
    db.session.commit()
    result = runner.invoke(
        args=["token", "feed", "feed@example.org", "--base-url", "https://tracker.example.org"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://tracker.example.org/meetings/feed/bpf_")
    assert client.get(urlsplit(url).path).status_code == 200
    result = runner.invoke(args=["token", "revoke-feed", "feed@example.org"])
    assert result.exit_code == 0 and "Revoked" in result.output
    assert client.get(urlsplit(url).path).status_code == 404
    assert services.get_calendar_feed(user) is None
