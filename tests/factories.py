"""Plain factory functions: add, flush, return (no factory_boy)."""

import itertools

from sqlalchemy import select

from tracker.actors.models import Actor
from tracker.auth import services as auth
from tracker.auth.models import Role, User
from tracker.db import db
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint, Plan

_serial = itertools.count(1)


def get_actor(code: str) -> Actor:
    return db.session.scalar(select(Actor).where(Actor.code == code))


def get_plan(code: str = "BP-CFA-2019") -> Plan:
    return db.session.scalar(select(Plan).where(Plan.code == code))


def make_user(role: str = "viewer", password: str = "a-long-test-password", **overrides) -> User:
    role = Role(role)
    actor = overrides.pop("actor", None)
    if role == Role.FOCAL_POINT and actor is None:
        actor = get_actor("HU")
    values = {
        "email": f"user{next(_serial)}@example.org",
        "name": f"Test {role.value}",
        **overrides,
    }
    return auth.create_user(role=role, password=password, actor=actor, by="tests", **values)


def make_action_point(plan: Plan | None = None, **overrides) -> ActionPoint:
    plan = plan or get_plan()
    values = {
        "goal": plan.goals[0],
        "code": f"T{next(_serial)}",
        "title": "Test action point",
        "by": "tests",
        **overrides,
    }
    return plan_services.create_action_point(plan, **values)


class ApiClient:
    """Wraps a test client: every request carries `Authorization: Bearer <token>`."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def as_role(self, role: str, **overrides) -> User:
        user = make_user(role=role, **overrides)
        _, self.token = auth.create_token(user, by="tests")
        db.session.commit()
        return user

    def _headers(self, headers: dict | None) -> dict:
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**merged, **(headers or {})}

    def get(self, url, headers=None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, headers=None, **kwargs):
        return self.client.post(url, headers=self._headers(headers), **kwargs)

    def patch(self, url, headers=None, **kwargs):
        return self.client.patch(url, headers=self._headers(headers), **kwargs)

    def put(self, url, headers=None, **kwargs):
        return self.client.put(url, headers=self._headers(headers), **kwargs)

    def delete(self, url, headers=None, **kwargs):
        return self.client.delete(url, headers=self._headers(headers), **kwargs)


def make_update(action_point: ActionPoint | None = None, *, by: User | None = None, **overrides):
    """A progress update (a draft unless `workflow` says otherwise: submitted or validated)."""
    from datetime import date

    from tracker.progress import services as progress

    workflow = overrides.pop("workflow", "draft")
    action_point = action_point or make_action_point()
    actor = overrides.pop("actor", None) or get_actor("HU")
    by = by or make_user(role="admin")
    values = {"status": "in_progress", "percent": None, "reported_on": date.today(), **overrides}
    update = progress.create_update(action_point, actor=actor, by=by, **values)
    if workflow in ("submitted", "validated", "returned"):
        progress.submit_update(update, by=by)
    reviewer = by if by.is_admin else make_user(role="admin")
    if workflow == "validated":
        progress.validate_update(update, by=reviewer)
    if workflow == "returned":
        progress.return_update(update, reason="Please add evidence.", by=reviewer)
    return update


PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_evidence(update, *, by: User, content: bytes = PDF_BYTES, filename: str = "report.pdf"):
    """A stored file attached to a (draft or returned) update as evidence."""
    from tracker.progress import services as progress
    from tracker.uploads.services import store_upload

    return progress.attach_evidence(update, store_upload(content, filename, by=by), by=by)


def make_pledge(actor=None, target=None, **overrides):
    """A pledge of 1,000.00 EUR by HU to a new action point (add, flush, return)."""
    from datetime import date

    from tracker.pledges import services as pledge_services

    actor = actor or get_actor("HU")
    if target is None:
        ap = make_action_point()
        target = pledge_services.Target(
            pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap
        )
    values = {
        "currency": "EUR",
        "amount_minor": 100_000,
        "pledged_on": date(2024, 1, 15),
        "purpose": "Test pledge",
        **overrides,
    }
    by = values.pop("by", "tests")
    terms = pledge_services.PledgeTerms(actor=actor, target=target, **values)
    return pledge_services.create_pledge(terms, by=by)


def make_meeting(plan: Plan | None = None, **overrides):
    """A Reference Group meeting starting in 30 days (a week-long window by default)."""
    from datetime import UTC, datetime, timedelta

    from tracker.meetings import services as meeting_services

    starts = overrides.pop("starts_at", datetime.now(UTC).replace(microsecond=0) + timedelta(30))
    values = {
        "kind": "reference_group",
        "series": "reference-group",
        "number": None,
        "title": f"Reference Group meeting {next(_serial)}",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=6),
        "timezone": "Europe/Budapest",
        "place": "Budapest",
        "is_virtual": False,
        "url": None,
        "host_actor": get_actor("HU"),
        "by": "tests",
        **overrides,
    }
    return meeting_services.create_meeting(plan or get_plan(), **values)


def make_follow_up(meeting, **overrides):
    from datetime import date, timedelta

    from tracker.meetings import follow_ups

    values = {
        "text": "Share the training curriculum",
        "owner": get_actor("HU"),
        "due_on": date.today() + timedelta(days=30),
        "by": "tests",
        **overrides,
    }
    return follow_ups.add_follow_up(meeting, **values)


def make_published_report(round_, *, by="tests"):
    """A published report of `round_`, cheaply: the real JSON data object, and small stand-ins
    for the PDF, XLSX and CSV zip (rendering them is tests/reports/test_published.py's job)."""
    import json

    from tracker.reports import services as report_services

    filters = report_services.publication_filters(round_)
    report = report_services.build_progress_report(
        filters, generated_by="tests", published_for=round_.title
    )
    files = {
        "pdf": PDF_BYTES,
        "xlsx": b"PK\x03\x04 a stand-in workbook",
        "csv": b"PK\x03\x04 a stand-in zip",
        "json": json.dumps(report.to_json()).encode(),
    }
    return report_services.store_published(round_, report, files, by=by)


def make_mail(**overrides):
    """A message in the outbox (queued: MAIL_URL is unset in tests)."""
    from tracker.mail.services import queue_mail

    values = {
        "to": f"person{next(_serial)}@example.org",
        "subject": "Your update was returned",
        "text": "Please add evidence.",
        "html": "<p>Please add <b>evidence</b>.</p>",
        **overrides,
    }
    return queue_mail(**values)
