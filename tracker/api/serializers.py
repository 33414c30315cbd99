"""Records as JSON: dates ISO 8601, actors by code, money as exact strings."""

from datetime import date, datetime

from tracker.actors.models import Actor, ReferenceGroupMembership, WorkingGroup
from tracker.api.money import money
from tracker.meetings.models import Decision, FollowUp, Meeting
from tracker.money import money_json
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal
from tracker.pledges import totals
from tracker.pledges.models import Pledge
from tracker.progress.models import ProgressUpdate


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def code_of(actor: Actor | None) -> str | None:
    return actor.code if actor is not None else None


def provenance(record) -> dict:
    """Where a shipped fact comes from: its public sources and how sure they are."""
    return {"sources": list(record.sources or []), "source_confidence": record.source_confidence}


def plan_summary(plan: Plan, defined_action_points: int) -> dict:
    return {
        "id": plan.id,
        "code": plan.code,
        "title": plan.title,
        "short_title": plan.short_title,
        "translations": plan.translations or {},
        "starts_on": iso(plan.starts_on),
        "ends_on": iso(plan.ends_on),
        "expected_action_points": plan.expected_action_points,
        "defined_action_points": defined_action_points,
        **provenance(plan),
    }


def action_point_brief(ap: ActionPoint) -> dict:
    """What the plan outline loads (lead actor, no partners), so it costs no extra query."""
    return {
        "id": ap.id,
        "code": ap.code,
        "title": ap.title,
        "lead_actor": code_of(ap.lead_actor),
        "target_on": iso(ap.target_on),
        "version": ap.version,
    }


def goal_detail(goal: PriorityGoal, plan_code: str | None = None) -> dict:
    body = {
        "id": goal.id,
        "number": goal.number,
        "title": goal.title,
        "translations": goal.translations or {},
        "description": goal.description,
        "version": goal.version,
        "retired_at": iso(goal.retired_at),
        **provenance(goal),
        "action_points": [action_point_brief(ap) for ap in goal.action_points],
    }
    return {"plan": plan_code, **body} if plan_code else body


def plan_detail(plan: Plan, outline: list[PriorityGoal]) -> dict:
    defined = sum(len(g.action_points) for g in outline)
    return {**plan_summary(plan, defined), "goals": [goal_detail(g) for g in outline]}


def action_point_summary(ap: ActionPoint) -> dict:
    return {
        "id": ap.id,
        "plan": ap.plan.code,
        "goal": {"id": ap.goal.id, "number": ap.goal.number},
        "code": ap.code,
        "title": ap.title,
        "lead_actor": code_of(ap.lead_actor),
        "partners": [a.code for a in ap.partners],
        "target_on": iso(ap.target_on),
        "version": ap.version,
        "retired_at": iso(ap.retired_at),
    }


def activity_detail(activity: Activity) -> dict:
    return {
        "id": activity.id,
        "action_point": {"id": activity.action_point.id, "code": activity.action_point.code},
        "code": activity.code,
        "title": activity.title,
        "description": activity.description,
        "lead_actor": code_of(activity.lead_actor),
        "starts_on": iso(activity.starts_on),
        "ends_on": iso(activity.ends_on),
        "budget": money(activity.budget_minor, activity.budget_currency),
        "version": activity.version,
        "retired_at": iso(activity.retired_at),
        "created_at": iso(activity.created_at),
    }


def action_point_detail(ap: ActionPoint) -> dict:
    return {
        **action_point_summary(ap),
        "description": ap.description,
        "created_at": iso(ap.created_at),
        "updated_at": iso(ap.updated_at),
        "activities": [activity_detail(a) for a in ap.activities],
        "continued_in": [{"id": a.id, "reference": a.reference} for a in ap.continued_in],
        "continues": [{"id": a.id, "reference": a.reference} for a in ap.continues],
    }


def actor_detail(actor: Actor) -> dict:
    return {
        "id": actor.id,
        "code": actor.code,
        "name": actor.name,
        "translations": actor.translations or {},
        "kind": actor.kind.value,
        "region": actor.region,
        "note": actor.note,
        "version": actor.version,
        "retired_at": iso(actor.retired_at),
        **provenance(actor),
    }


def stored_file(stored) -> dict:
    """A kept file as every answer describes it (evidence, documents, published reports): its
    own attributes, as they are."""
    return {name: getattr(stored, name) for name in ("filename", "media_type", "size", "sha256")}


def evidence_file(item) -> dict:
    return {"id": item.id, **stored_file(item.file)}


def update_detail(update: ProgressUpdate, *, evidence: bool = False) -> dict:
    """An update; its evidence files only when asked (one update: lists would load them per
    row)."""
    extra = (
        {"evidence_files": [evidence_file(e) for e in update.evidence_files]} if evidence else {}
    )
    return {
        **extra,
        "id": update.id,
        "action_point": {
            "id": update.action_point.id,
            "code": update.action_point.code,
            "plan": update.action_point.plan.code,
        },
        "activity_id": update.activity_id,
        "actor": update.actor.code,
        "status": update.status.value,
        "percent": update.percent,
        "narrative": update.narrative,
        "evidence_links": list(update.evidence_links or []),
        "reported_on": iso(update.reported_on),
        "workflow": update.workflow.value,
        "return_reason": update.return_reason,
        "created_at": iso(update.created_at),
        "updated_at": iso(update.updated_at),
        "submitted_at": iso(update.submitted_at),
        "validated_at": iso(update.validated_at),
        "version": update.version,
    }


def latest_validated(row) -> dict | None:
    """A summary row (overall or one actor's): the latest validated update, or None."""
    if row is None:
        return None
    return {
        "update_id": row.update_id,
        "status": str(row.status),
        "percent": row.percent,
        "reported_on": iso(row.reported_on),
        "validated_at": iso(row.validated_at),
    }


def progress_rollup(progress) -> dict:
    return {
        "percent": round(progress.percent, 1),
        "action_points": progress.total,
        "stale": progress.stale,
        "counts": dict(sorted(progress.counts.items())),
    }


def round_summary(round_) -> dict:
    return {
        "id": round_.id,
        "plan": round_.plan.code,
        "title": round_.title,
        "opens_on": iso(round_.opens_on),
        "deadline": iso(round_.deadline),
        "closed_at": iso(round_.closed_at),
    }


def round_reminder(reminder) -> dict:
    return {
        "id": reminder.id,
        "round_id": reminder.round_id,
        "actor": {"code": reminder.actor.code, "name": reminder.actor.name},
        "action_points": reminder.action_points,
        "reminded_at": iso(reminder.reminded_at),
        "reminded_by": reminder.reminded_by,
    }


def working_group_detail(group: WorkingGroup) -> dict:
    return {
        "id": group.id,
        "code": group.code,
        "name": group.name,
        "chair": code_of(group.chair),
        "note": group.note,
        "members": [a.code for a in group.members],
        "version": group.version,
        "retired_at": iso(group.retired_at),
    }


def seat_detail(seat: ReferenceGroupMembership) -> dict:
    return {
        "id": seat.id,
        "actor": seat.actor.code,
        "role": seat.role,
        "joined_on": iso(seat.joined_on),
        "left_on": iso(seat.left_on),
    }


def import_result(preview, dry_run: bool) -> dict:
    return {
        "plan": preview.plan.code,
        "dry_run": dry_run,
        "created": preview.count("create"),
        "updated": preview.count("update"),
        "unchanged": preview.count("unchanged"),
        "changes": preview.lines(),
    }


def meeting_summary(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "kind": meeting.kind.value,
        "series": meeting.series,
        "number": meeting.number,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "timezone": meeting.timezone,
        "place": meeting.place,
        "is_virtual": meeting.is_virtual,
        "url": meeting.url,
        "host_actor": meeting.host_actor.code if meeting.host_actor else None,
        "plan": meeting.plan.code,
        "cancelled_at": iso(meeting.cancelled_at),
        "version": meeting.version,
    }


def follow_up_detail(follow_up: FollowUp, today: date | None = None) -> dict:
    today = today or date.today()
    return {
        "id": follow_up.id,
        "meeting_id": follow_up.meeting_id,
        "decision_id": follow_up.decision_id,
        "text": follow_up.text,
        "owner": follow_up.owner_actor.code,
        "due_on": follow_up.due_on.isoformat(),
        "status": follow_up.status.value,
        "overdue": follow_up.is_overdue(today),
        "version": follow_up.version,
        "notes": [
            {
                "status": note.status.value,
                "note": note.note,
                "created_at": note.created_at.isoformat(),
            }
            for note in follow_up.notes
        ],
    }


def decision_detail(decision: Decision) -> dict:
    return {
        "id": decision.id,
        "text": decision.text,
        "action_points": [ap.code for ap in decision.action_points],
        "version": decision.version,
    }


def meeting_detail(meeting: Meeting) -> dict:
    latest = meeting.minutes[0] if meeting.minutes else None
    return {
        **meeting_summary(meeting),
        "participants": [
            {"actor": p.actor.code, "attendance": p.attendance.value} for p in meeting.participants
        ],
        "agenda_items": [
            {
                "id": item.id,
                "position": item.position,
                "title": item.title,
                "action_point": item.action_point.code if item.action_point else None,
                "goal": item.goal.number if item.goal else None,
                "carried_from": item.carried_from_id,
            }
            for item in meeting.agenda_items
        ],
        "minutes": {
            "version": latest.number,
            "text": latest.text,
            "created_at": latest.created_at.isoformat(),
        }
        if latest
        else None,
        "minutes_versions": [
            {"version": m.number, "created_at": m.created_at.isoformat()} for m in meeting.minutes
        ],
        "attachments": [
            {"id": a.id, "filename": a.file.filename, "size": a.file.size}
            for a in meeting.attachments
        ],
        "decisions": [decision_detail(d) for d in meeting.decisions],
        "follow_ups": [follow_up_detail(f) for f in meeting.follow_ups],
    }


# Pledges -----------------------------------------------------------------------------------


def entry_json(row: totals.EntryRow, entry=None) -> dict:
    converted = row.converted
    body = {
        "id": row.entry_id,
        "kind": row.kind.value,
        "amount": money_json(row.amount_minor, row.currency),
        "value_date": row.value_date.isoformat(),
        "reason": row.reason,
        "rate": str(converted.rate) if converted.rate is not None else None,
        "rate_date": converted.rate_on.isoformat() if converted.rate_on else None,
        "converted": money_json(converted.amount_minor, totals.reporting_currency())
        if converted.amount_minor is not None
        else None,
    }
    if entry is not None:
        body["recorded_by"] = entry.by
        body["recorded_at"] = entry.created_at.isoformat()
    return body


def pledge_json(pledge: Pledge) -> dict:
    c = pledge.currency
    return {
        "id": pledge.id,
        "actor": pledge.actor.code,
        "plan": pledge.plan.code,
        "target": {
            "kind": pledge.target_kind.value,
            "id": pledge.activity_id or pledge.action_point_id or pledge.goal_id or pledge.plan_id,
            "label": pledge.target_label,
        },
        "currency": c,
        "pledged_on": pledge.pledged_on.isoformat(),
        "purpose": pledge.purpose,
        "reference": pledge.reference,
        "pledged": money_json(pledge.pledged_minor, c),
        "committed": money_json(pledge.committed_minor, c),
        "disbursed": money_json(pledge.disbursed_minor, c),
        "version": pledge.version,
    }


def totals_json(t: totals.Totals, reporting: str) -> dict:
    return {
        "pledged": money_json(t.pledged, reporting),
        "committed": money_json(t.committed, reporting),
        "disbursed": money_json(t.disbursed, reporting),
        "complete": t.complete,
        "entries_without_rate": t.missing,
        "currencies_without_rate": sorted(t.missing_currencies),
    }


def pledge_detail(pledge: Pledge) -> dict:
    rows = totals.entry_rows(pledge_id=pledge.id)
    entries = {e.id: e for e in pledge.entries}
    reporting = totals.reporting_currency()
    return {
        **pledge_json(pledge),
        "entries": [entry_json(r, entries.get(r.entry_id)) for r in rows],
        "in_reporting_currency": totals_json(totals.overall(rows), reporting),
    }


def _goal_with_plan(goal: PriorityGoal) -> dict:
    return goal_detail(goal, plan_code=goal.plan.code)


# The full representation of each kind of record the API edits.
_DETAILS = {
    ActionPoint: action_point_detail,
    ProgressUpdate: update_detail,
    PriorityGoal: _goal_with_plan,
    Activity: activity_detail,
    Actor: actor_detail,
    WorkingGroup: working_group_detail,
    Meeting: meeting_detail,
    FollowUp: follow_up_detail,
    Decision: decision_detail,
    Pledge: pledge_detail,
}


def serialize(record: object) -> dict:
    """Any record the API edits, as its full representation (the `current` of a conflict)."""
    for kind, detail in _DETAILS.items():
        if isinstance(record, kind):
            return detail(record)
    raise TypeError(f"no serialiser for {type(record).__name__}")
