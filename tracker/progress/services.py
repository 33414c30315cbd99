"""Progress updates: every rule of the workflow, and the summary rows kept current with it.

Who may do what is asked of tracker/auth/permissions.py; a refusal raises Forbidden (403 page
or JSON). A broken rule raises ProgressError at a field. Services flush, never commit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from tracker.actors.models import Actor
from tracker.audit.services import (
    apply_changes,
    fields_in_words,
    jsonable,
    record_change,
    record_event,
    record_events,
)
from tracker.auth import permissions
from tracker.auth.models import User
from tracker.choices import chosen
from tracker.db import check_version, db, guarded_write, insert_many, utcnow
from tracker.i18n import format_day, format_number
from tracker.notifications import services as notifications
from tracker.plan.models import ActionPoint, Activity, Plan
from tracker.progress.models import (
    ActionPointStatus,
    ActorActionPointStatus,
    ProgressUpdate,
    Round,
    RoundReminder,
    Status,
    UpdateEvidence,
    Workflow,
)
from tracker.progress.queries import Filters, not_reported_query
from tracker.uploads.files import UploadError, clean_filename
from tracker.uploads.models import StoredFile
from tracker.uploads.services import store_upload

MAX_NARRATIVE = 20_000
MAX_LINKS = 20
MAX_LINK_LENGTH = 2_000
MAX_REASON = 5_000
MAX_WEIGHT = 100
MAX_EVIDENCE_FILES = 10


class ProgressError(Exception):
    """A broken progress rule; `field` names the form field (or JSON key) it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _refuse(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def latest_reporting_date() -> date:
    # One day past UTC today: in time zones east of UTC it is already tomorrow.
    return utcnow().date() + timedelta(days=1)


def check_reported_on(plan: Plan, reported_on: date | None) -> date:
    if reported_on is None:
        raise ProgressError(_("Give the date the report is about."), "reported_on")
    if reported_on > latest_reporting_date():
        raise ProgressError(_("The reporting date cannot be in the future."), "reported_on")
    if reported_on < plan.starts_on:
        raise ProgressError(
            _(
                "The reporting date cannot be before the plan starts (%(date)s).",
                date=format_day(plan.starts_on),
            ),
            "reported_on",
        )
    return reported_on


def check_links(links: Iterable[str]) -> list[str]:
    """Evidence links: web addresses only (http, https), so that none runs script when opened."""
    cleaned = [link.strip() for link in links if link and link.strip()]
    if len(cleaned) > MAX_LINKS:
        raise ProgressError(_("Give at most %(num)d links.", num=MAX_LINKS), "evidence_links")
    for link in cleaned:
        parts = urlsplit(link)
        if len(link) > MAX_LINK_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ProgressError(
                _("Not a web address (http:// or https://): %(link)s", link=link[:80]),
                "evidence_links",
            )
    return list(dict.fromkeys(cleaned))


def _check_values(
    action_point: ActionPoint,
    *,
    activity: Activity | None,
    status: Status | str,
    percent: int | None,
    narrative: str | None,
    evidence_links: Iterable[str],
    reported_on: date | None,
) -> dict:
    status = chosen(Status, status, ProgressError, "status")
    if percent is not None and not (isinstance(percent, int) and 0 <= percent <= 100):
        raise ProgressError(_("The percent complete is a whole number from 0 to 100."), "percent")
    if narrative is not None and len(narrative) > MAX_NARRATIVE:
        raise ProgressError(
            ngettext(
                "The narrative is too long (%(count)s character; at most %(max)s).",
                "The narrative is too long (%(count)s characters; at most %(max)s).",
                len(narrative),
                count=format_number(len(narrative)),
                max=format_number(MAX_NARRATIVE),
            ),
            "narrative",
        )
    if activity is not None and activity.action_point_id != action_point.id:
        raise ProgressError(_("That activity belongs to another action point."), "activity_id")
    return {
        "status": status,
        "percent": percent,
        "narrative": (narrative or "").strip() or None,
        "evidence_links": check_links(evidence_links),
        "reported_on": check_reported_on(action_point.plan, reported_on),
        "activity": activity,
    }


def default_percent(action_point: ActionPoint, actor: Actor, status: Status) -> int:
    """A status's default percent; on hold and discontinued keep the actor's last validated
    percent (else the overall one, else 0)."""
    if status.default_percent is not None:
        return status.default_percent
    own = db.session.get(ActorActionPointStatus, (actor.id, action_point.id))
    overall = db.session.get(ActionPointStatus, action_point.id)
    return own.percent if own else overall.percent if overall else 0


def _state(update: ProgressUpdate) -> str:
    """The update's workflow state as a word inside a sentence ("a validated update")."""
    return update.workflow.label.lower()


def _refused_in_state(update: ProgressUpdate, *, validated: str, otherwise: str) -> ProgressError:
    """A step the update's workflow state refuses, in the words for that state: `validated` says
    that a validated update is never changed again (a correction is a new update)."""
    message = validated if update.workflow == Workflow.VALIDATED else otherwise
    return ProgressError(message % {"state": _state(update)}, "workflow")


def _summary(summary: str, actor: Actor, action_point: ActionPoint) -> str:
    return f"{summary} ({actor.name} on action point {action_point.code})"


def _event(update: ProgressUpdate, by: User | str, action: str, summary: str, changes=None):
    record_event(
        by=by,
        action=action,
        entity=update,
        summary=_summary(summary, update.actor, update.action_point),
        changes=changes,
    )


def _created_changes(status: Status, percent: int, reported_on: date, workflow: Workflow):
    """The audit changes of a new update."""
    return {
        "status": [None, status.value],
        "percent": [None, percent],
        "reported_on": [None, jsonable(reported_on)],
        "workflow": [None, workflow.value],
    }


def create_update(
    action_point: ActionPoint,
    *,
    actor: Actor,
    status: Status | str,
    percent: int | None,
    reported_on: date | None,
    narrative: str | None = None,
    evidence_links: Iterable[str] = (),
    activity: Activity | None = None,
    submit: bool = False,
    by: User,
) -> ProgressUpdate:
    """Start an update for an actor, as a draft (or submitted at once)."""
    _refuse(permissions.can_report_for(by, actor.id), _("You may report only for your own actor."))
    values = _check_values(
        action_point,
        activity=activity,
        status=status,
        percent=percent,
        narrative=narrative,
        evidence_links=evidence_links,
        reported_on=reported_on,
    )
    if values["percent"] is None:
        values["percent"] = default_percent(action_point, actor, values["status"])
    now = utcnow()
    update = ProgressUpdate(
        action_point_id=action_point.id,
        action_point=action_point,
        actor=actor,
        created_by=by,
        workflow=Workflow.SUBMITTED if submit else Workflow.DRAFT,
        submitted_at=now if submit else None,
        **values,
    )
    db.session.add(update)
    db.session.flush()
    _event(
        update,
        by,
        "create",
        "Submitted an update" if submit else "Drafted an update",
        _created_changes(update.status, update.percent, update.reported_on, update.workflow),
    )
    if submit:
        notifications.notify_updates_submitted([update], by=by)
    return update


def edit_update(
    update: ProgressUpdate,
    *,
    version: int | None,
    status: Status | str,
    percent: int | None,
    reported_on: date | None,
    narrative: str | None,
    evidence_links: Iterable[str],
    activity: Activity | None = None,
    by: User,
) -> ProgressUpdate:
    """Change a draft or returned update edited at `version` (a newer one is a conflict)."""
    _refuse(permissions.can_write_for(by, update.actor_id), _("This update is another actor's."))
    check_version(update, version)
    if not update.is_editable:
        raise _refused_in_state(
            update,
            validated=_l("A %(state)s update cannot be edited (a correction is a new update)."),
            otherwise=_l(
                "A %(state)s update cannot be edited until the Secretariat has reviewed it."
            ),
        )
    values = _check_values(
        update.action_point,
        activity=activity,
        status=status,
        percent=percent,
        narrative=narrative,
        evidence_links=evidence_links,
        reported_on=reported_on,
    )
    if values["percent"] is None:
        values["percent"] = default_percent(update.action_point, update.actor, values["status"])
    with guarded_write(duplicate=ProgressError(_("Duplicate.")), record=update, version=version):
        changes = apply_changes(update, values)
        if changes:
            db.session.flush()
            _event(update, by, "update", f"Edited {fields_in_words(changes)}", changes)
    return update


def attach_evidence(update: ProgressUpdate, upload: StoredFile, *, by: User) -> UpdateEvidence:
    """Attach a stored file (see tracker.uploads) to a draft or returned update as evidence."""
    _refuse(permissions.can_write_for(by, update.actor_id), _("This update is another actor's."))
    if not update.is_editable:
        raise ProgressError(
            _(
                "Evidence can be added to drafts and returned updates, not to a %(state)s one.",
                state=_state(update),
            ),
            "file",
        )
    if len(update.evidence_files) >= MAX_EVIDENCE_FILES:
        raise ProgressError(
            _("An update has at most %(num)d evidence files.", num=MAX_EVIDENCE_FILES), "file"
        )
    evidence = UpdateEvidence(update=update, file=upload)
    db.session.add(evidence)
    db.session.flush()
    _event(
        update,
        by,
        "evidence",
        f"Attached evidence {upload.filename}",
        {
            "file": [None, f"{upload.filename} ({upload.size_label})"],
            "sha256": [None, upload.sha256],
        },
    )
    return evidence


def attach_uploads(update: ProgressUpdate, uploads: Sequence, *, by: User) -> list[UpdateEvidence]:
    """Check, keep and attach several uploaded files at once (the update form's). The first file
    refused raises ProgressError naming it; the caller rolls back, so none is attached."""
    if len(update.evidence_files) + len(uploads) > MAX_EVIDENCE_FILES:
        raise ProgressError(
            _(
                "An update has at most %(num)d evidence files (%(attached)d attached already).",
                num=MAX_EVIDENCE_FILES,
                attached=len(update.evidence_files),
            ),
            "evidence_files",
        )
    attached = []
    for upload in uploads:
        try:
            stored = store_upload(upload, by=by)
        except UploadError as error:
            name = clean_filename(getattr(upload, "filename", None)) or _("A file")
            raise ProgressError(
                _(
                    "%(name)s: %(error)s Nothing was saved; choose the files again.",
                    name=name,
                    error=error,
                ),
                "evidence_files",
            ) from None
        attached.append(attach_evidence(update, stored, by=by))
    return attached


def _step(update: ProgressUpdate, version: int | None, to: Workflow, **values) -> dict:
    """Move an update along the workflow; a concurrent step by someone else is a conflict."""
    if version is not None:
        check_version(update, version)
    before = update.workflow
    with guarded_write(duplicate=ProgressError(_("Duplicate.")), record=update, version=version):
        update.workflow = to
        for name, value in values.items():
            setattr(update, name, value)
        db.session.flush()
    return {"workflow": [before.value, to.value]}


def submit_update(update: ProgressUpdate, *, version: int | None = None, by: User):
    """Send a draft or returned update to the Secretariat for review."""
    _refuse(permissions.can_write_for(by, update.actor_id), _("This update is another actor's."))
    if not update.is_submittable:
        raise ProgressError(
            _("A %(state)s update cannot be submitted.", state=_state(update)), "workflow"
        )
    changes = _step(update, version, Workflow.SUBMITTED, submitted_at=utcnow())
    _event(update, by, "submit", "Submitted the update", changes)
    notifications.notify_updates_submitted([update], by=by)
    return update


def withdraw_update(update: ProgressUpdate, *, version: int | None = None, by: User):
    """Take a submitted update back to draft before the Secretariat has reviewed it."""
    _refuse(permissions.can_write_for(by, update.actor_id), _("This update is another actor's."))
    if not update.is_withdrawable:
        raise _refused_in_state(
            update,
            validated=_l(
                "Only a submitted update can be withdrawn; this one is %(state)s (a correction "
                "is a new update)."
            ),
            otherwise=_l("Only a submitted update can be withdrawn; this one is %(state)s."),
        )
    changes = _step(update, version, Workflow.DRAFT, submitted_at=None)
    _event(update, by, "withdraw", "Withdrew the update to draft", changes)
    return update


def return_update(update: ProgressUpdate, *, reason: str | None, version: int | None = None, by):
    """Send a submitted update back to its reporter with the reason."""
    _refuse(permissions.can_validate_updates(by), _("Only the Secretariat reviews updates."))
    reason = (reason or "").strip()
    if not reason:
        raise ProgressError(_("Say why the update is returned."), "reason")
    if len(reason) > MAX_REASON:
        raise ProgressError(
            _("Keep the reason under %(max)s characters.", max=format_number(MAX_REASON)),
            "reason",
        )
    if not update.is_reviewable:
        raise ProgressError(
            _("A %(state)s update cannot be returned.", state=_state(update)), "workflow"
        )
    changes = _step(update, version, Workflow.RETURNED, return_reason=reason)
    _event(update, by, "return", "Returned the update", {**changes, "reason": [None, reason]})
    notifications.notify_update_returned(update, by=by)
    return update


def validate_update(update: ProgressUpdate, *, version: int | None = None, by: User):
    """Accept a submitted update; the summary rows follow in the same transaction."""
    _refuse(permissions.can_validate_updates(by), _("Only the Secretariat validates updates."))
    if not update.is_reviewable:
        raise ProgressError(
            _("A %(state)s update cannot be validated.", state=_state(update)), "workflow"
        )
    # Serialise validations of one action point (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    # does), so that two at once cannot both miss each other when choosing the latest.
    db.session.execute(
        select(ActionPoint.id).where(ActionPoint.id == update.action_point_id).with_for_update()
    )
    changes = _step(
        update,
        version,
        Workflow.VALIDATED,
        validated_at=utcnow(),
        validated_by=by,
        return_reason=None,
    )
    _event(update, by, "validate", "Validated the update", changes)
    refresh_summaries(update.action_point, update.actor, by=by)
    notifications.notify_update_validated(update, by=by)
    return update


def _latest_validated(action_point_id: int, actor_id: int | None = None) -> ProgressUpdate | None:
    query = select(ProgressUpdate).where(
        ProgressUpdate.action_point_id == action_point_id,
        ProgressUpdate.workflow == Workflow.VALIDATED,
    )
    if actor_id is not None:
        query = query.where(ProgressUpdate.actor_id == actor_id)
    order = (
        ProgressUpdate.reported_on.desc(),
        ProgressUpdate.validated_at.desc(),
        ProgressUpdate.id.desc(),
    )
    return db.session.scalar(query.order_by(*order).limit(1))


def _copy(row, update: ProgressUpdate) -> None:
    row.update_id = update.id
    row.status = update.status
    row.percent = update.percent
    row.reported_on = update.reported_on
    row.validated_at = update.validated_at


def refresh_summaries(action_point: ActionPoint, actor: Actor, *, by: User | str) -> None:
    """Make the action point's and the actor's summary rows show their latest validated update;
    a change of the overall status goes into the action point's history."""
    latest = _latest_validated(action_point.id, actor.id)
    own = db.session.get(ActorActionPointStatus, (actor.id, action_point.id))
    if latest is not None:
        if own is None:
            own = ActorActionPointStatus(actor_id=actor.id, action_point_id=action_point.id)
            db.session.add(own)
        _copy(own, latest)
    latest = _latest_validated(action_point.id)
    if latest is None:
        return
    overall = db.session.get(ActionPointStatus, action_point.id)
    before = (overall.status.value, overall.percent) if overall else (None, None)
    if overall is None:
        overall = ActionPointStatus(action_point_id=action_point.id)
        db.session.add(overall)
    _copy(overall, latest)
    overall.actor_id = latest.actor_id
    db.session.flush()
    if before != (latest.status.value, latest.percent):
        with force_locale("en"):  # the audit trail is kept in English, whoever validates
            label = latest.status.label
        record_event(
            by=by,
            action="status",
            entity=action_point,
            summary=f"Overall status: {label}, {latest.percent}% "
            f"(update {latest.id}, reported {latest.reported_on.isoformat()})",
            changes={
                "status": [before[0], latest.status.value],
                "percent": [before[1], latest.percent],
            },
        )


def set_weight(action_point: ActionPoint, *, weight: int | None, by: User) -> ActionPoint:
    """Change an action point's share in its goal's and plan's progress."""
    _refuse(permissions.can_set_weights(by), _("Only the Secretariat sets weights."))
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
        raise ProgressError(
            _("The weight is a whole number from 0 to %(max)d.", max=MAX_WEIGHT), "weight"
        )
    changes = apply_changes(action_point, {"weight": weight})
    if changes:
        record_change(action_point, "update", "Changed weight", by=by, changes=changes)
    return action_point


def create_round(
    plan: Plan, *, title: str, opens_on: date | None, deadline: date | None, by: User
) -> Round:
    """Open a reporting round on a plan."""
    _refuse(permissions.can_manage_rounds(by), _("Only the Secretariat opens rounds."))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ProgressError(_("Give a title of at most 200 characters."), "title")
    if opens_on is None:
        raise ProgressError(_("Give the date the round opens."), "opens_on")
    if deadline is None or deadline < opens_on:
        raise ProgressError(_("The deadline must be on or after the opening date."), "deadline")
    round_ = Round(plan_id=plan.id, plan=plan, title=title, opens_on=opens_on, deadline=deadline)
    db.session.add(round_)
    record_change(
        round_,
        "create",
        f"Opened reporting round {title} on {plan.code}",
        by=by,
        changes={
            "opens_on": [None, opens_on.isoformat()],
            "deadline": [None, deadline.isoformat()],
        },
    )
    notifications.notify_round_opened(round_, by=by)
    return round_


def close_round(round_: Round, *, by: User) -> Round:
    _refuse(permissions.can_manage_rounds(by), _("Only the Secretariat closes rounds."))
    if round_.closed_at is not None:
        raise ProgressError(_("The round is already closed."), "round")
    round_.closed_at = utcnow()
    db.session.flush()
    record_event(by=by, action="close", entity=round_, summary=f"Closed round {round_.title}")
    return round_


def remind_non_reporters(
    round_: Round, *, actor: Actor | None = None, by: User | str
) -> list[RoundReminder]:
    """Remind each actor (or only `actor`) of the action points it has not yet reported on in
    an open round: one reminder each, recorded and audited. Nothing outstanding is an error."""
    if isinstance(by, User):
        _refuse(permissions.can_manage_rounds(by), _("Only the Secretariat sends reminders."))
    if round_.closed_at is not None:
        raise ProgressError(_("The round is closed: nobody can report in it any more."), "round")
    rows = db.session.execute(not_reported_query(round_, Filters(actor=actor))).all()
    outstanding: dict[int, list] = {}
    for row in rows:
        outstanding.setdefault(row.actor_id, []).append(row)
    if not outstanding:
        raise ProgressError(
            _("%(actor)s has reported on everything due in this round.", actor=actor.name)
            if actor
            else _("Every expected actor has reported on everything due in this round."),
            "actor",
        )
    return [record_reminder(round_, found, by=by) for found in outstanding.values()]


def record_reminder(round_: Round, rows: list, *, by: User | str) -> RoundReminder:
    """The one place a reminder is made: the row, its audit event, and the notification to the
    actor's users (mailed once, whatever else reminds them of the same round)."""
    first = rows[0]
    codes = [row.action_point_code for row in rows]
    reminder = RoundReminder(
        round_id=round_.id,
        actor_id=first.actor_id,
        action_points=codes,
        reminded_by_id=None if isinstance(by, str) else by.id,
        reminded_by=(by if isinstance(by, str) else by.name or by.email)[:200],
    )
    db.session.add(reminder)
    record_change(
        round_,
        "remind",
        f"Reminded {first.actor_name} ({first.actor_code}) of {len(codes)} action "
        f"point(s) not reported in round {round_.title}",
        by=by,
        changes={"reminded": [None, first.actor_code], "action_points": [None, codes]},
    )
    notifications.notify_round_deadline(
        round_, reminder.actor, action_points=codes, occasion=f"remind:{reminder.id}"
    )
    return reminder


@dataclass
class BulkRow:
    """One line of a bulk report: an action point by code and what to say of it."""

    line: int
    action_point: str
    status: str
    percent: int | str | None = None
    narrative: str | None = None
    evidence_links: Sequence[str] = ()


@dataclass
class CheckedBulk:
    """A bulk report whose every row passed the rules: (action point, checked values)."""

    actor: Actor
    rows: list[tuple[ActionPoint, dict]]


def check_bulk(
    plan: Plan,
    *,
    actor: Actor,
    rows: Sequence[BulkRow],
    reported_on: date | None,
    by: User,
) -> CheckedBulk:
    """Check every row of a report on many action points by the rules of create_update;
    ProgressBulkError lists each row's problems. Writes nothing (run it outside the write lock:
    see tracker.db.reading)."""
    _refuse(permissions.can_report_for(by, actor.id), _("You may report only for your own actor."))
    by_code = {
        ap.code: ap
        for ap in db.session.scalars(select(ActionPoint).where(ActionPoint.plan_id == plan.id))
    }
    errors: dict[int, dict[str, str]] = {}
    checked = []
    if not rows:
        raise ProgressBulkError({0: {"file": _("Nothing to report: no row has a status.")}})
    try:
        check_reported_on(plan, reported_on)
    except ProgressError as error:
        raise ProgressBulkError({0: {"reported_on": str(error)}}) from None
    seen: set[str] = set()
    for row in rows:
        action_point = by_code.get((row.action_point or "").strip())
        if action_point is None:
            errors[row.line] = {
                "action_point": _(
                    "No action point %(code)s in %(plan)s.",
                    code=repr(row.action_point),
                    plan=plan.code,
                )
            }
            continue
        if action_point.code in seen:
            errors[row.line] = {
                "action_point": _("Action point %(code)s appears twice.", code=action_point.code)
            }
            continue
        seen.add(action_point.code)
        percent = row.percent
        if isinstance(percent, str):
            text = percent.strip()
            percent = int(text) if text.isascii() and text.isdigit() else (None if not text else -1)
        try:
            values = _check_values(
                action_point,
                activity=None,
                status=(row.status or "").strip(),
                percent=percent,
                narrative=row.narrative,
                evidence_links=row.evidence_links,
                reported_on=reported_on,
            )
        except ProgressError as error:
            errors[row.line] = {error.field or "row": str(error)}
            continue
        checked.append((action_point, values))
    if errors:
        raise ProgressBulkError(errors)
    return CheckedBulk(actor, checked)


def save_bulk(checked: CheckedBulk, *, submit: bool, by: User) -> list[ProgressUpdate]:
    """Save a checked bulk report as create_update would row by row (drafts, or submitted at
    once), in one INSERT for the updates and one for their audit events."""
    actor = checked.actor
    _refuse(permissions.can_report_for(by, actor.id), _("You may report only for your own actor."))
    now = utcnow()
    workflow = Workflow.SUBMITTED if submit else Workflow.DRAFT
    rows = []
    for action_point, values in checked.rows:
        status = values["status"]
        percent = values["percent"]
        rows.append(
            {
                "action_point_id": action_point.id,
                "activity_id": None,
                "actor_id": actor.id,
                "status": status,
                "percent": percent
                if percent is not None
                else default_percent(action_point, actor, status),
                "narrative": values["narrative"],
                "evidence_links": values["evidence_links"],
                "reported_on": values["reported_on"],
                "workflow": workflow,
                "created_by_id": by.id,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now if submit else None,
            }
        )
    ids = insert_many(ProgressUpdate, rows)
    summary = "Submitted an update" if submit else "Drafted an update"
    saved = list(
        db.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.id.in_(ids)).order_by(ProgressUpdate.id)
        )
    )
    record_events(
        by=by,
        entity_type=ProgressUpdate.__tablename__,
        items=[
            (
                "create",
                id_,
                _summary(summary, actor, action_point),
                _created_changes(row["status"], row["percent"], row["reported_on"], workflow),
            )
            for id_, row, (action_point, _) in zip(ids, rows, checked.rows, strict=True)
        ],
    )
    if submit:
        notifications.notify_updates_submitted(saved, by=by)
    return saved


def record_bulk(
    plan: Plan,
    *,
    actor: Actor,
    rows: Sequence[BulkRow],
    reported_on: date | None,
    submit: bool,
    by: User,
) -> list[ProgressUpdate]:
    """Report on many action points at once: every row is checked first, and nothing is saved
    unless all are right (ProgressBulkError lists each row's problems). check_bulk and
    save_bulk in one transaction; the pages check outside the write lock instead."""
    checked = check_bulk(plan, actor=actor, rows=rows, reported_on=reported_on, by=by)
    return save_bulk(checked, submit=submit, by=by)


class ProgressBulkError(ProgressError):
    """Rows of a bulk report that are wrong: {line: {column: message}} (line 0: the whole)."""

    def __init__(self, rows: dict[int, dict[str, str]]):
        count = len([line for line in rows if line])
        message = (
            ngettext(
                "Nothing was saved: %(num)d row has errors.",
                "Nothing was saved: %(num)d rows have errors.",
                count,
            )
            if count
            else _(
                "Nothing was saved: %(problems)s",
                problems=" ".join(m for r in rows.values() for m in r.values()),
            )
        )
        super().__init__(message, "rows")
        self.rows = rows
