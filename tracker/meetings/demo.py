"""Synthetic meetings for the demo plan: about 200 a year, in bulk inserts (no ORM objects)."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select

from tracker.actors.models import Actor
from tracker.audit.models import AuditEvent
from tracker.db import db, utcnow
from tracker.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionActionPoint,
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingParticipant,
    Minutes,
)
from tracker.plan.models import ActionPoint, Plan

# kind, series key, title, meetings a year: ~200 in all, as a busy year of the Process has.
SERIES = [
    (MeetingKind.MINISTERIAL_CONFERENCE, "ministerial-conference", "Ministerial Conference", 1),
    (MeetingKind.SENIOR_OFFICIALS_MEETING, "som", "Senior Officials Meeting", 2),
    (MeetingKind.REFERENCE_GROUP, "reference-group", "Reference Group meeting", 12),
    (MeetingKind.WORKING_GROUP, "wg-silk-routes", "Silk Routes working group", 40),
    (MeetingKind.WORKING_GROUP, "wg-south-east-europe", "South-East Europe working group", 40),
    (MeetingKind.WORKING_GROUP, "wg-black-sea", "Black Sea working group", 40),
    (MeetingKind.JOINT_WORKING_GROUP, "joint-wg", "Joint working group", 25),
    (MeetingKind.THEMATIC, "thematic", "Thematic meeting", 40),
]
ATTENDANCE = (Attendance.ATTENDED, Attendance.EXCUSED, Attendance.ABSENT)
PLACES = ["Istanbul", "Budapest", "Vienna", "Tbilisi", "Baku", "Tashkent", "Ankara", "Sofia"]


def _ids(model, column, start_after: int | None) -> list[int]:
    query = select(column)
    if start_after is not None:
        query = query.where(column > start_after)
    return list(db.session.scalars(query.order_by(column)))


def generate_meetings(
    plan: Plan, actors: list[Actor], start: date, years: int, rng: random.Random
) -> int:
    """Meetings with participants and agenda; those already held also with minutes, a decision
    and a follow-up. Returns the count.

    Meetings may lie ahead (the calendar shows them, with invited participants); nothing that
    happens at or after a meeting (attendance, minutes, decisions, follow-ups and their notes)
    is dated after now.
    """
    ap_ids = list(db.session.scalars(select(ActionPoint.id).where(ActionPoint.plan_id == plan.id)))
    now = utcnow()
    today = now.date()
    rows = []
    for year in range(years):
        for kind, series, title, per_year in SERIES:
            for n in range(per_year):
                day = start.replace(year=start.year + year) + timedelta(
                    days=int(365 * n / per_year) + rng.randrange(0, 5)
                )
                begins = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
                rows.append(
                    {
                        "kind": kind,
                        "series": series,
                        "number": year * per_year + n + 1,
                        "title": f"{title} {year * per_year + n + 1}",
                        "starts_at": begins,
                        "ends_at": begins + timedelta(hours=8),
                        "timezone": "Europe/Istanbul",
                        "place": rng.choice(PLACES),
                        "is_virtual": rng.random() < 0.3,
                        "url": None,
                        "host_actor_id": rng.choice(actors).id,
                        "plan_id": plan.id,
                        # Scheduled six weeks ahead, as the Secretariat does.
                        "created_at": min(begins - timedelta(weeks=6), now),
                        "version": 1,
                    }
                )
    last = db.session.scalar(select(Meeting.id).order_by(Meeting.id.desc()).limit(1))
    db.session.execute(insert(Meeting), rows)
    meeting_ids = _ids(Meeting, Meeting.id, last)
    ends = {mid: row["ends_at"] for mid, row in zip(meeting_ids, rows, strict=True)}
    held = [mid for mid in meeting_ids if ends[mid] <= now]
    participants, agenda, minutes, decisions = [], [], [], []
    for mid in meeting_ids:
        was_held = ends[mid] <= now
        for actor in rng.sample(actors, min(8, len(actors))):
            attendance = rng.choices(ATTENDANCE, weights=(17, 2, 1))[0]
            participants.append(
                {
                    "meeting_id": mid,
                    "actor_id": actor.id,
                    "attendance": attendance if was_held else Attendance.INVITED,
                }
            )
        for position in range(1, 4):
            agenda.append(
                {
                    "meeting_id": mid,
                    "position": position,
                    "title": f"Review of action point progress ({position})",
                    "action_point_id": rng.choice(ap_ids) if ap_ids else None,
                }
            )
    for mid in held:
        minutes.append(
            {
                "meeting_id": mid,
                "number": 1,
                "text": "The meeting **reviewed** progress and agreed on next steps.",
                "created_at": min(ends[mid] + timedelta(days=2), now),
            }
        )
        decisions.append(
            {
                "meeting_id": mid,
                "text": "Participants agreed to report before the next meeting.",
                "created_at": ends[mid],
            }
        )
    db.session.execute(insert(MeetingParticipant), participants)
    db.session.execute(insert(AgendaItem), agenda)
    if not held:
        return len(meeting_ids)
    db.session.execute(insert(Minutes), minutes)
    last_decision = db.session.scalar(select(Decision.id).order_by(Decision.id.desc()).limit(1))
    db.session.execute(insert(Decision), decisions)
    decision_ids = _ids(Decision, Decision.id, last_decision)
    if ap_ids:
        db.session.execute(
            insert(DecisionActionPoint),
            [{"decision_id": did, "action_point_id": rng.choice(ap_ids)} for did in decision_ids],
        )
    follow_ups, done_at = [], []
    for mid, did in zip(held, decision_ids, strict=True):
        days = rng.randrange(30, 120)
        due = (ends[mid] + timedelta(days=days)).date()
        status = rng.choice([FollowUpStatus.DONE, FollowUpStatus.DONE, FollowUpStatus.OPEN])
        # Done by its due date, which has passed; what is not yet due is still open.
        status = status if due < today else FollowUpStatus.OPEN
        done_at.append(ends[mid] + timedelta(days=rng.randrange(7, days), hours=2))
        follow_ups.append(
            {
                "meeting_id": mid,
                "decision_id": did,
                "text": "Share the report with the Secretariat",
                "owner_actor_id": rng.choice(actors).id,
                "due_on": due,
                "status": status,
                "created_at": ends[mid],
                "version": 1,
            }
        )
    last_follow_up = db.session.scalar(select(FollowUp.id).order_by(FollowUp.id.desc()).limit(1))
    db.session.execute(insert(FollowUp), follow_ups)
    notes = [
        {
            "follow_up_id": fid,
            "status": row["status"],
            "note": "Reported at the next meeting.",
            "created_at": min(done, now),
        }
        for fid, row, done in zip(
            _ids(FollowUp, FollowUp.id, last_follow_up), follow_ups, done_at, strict=True
        )
        if row["status"] == FollowUpStatus.DONE
    ]
    if notes:
        db.session.execute(insert(FollowUpNote), notes)
    return len(meeting_ids)


def remove_meetings(plan: Plan) -> None:
    """Delete the plan's meetings and everything recorded at them (before the plan goes)."""
    meeting_ids = select(Meeting.id).where(Meeting.plan_id == plan.id)
    follow_up_ids = select(FollowUp.id).where(FollowUp.meeting_id.in_(meeting_ids))
    decision_ids = select(Decision.id).where(Decision.meeting_id.in_(meeting_ids))
    agenda_ids = select(AgendaItem.id).where(AgendaItem.meeting_id.in_(meeting_ids))
    attachment_ids = select(MeetingAttachment.id).where(
        MeetingAttachment.meeting_id.in_(meeting_ids)
    )
    # Synthetic records are deleted, so are the events about them: ids can be reused (SQLite).
    for table, ids in (
        ("meetings", meeting_ids),
        ("follow_ups", follow_up_ids),
        ("decisions", decision_ids),
        ("agenda_items", agenda_ids),
        ("meeting_attachments", attachment_ids),
    ):
        db.session.execute(
            delete(AuditEvent).where(
                (AuditEvent.entity_type == table) & AuditEvent.entity_id.in_(ids)
            )
        )
    db.session.execute(delete(AgendaItem).where(AgendaItem.meeting_id.in_(meeting_ids)))
    db.session.execute(delete(FollowUpNote).where(FollowUpNote.follow_up_id.in_(follow_up_ids)))
    db.session.execute(delete(FollowUp).where(FollowUp.meeting_id.in_(meeting_ids)))
    db.session.execute(
        delete(DecisionActionPoint).where(DecisionActionPoint.decision_id.in_(decision_ids))
    )
    for model in (Decision, Minutes, MeetingParticipant, MeetingAttachment):
        db.session.execute(delete(model).where(model.meeting_id.in_(meeting_ids)))
    db.session.execute(delete(Meeting).where(Meeting.plan_id == plan.id))
