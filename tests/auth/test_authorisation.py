"""The authorisation matrix is the test: every route, every kind of user, as docs/security.md says.

The route table of docs/security.md is parsed here; the URL map must match it row for row, and
each route is requested as each kind of user with objects that belong to the owner actor (HU).
A user of another actor (AT) reaching those objects where the table says 403 or 404 is an IDOR.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from tests import factories
from tests.conftest import AuthActions, shared_data
from tracker.actors.models import ReferenceGroupMembership, WorkingGroup
from tracker.auth import lifecycle, links
from tracker.auth import services as auth
from tracker.auth.models import LinkPurpose, Role
from tracker.db import db
from tracker.meetings import agenda, follow_ups
from tracker.meetings import services as meeting_services
from tracker.notifications.models import NotificationKind
from tracker.notifications.services import notify
from tracker.plan import services as plan_services
from tracker.plan.documents import attach_document
from tracker.progress import services as progress_services
from tracker.uploads.services import store_upload

SECURITY_DOC = Path(__file__).parents[2] / "docs" / "security.md"
STATIC_ENDPOINTS = {"static", "bootstrap.static"}  # public files, no data: see docs/security.md
OUTCOMES = {"allow", "login", "403", "404"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Each column of the route table: the role of the user, and the actor it belongs to.
COLUMNS = {
    "anonymous": None,
    "viewer": ("viewer", None),
    "focal own": ("focal_point", "HU"),
    "focal other": ("focal_point", "AT"),
    "member own": ("member", "HU"),
    "member other": ("member", "AT"),
    "admin": ("admin", None),
}
OWNER_ACTOR = "HU"


@dataclass(frozen=True)
class Row:
    method: str
    endpoint: str
    expected: dict[str, str]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint}"


def read_route_table() -> list[Row]:
    """The rows of the table that starts with `| Method | Endpoint |` in docs/security.md."""
    lines = SECURITY_DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Method | Endpoint |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    assert header[2:] == list(COLUMNS), f"route table columns must be {list(COLUMNS)}"
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        method, endpoint, *outcomes = (cell.strip() for cell in line.strip("|").split("|"))
        assert set(outcomes) <= OUTCOMES, f"{method} {endpoint}: outcomes must be in {OUTCOMES}"
        rows.append(Row(method, endpoint, dict(zip(COLUMNS, outcomes, strict=True))))
    return rows


ROUTE_TABLE = read_route_table()


def routes_in_url_map(app) -> set[tuple[str, str]]:
    return {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in STATIC_ENDPOINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_route_table_lists_every_route_once(app):
    documented = [(row.method, row.endpoint) for row in ROUTE_TABLE]
    duplicates = {route for route in documented if documented.count(route) > 1}
    assert not duplicates, f"listed twice in docs/security.md: {sorted(duplicates)}"
    actual = routes_in_url_map(app)
    missing = sorted(actual - set(documented))
    stale = sorted(set(documented) - actual)
    assert not missing, f"routes missing from the table in docs/security.md: {missing}"
    assert not stale, f"rows in docs/security.md for routes that do not exist: {stale}"


class World:
    """One record of every kind, belonging to the owner actor, and a URL builder over them."""

    def __init__(self):
        owner = factories.get_actor(OWNER_ACTOR)
        plan = factories.get_plan()
        self.owner_user = factories.make_user(role="focal_point", actor=owner)
        self.action_point = factories.make_action_point(plan, lead_actor=owner)
        self.activity = plan_services.create_activity(
            self.action_point, title="Owner's activity", lead_actor=owner, by="tests"
        )
        self.pledge = factories.make_pledge(actor=owner)
        self.token, _ = auth.create_token(self.owner_user, by="tests")
        _, self.feed_token = auth.create_calendar_feed(self.owner_user, by="tests")
        upload = store_upload(b"%PDF-1.4 owner's document", "owner.pdf", by="tests")
        self.document = attach_document(self.action_point, upload, by="tests")
        # Submitted, not validated: readable only by the owner actor's users and the Secretariat.
        self.update = factories.make_update(self.action_point, by=self.owner_user)
        self.evidence = factories.make_evidence(self.update, by=self.owner_user)
        progress_services.submit_update(self.update, by=self.owner_user)
        self.round = progress_services.create_round(
            plan,
            title="Owner's round",
            opens_on=plan.starts_on,
            deadline=plan.ends_on,
            by=factories.make_user(role="admin"),
        )
        # Published for the owner's round: publishing again is refused at once (no rendering).
        self.published_report = factories.make_published_report(self.round)
        self.meeting = factories.make_meeting()
        self.follow_up = factories.make_follow_up(self.meeting, owner=owner)
        self.decision = follow_ups.record_decision(self.meeting, text="Agreed.", by="t")
        self.attachment = meeting_services.attach_file(
            self.meeting, store_upload(b"%PDF-1.4 minutes annex", "annex.pdf", by="tests"), by="t"
        )
        self.minutes = meeting_services.record_minutes(self.meeting, text="Minutes.", by="t")
        self.agenda_item = agenda.add_agenda_item(self.meeting, title="Item", by="t")
        meeting_services.set_participant(self.meeting, actor=owner, attendance="invited", by="t")
        self.mail = factories.make_mail(to="owner@example.org")
        # Issue 16: links mailed to people. The email change is the owner user's: nobody else,
        # signed in, may confirm it (403).
        invited, _ = lifecycle.invite_user(
            email=f"invited-{self.owner_user.id}@example.org", name="", role=Role.VIEWER, by="t"
        )
        _, self.invitation_token = links.issue_link(invited, LinkPurpose.INVITATION)
        _, self.reset_token = links.issue_link(self.owner_user, LinkPurpose.PASSWORD_RESET)
        _, self.email_token = links.issue_link(
            self.owner_user, LinkPurpose.EMAIL_CHANGE, new_email="moved@example.org"
        )
        # The owner's own notification: every other user gets a 404 for it.
        [self.notification] = notify(
            [self.owner_user],
            NotificationKind.UPDATE_RETURNED,
            subject=self.update,
            text="Owner's notification",
            link="/",
        )
        db.session.flush()
        # Values for the URL arguments of every rule: a new argument name must be added here.
        self.url_values = {
            "code": plan.code,
            "code_or_id": plan.code,
            "number": self.action_point.goal.number,
            "goal_id": self.action_point.goal_id,
            "action_point_id": self.action_point.id,
            "activity_id": self.activity.id,
            "actor_id": owner.id,
            "token_id": self.token.id,
            "user_id": self.owner_user.id,
            # Issue 3: retire/restore, continuation links, exports, groups and seats.
            "record_id": self.activity.id,
            "kind": "activities",
            "change": "retire",
            "fmt": "csv",
            "successor_id": self.action_point.id,
            "group_id": db.session.scalar(select(WorkingGroup.id).order_by(WorkingGroup.id)),
            "seat_id": db.session.scalar(
                select(ReferenceGroupMembership.id).order_by(ReferenceGroupMembership.id)
            ),
            # Issue 6: pledges.
            "pledge_id": self.pledge.id,
            "document_id": self.document.id,
            "filename": upload.filename,
            "update_id": self.update.id,
            "round_id": self.round.id,
            "evidence_id": self.evidence.id,
            # Issue 7: meetings.
            "meeting_id": self.meeting.id,
            "follow_up_id": self.follow_up.id,
            "decision_id": self.decision.id,
            "attachment_id": self.attachment.id,
            "version": self.minutes.number,
            # The calendar feed address: its token is the credential (anyone holding it reads).
            "feed_token": self.feed_token,
            "item_id": self.agenda_item.id,
            "actor_code": owner.code,
            # Issue 12: published reports (`fmt` above names one of its files).
            "report_id": self.published_report.id,
            # Issue 16: a message in the outbox.
            "mail_id": self.mail.id,
            "invitation_token": self.invitation_token,
            "reset_token": self.reset_token,
            "email_token": self.email_token,
            "notification_id": self.notification.id,
        }

    def url(self, app, endpoint: str, method: str) -> str:
        rule = next(
            r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods
        )
        unknown = rule.arguments - self.url_values.keys()
        assert not unknown, (
            f"{endpoint}: add a value for {sorted(unknown)} to World.url_values "
            "in tests/auth/test_authorisation.py"
        )
        values = {name: self.url_values[name] for name in rule.arguments}
        with app.test_request_context():
            return url_for(endpoint, _method=method, **values)


def column_users(app) -> dict[str, tuple[str, str]]:
    """A user of each column's role and actor (but anonymous), signed in on the sign-in page:
    column -> (the session cookie's value, an API token). The module's tests share them (each
    test's writes, a sign-out say, are rolled back after it)."""
    users = {}
    for column, who in COLUMNS.items():
        if who is None:
            continue
        role, actor_code = who
        actor = factories.get_actor(actor_code) if actor_code else None
        user = factories.make_user(role=role, actor=actor, password="a-long-test-password")
        _, token = auth.create_token(user, by="tests")
        client = app.test_client()
        AuthActions(client).sign_in(user.email, "a-long-test-password")
        users[column] = (client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value, token)
    return users


# The world and the users take longer to make than most rows take to check: they are made once
# for the module, and each test runs in a savepoint of their transaction (tests/conftest.py,
# shared_data), so that every row starts from them as made, whatever an earlier row wrote.
@pytest.fixture(scope="module")
def shared_world(app):
    with shared_data(app, lambda: (World(), column_users(app))) as shared:
        yield shared


@pytest.fixture(autouse=True)
def shared_connection(shared_world):
    return shared_world[0]


def signed_in_client(app, users, column: str):
    """A test client acting as the column's user (cookie or token), who has done nothing yet."""
    client = app.test_client()
    if COLUMNS[column] is None:
        return client, None
    cookie, token = users[column]
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return client, token


def outcome_of(response) -> str:
    status = response.status_code
    assert status < 500, f"server error {status}"
    location = response.headers.get("Location", "")
    # Flask-Login's redirect names the page asked for (`?next=`); the redirect after signing out
    # goes to the same page without it, and that one is an allowed outcome.
    sent_to_sign_in = re.match(r"(https?://[^/]+)?/auth/sign-in\?next=", location)
    if status == 401 or (status == 302 and sent_to_sign_in):
        return "login"
    if status in (403, 404):
        return str(status)
    return "allow"


@pytest.mark.parametrize("row", ROUTE_TABLE, ids=str)
def test_route_answers_each_user_as_the_matrix_says(app, row, shared_world):
    _, (world, users) = shared_world
    url = world.url(app, row.endpoint, row.method)
    api = url.startswith("/api/")
    wrong = {}
    for column, expected in row.expected.items():
        client, token = signed_in_client(app, users, column)
        kwargs = {}
        if api:
            # The API never reads the cookie: it sees only the token (none for anonymous).
            client = app.test_client()
            if token:
                kwargs["headers"] = {"Authorization": f"Bearer {token}"}
            if row.method in WRITE_METHODS:
                kwargs["json"] = {}
        elif row.method in WRITE_METHODS:
            kwargs["data"] = {}
        response = client.open(url, method=row.method, **kwargs)
        actual = outcome_of(response)
        if actual != expected:
            wrong[column] = f"expected {expected}, got {actual} ({response.status_code})"
    assert not wrong, f"{row} {url}: {wrong}"
