"""Helpers shared by the meetings tests: plain functions, like tests/factories.py."""

from datetime import date

from sqlalchemy import func, select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.meetings import agenda, follow_ups, services
from tracker.meetings.models import AgendaItem
from tracker.uploads.services import store_upload

TODAY = date.today()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def meeting_body(**overrides) -> dict:
    return {
        "plan": "BP-CFA-2019",
        "kind": "reference_group",
        "series": "reference-group",
        "number": 7,
        "title": "7th Reference Group meeting",
        "starts_at": "2030-03-10T09:00",
        "ends_at": "2030-03-10T17:30",
        "timezone": "Europe/Istanbul",
        "place": "Istanbul",
        "host_actor": "TR",
        **overrides,
    }


def page_body(**overrides) -> dict:
    """meeting_body as the new-meeting page posts it: the first meeting starts its series."""
    return meeting_body(**{"series": "new", "new_series": "Reference Group meeting", **overrides})


def add_agenda(meeting, *titles):
    items = [agenda.add_agenda_item(meeting, title=t, by="tests") for t in titles]
    db.session.commit()
    return items


def titles_and_positions(meeting_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    )
    return [(item.title, item.position) for item in items]


def page_meeting():
    meeting = factories.make_meeting()
    items = add_agenda(meeting, "A", "B", "C")
    services.set_participant(meeting, actor=factories.get_actor("AT"), attendance="invited", by="t")
    attachment = services.attach_file(
        meeting, store_upload(b"%PDF-1.4 annex", "annex.pdf", by="tests"), by="tests"
    )
    db.session.commit()
    return meeting, items, attachment


def recorded_meeting():
    """A meeting with an agenda item, a decision linked to an action point, and a follow-up."""
    meeting = factories.make_meeting()
    linked = factories.make_action_point(title="Linked")
    (item,) = add_agenda(meeting, "Review the curriculum")
    decision = follow_ups.record_decision(
        meeting, text="Agreed to share it.", action_points=[linked], by="t"
    )
    follow_up = factories.make_follow_up(meeting, text="Share it", due_on=date(2030, 1, 15))
    db.session.commit()
    return meeting, item, decision, follow_up


def fresh(model, record_id: int):
    db.session.expire_all()
    return db.session.get(model, record_id)


def audit_events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )
