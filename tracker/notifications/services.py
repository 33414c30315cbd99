"""Notifications: the one service that records them (`notify`), one function per event that the
domain services call in their own transaction, the reminders `tracker notify due` makes, the
daily digest, and a user's choice of delivery.

A notification is recorded in the transaction of the change that causes it, so it exists if and
only if the change was committed. Mail goes through the outbox (tracker/mail/): a user who
chose "at once" gets a message queued in the same transaction, which the sender delivers only
once committed; "daily" users get one digest a day from `tracker notify due`; "none", only the
page. Services flush, never commit.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy import update as sql_update

from tracker.actors.models import Actor
from tracker.audit.services import By, record_change
from tracker.auth.models import Role, User
from tracker.choices import chosen
from tracker.db import db, utcnow
from tracker.i18n import language_of
from tracker.mail.models import MailStatus, OutgoingMail
from tracker.mail.services import MailError, queue_mail
from tracker.meetings.models import PENDING, Decision, FollowUp, Meeting, MeetingParticipant
from tracker.meetings.models import Minutes as MeetingMinutes
from tracker.notifications.models import (
    DELIVERY_LABELS,
    Delivery,
    Notification,
    NotificationDigest,
    NotificationKind,
    NotificationSetting,
)
from tracker.notifications.texts import one_line, render, stamp
from tracker.plan.models import ActionPoint, action_point_partners
from tracker.progress.models import ProgressUpdate, Round, Workflow

log = logging.getLogger("tracker.notifications")

MAX_TEXT = 500
REMINDER_DAYS = (7, 1)  # round deadlines: a reminder this many days before, or fewer
FOLLOW_UP_DAYS = 7
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class NotificationError(ValueError):
    """A refused choice (an unknown delivery); `field` names the form field or JSON key."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def path_for(endpoint: str, **values) -> str:
    """The path of a page, built without a request (`tracker notify due` has none)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    """An address for mail: BASE_URL and the path. Never the request's Host header, which a
    client chooses, so a forged one cannot put its links into anybody's mail."""
    return (current_app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/") + path


def deliveries(user_ids: Iterable[int]) -> dict[int, Delivery]:
    """Each user's choice of delivery (at once when they made none)."""
    ids = list(set(user_ids))
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.delivery).where(
                NotificationSetting.user_id.in_(ids)
            )
        ).all()
    )
    return {user_id: chosen.get(user_id, Delivery.AT_ONCE) for user_id in ids}


def get_delivery(user: User) -> Delivery:
    return deliveries([user.id])[user.id]


def set_delivery(user: User, delivery: Delivery | str, *, by: By) -> Delivery:
    """Choose how one's notifications come by mail: at once, in a daily digest, or not at all."""
    delivery = chosen(Delivery, delivery, NotificationError, "delivery")
    setting = db.session.get(NotificationSetting, user.id)
    before = setting.delivery if setting else Delivery.AT_ONCE
    if setting is None:
        setting = NotificationSetting(user_id=user.id, delivery=delivery)
        db.session.add(setting)
    setting.delivery = delivery
    if before != delivery:
        summary = f"Notifications by mail: {_english(DELIVERY_LABELS[delivery])}"
        changes = {"delivery": [before.value, delivery.value]}
        record_change(user, "notification_settings", summary, by=by, changes=changes)
    return delivery


def _insert():
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of the database in use: a second insert of
    a reminder waits for the first's transaction (PostgreSQL) and then adds nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification).on_conflict_do_nothing()


_one_line = one_line

# A message kept for each reader's language: [key, values] (tracker/notifications/texts.py).
Message = tuple[str, dict]


def _english(text) -> str:
    """A lazy label in English, as the audit trail keeps it (whatever language the page speaks)."""
    with force_locale("en"):
        return str(text)


def notify(
    users: Iterable[User],
    kind: NotificationKind,
    *,
    subject: db.Model,
    text: str | Message,
    link: str,
    detail: str | Message | list[Message] | None = None,
    occasion: str | None = None,
    by: "By | None" = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> list[Notification]:
    """Record a notification for each active user (but `by`, who knows what they did) and queue
    the mail of those who want it at once, in the caller's transaction. With an `occasion`, a
    user who has had this (kind, subject, occasion) already gets nothing: reminders exist once.
    `text` and `detail` given as messages (key, values) are shown in each reader's language;
    as plain text (data, such as a decision's words), as they are. Returns the notifications
    made."""
    acting = None if by is None or isinstance(by, str) else by.id
    recipients = {u.id: u for u in users if u.is_active and u.id != acting}
    if not recipients:
        return []
    chosen = deliveries(recipients)
    now = utcnow()
    params = {}
    if not isinstance(text, str):
        params["text"] = list(text)
        with force_locale("en"):
            text = render(params["text"])
    if detail is not None and not isinstance(detail, str):
        if isinstance(detail, list):
            params["detail"] = [list(line) for line in detail]
        else:
            params["detail"] = list(detail)
        with force_locale("en"):
            detail = render(params["detail"])
    text = _one_line(text)
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "subject_type": subject.__tablename__,
            "subject_id": subject.id,
            "occasion": occasion,
            "text": text,
            "detail": detail,
            "params": params or None,
            "link": link,
            "created_at": now,
            "delivery": chosen[user_id],
        }
        for user_id in sorted(recipients)
    ]
    ids = list(db.session.scalars(_insert().returning(Notification.id), rows))
    made = list(db.session.scalars(select(Notification).where(Notification.id.in_(ids))))
    for notification in made:
        if notification.delivery == Delivery.AT_ONCE:
            _mail_at_once(recipients[notification.user_id], notification, attachments, now)
    db.session.flush()
    return made


def _footer() -> str:
    return "\n\n-- \n" + _(
        "You get this because of your notification settings: %(settings)s\n"
        "All your notifications: %(all)s\n",
        settings=absolute(path_for("notifications.settings")),
        all=absolute(path_for("notifications.index")),
    )


def _mail_at_once(user: User, notification: Notification, attachments, now: datetime) -> None:
    # In the recipient's language: the subject, the text and the footer.
    with force_locale(language_of(user)):
        text = _one_line(notification.shown_text)
        detail = notification.shown_detail
        body = text + "\n"
        if detail:
            body += "\n" + detail + "\n"
        body += f"\n{absolute(notification.link)}" + _footer()
    try:
        mail = queue_mail(
            user.email,
            text,
            body,
            to_name=user.name,
            attachments=attachments,
            list_unsubscribe=absolute(path_for("notifications.settings")),
        )
    except MailError as error:
        # An address the outbox cannot take must not undo the change that notified: the
        # notification stays on the page, without its mail.
        log.warning("notification %s not mailed: %s", notification.id, error)
        return
    notification.emailed_at, notification.mail_id = now, mail.id


def active_users_of(actor_ids: Iterable[int]) -> list[User]:
    """The active accounts of these actors (an actor has several: focal points, members)."""
    ids = list(set(actor_ids))
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User).where(User.actor_id.in_(ids), User.is_active).order_by(User.id)
        )
    )


def secretariat() -> list[User]:
    """The active admins: they validate updates."""
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id)
        )
    )


def _update_words(update: ProgressUpdate) -> dict:
    return {"actor": update.actor.code, "point": update.action_point.code}


def _notify_author(update: ProgressUpdate, kind: NotificationKind, text, **options):
    """A notification about an update to its author alone (no one when the author is gone)."""
    author = [update.created_by] if update.created_by else []
    link = path_for("progress.show", update_id=update.id)
    return notify(author, kind, subject=update, text=text, link=link, **options)


def notify_update_returned(update: ProgressUpdate, *, by: By) -> list[Notification]:
    """My update was returned, with the reason: to its author alone."""
    text = ("update_returned", _update_words(update))
    detail = ("reason", {"reason": update.return_reason})
    return _notify_author(update, NotificationKind.UPDATE_RETURNED, text, detail=detail, by=by)


def notify_update_validated(update: ProgressUpdate, *, by: By) -> list[Notification]:
    """My update was validated: to its author alone."""
    text = ("update_validated", _update_words(update))
    return _notify_author(update, NotificationKind.UPDATE_VALIDATED, text, by=by)


def notify_updates_submitted(updates: Sequence[ProgressUpdate], *, by: By) -> list[Notification]:
    """Updates wait for validation: to the Secretariat. A bulk report of many is one
    notification (about its first update, linking to the submitted list), not one mail each."""
    if not updates:
        return []
    first = updates[0]
    if len(updates) == 1:
        text = ("update_submitted", _update_words(first))
        link = path_for("progress.show", update_id=first.id)
    else:
        text = ("updates_submitted", {"num": len(updates), "actor": first.actor.code})
        link = path_for("progress.index", workflow=Workflow.SUBMITTED.value)
    return notify(
        secretariat(),
        NotificationKind.UPDATE_SUBMITTED,
        subject=first,
        text=text,
        link=link,
        by=by,
    )


def expected_actor_ids(round_: Round) -> set[int]:
    """The actors expected to report in a round: leads and partners of its plan's action points."""
    live = select(ActionPoint.id).where(
        ActionPoint.plan_id == round_.plan_id, ActionPoint.retired_at.is_(None)
    )
    leads = select(ActionPoint.lead_actor_id).where(
        ActionPoint.id.in_(live), ActionPoint.lead_actor_id.is_not(None)
    )
    partners = select(action_point_partners.c.actor_id).where(
        action_point_partners.c.action_point_id.in_(live)
    )
    return set(db.session.scalars(leads.union(partners)))


def notify_round_opened(round_: Round, *, by: By) -> list[Notification]:
    """A reporting round opened: to the users of every actor expected to report in it."""
    return notify(
        active_users_of(expected_actor_ids(round_)),
        NotificationKind.ROUND_OPENED,
        subject=round_,
        text=(
            "round_opens" if round_.opens_on > utcnow().date() else "round_open",
            {
                "title": round_.title,
                "plan": round_.plan.code,
                "opens_on": round_.opens_on.isoformat(),
                "deadline_on": round_.deadline.isoformat(),
            },
        ),
        link=path_for("progress.round", round_id=round_.id),
        by=by,
    )


def notify_round_deadline(
    round_: Round,
    actor: Actor,
    *,
    action_points: Sequence[str],
    occasion: str,
    today: date | None = None,
) -> list[Notification]:
    """Remind an actor's users of what it has not reported in a round: the action point codes
    outstanding. Once per `occasion` and user: "7d:DEADLINE" and "1d:DEADLINE" from
    `tracker notify due`; the round page's Remind action passes its own (say
    f"remind:{reminder.id}"), so each reminder it records is sent once."""
    today = today or utcnow().date()
    days = (round_.deadline - today).days
    when = (
        "today" if days == 0 else "tomorrow" if days == 1 else "in_days" if days > 0 else "passed"
    )
    codes = ", ".join(action_points)
    return notify(
        active_users_of([actor.id]),
        NotificationKind.ROUND_DEADLINE,
        subject=round_,
        text=(
            f"deadline_{when}",
            {
                "title": round_.title,
                "deadline_on": round_.deadline.isoformat(),
                "days": days,
                "actor": actor.name,
                "num": len(action_points),
            },
        ),
        detail=("not_reported", {"codes": codes}) if codes else None,
        link=path_for("progress.round", round_id=round_.id),
        occasion=occasion,
    )


def _meeting_words(meeting: Meeting) -> dict:
    """A meeting's title and local start, written for each reader by texts.render."""
    start = meeting.starts_at.astimezone(_zone(meeting))
    return {
        "title": meeting.title,
        "starts": start.replace(tzinfo=None).isoformat(),
        "zone": meeting.timezone,
    }


def _zone(meeting: Meeting):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(meeting.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return UTC


def participant_users(meeting: Meeting) -> list[User]:
    """The active users of the meeting's participant actors."""
    actor_ids = db.session.scalars(
        select(MeetingParticipant.actor_id).where(MeetingParticipant.meeting_id == meeting.id)
    )
    return active_users_of(actor_ids)


def _ics(meeting: Meeting, *, cancelled: bool = False) -> list[tuple[str, str, bytes]]:
    from tracker.meetings.calendar import meeting_invitation

    data = meeting_invitation(
        meeting,
        domain=current_app.config.get("SERVER_NAME") or "tracker.budapest-process",
        url=absolute(path_for("meetings.show", meeting_id=meeting.id)),
        cancelled=cancelled,
    )
    return [("meeting.ics", "text/calendar", data)]


def is_ahead(meeting: Meeting) -> bool:
    """Whether a meeting is still to come (or under way) and not cancelled: only then are its
    participants told that it was scheduled or moved (attendance recorded afterwards is not
    news to them)."""
    return meeting.cancelled_at is None and meeting.ends_at >= utcnow()


def notify_meeting_scheduled(meeting: Meeting, actor: Actor, *, by: By) -> list[Notification]:
    """A meeting ahead was scheduled for an actor (it was invited): to its users, with an .ics."""
    if not is_ahead(meeting):
        return []
    text = ("meeting_scheduled", _meeting_words(meeting))
    users = active_users_of([actor.id])
    return _notify_meeting(users, meeting, NotificationKind.MEETING_SCHEDULED, text, by=by)


def _notify_meeting(users, meeting: Meeting, kind: NotificationKind, text, *, by: By):
    """A meeting ahead was scheduled or moved: when and where it is, with its .ics."""
    return notify(
        users,
        kind,
        subject=meeting,
        text=text,
        detail=_where(meeting),
        link=path_for("meetings.show", meeting_id=meeting.id),
        by=by,
        attachments=_ics(meeting),
    )


def _where(meeting: Meeting) -> list[Message]:
    if meeting.place or not meeting.is_virtual:
        lines = [("where", {"place": meeting.place or ""})]
    else:
        lines = [("where_virtual", {})]
    return lines + ([("join", {"url": meeting.url})] if meeting.url else [])


def notify_meeting_moved(meeting: Meeting, *, by: By) -> list[Notification]:
    """A meeting ahead moved (time or place): to its participants' users, with the new .ics."""
    if not is_ahead(meeting):
        return []
    text = ("meeting_moved", _meeting_words(meeting))
    users = participant_users(meeting)
    return _notify_meeting(users, meeting, NotificationKind.MEETING_MOVED, text, by=by)


def notify_meeting_cancelled(meeting: Meeting, *, by: By) -> list[Notification]:
    """A meeting was cancelled: to its participants' users, with an .ics that cancels it."""
    return notify(
        participant_users(meeting),
        NotificationKind.MEETING_CANCELLED,
        subject=meeting,
        text=("meeting_cancelled", _meeting_words(meeting)),
        link=path_for("meetings.show", meeting_id=meeting.id),
        by=by,
        attachments=_ics(meeting, cancelled=True),
    )


def notify_decision_recorded(decision: Decision, *, by: By) -> list[Notification]:
    """A decision of my meeting was recorded: to its participants' users."""
    meeting = decision.meeting
    return notify(
        participant_users(meeting),
        NotificationKind.DECISION_RECORDED,
        subject=decision,
        text=("decision_recorded", {"title": meeting.title}),
        detail=_one_line(decision.text, 2000),
        link=path_for("meetings.show", meeting_id=meeting.id),
        by=by,
    )


def notify_minutes_recorded(minutes: MeetingMinutes, meeting: Meeting, *, by: By):
    """Minutes of my meeting were recorded (a new version): to its participants' users."""
    return notify(
        participant_users(meeting),
        NotificationKind.MINUTES_RECORDED,
        subject=minutes,
        text=("minutes_recorded", {"title": meeting.title, "number": minutes.number}),
        link=path_for("meetings.show", meeting_id=meeting.id),
        by=by,
    )


def _not_reported(round_: Round) -> dict[int, list[str]]:
    """{actor id: codes of the action points it is expected to report on and has not} in a
    round (an update counts when submitted, validated or returned with a reporting date in the
    round's window, as on the round page)."""
    live = (
        select(ActionPoint.id, ActionPoint.code, ActionPoint.sort_key, ActionPoint.lead_actor_id)
        .where(ActionPoint.plan_id == round_.plan_id, ActionPoint.retired_at.is_(None))
        .subquery()
    )
    expected = select(live.c.lead_actor_id.label("actor_id"), live.c.id, live.c.code).where(
        live.c.lead_actor_id.is_not(None)
    )
    expected = expected.union(
        select(action_point_partners.c.actor_id, live.c.id, live.c.code).join(
            live, live.c.id == action_point_partners.c.action_point_id
        )
    ).subquery()
    reported = (
        select(ProgressUpdate.id)
        .where(
            ProgressUpdate.actor_id == expected.c.actor_id,
            ProgressUpdate.action_point_id == expected.c.id,
            ProgressUpdate.workflow != Workflow.DRAFT,
            ProgressUpdate.reported_on.between(round_.opens_on, round_.deadline),
        )
        .exists()
    )
    rows = db.session.execute(
        select(expected.c.actor_id, expected.c.code)
        .where(~reported)
        .order_by(expected.c.actor_id, expected.c.code)
    )
    missing: dict[int, list[str]] = {}
    for actor_id, code in rows:
        missing.setdefault(actor_id, []).append(code)
    return missing


def remind_due_rounds(today: date) -> list[Notification]:
    """Reminders of open rounds whose deadline is 7 days away or fewer (and then 1 day or
    fewer), to the users of each actor that has not reported on everything due."""
    made = []
    rounds = db.session.scalars(
        select(Round).where(
            Round.closed_at.is_(None),
            Round.opens_on <= today,
            Round.deadline >= today,
            Round.deadline <= today + timedelta(days=max(REMINDER_DAYS)),
        )
    ).all()
    for round_ in rounds:
        days = (round_.deadline - today).days
        step = min(d for d in REMINDER_DAYS if days <= d)  # 7 … 2 days: "7d"; 1 or 0: "1d"
        missing = _not_reported(round_)
        actors = db.session.scalars(select(Actor).where(Actor.id.in_(missing))).all()
        for actor in actors:
            made += notify_round_deadline(
                round_,
                actor,
                action_points=missing[actor.id],
                occasion=f"{step}d:{round_.deadline.isoformat()}",
                today=today,
            )
    return made


def remind_follow_ups(today: date) -> list[Notification]:
    """Pending follow-ups due within 7 days, and overdue ones: to their owner actor's users,
    once per due date (a new due date is a new reminder)."""
    made = []
    follow_ups = db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.status.in_(PENDING),
            FollowUp.due_on <= today + timedelta(days=FOLLOW_UP_DAYS),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    users: dict[int, list[User]] = {}
    for user in active_users_of({f.owner_actor_id for f in follow_ups}):
        users.setdefault(user.actor_id, []).append(user)
    for follow_up in follow_ups:
        overdue = follow_up.due_on < today
        made += notify(
            users.get(follow_up.owner_actor_id, []),
            NotificationKind.FOLLOW_UP_OVERDUE if overdue else NotificationKind.FOLLOW_UP_DUE,
            subject=follow_up,
            text=(
                "follow_up_overdue" if overdue else "follow_up_due",
                {"due_on": follow_up.due_on.isoformat(), "text": follow_up.text},
            ),
            link=path_for("meetings.show", meeting_id=follow_up.meeting_id),
            occasion=f"{'overdue' if overdue else f'{FOLLOW_UP_DAYS}d'}:{follow_up.due_on}",
        )
    return made


def send_digests(today: date) -> int:
    """One mail per user and day: every notification of a "daily" user not yet mailed and made
    before today (UTC). Each (user, day) digest exists once, however many runs; a user who
    was deactivated meanwhile, or chose "none" since, gets none. Returns the digests queued."""
    start_of_today = datetime.combine(today, time(), tzinfo=UTC)
    waiting = db.session.execute(
        select(Notification.user_id, func.count())
        .where(
            Notification.delivery == Delivery.DAILY,
            Notification.emailed_at.is_(None),
            Notification.created_at < start_of_today,
        )
        .group_by(Notification.user_id)
    ).all()
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_([u for u, _count in waiting])))
    }
    chosen = deliveries(users)
    sent = 0
    for user_id, _count in waiting:
        user = users[user_id]
        if not user.is_active or chosen[user_id] == Delivery.NONE:
            continue
        digest = _claim_digest(user_id, today)
        if digest is None:
            continue  # another run made today's digest
        items = db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.delivery == Delivery.DAILY,
                Notification.emailed_at.is_(None),
                Notification.created_at < start_of_today,
            )
            .order_by(Notification.created_at, Notification.id)
        ).all()
        if _mail_digest(user, digest, items):
            sent += 1
    return sent


def _claim_digest(user_id: int, today: date) -> NotificationDigest | None:
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    digest_id = db.session.scalar(
        insert(NotificationDigest)
        .values(user_id=user_id, day=today, count=0, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(NotificationDigest.id)
    )
    return db.session.get(NotificationDigest, digest_id) if digest_id else None


def _mail_digest(user: User, digest: NotificationDigest, items: list[Notification]) -> bool:
    if not items:
        return False
    # In the recipient's language: the subject, every notification and the footer.
    with force_locale(language_of(user)):
        lines = [
            ngettext(
                "%(num)d notification(s) since your last digest:",
                "%(num)d notification(s) since your last digest:",
                len(items),
            ),
            "",
        ]
        for item in items:
            lines.append(f"- {stamp(item.created_at)} UTC  {_one_line(item.shown_text)}")
            if detail := item.shown_detail:
                lines.extend(f"    {line}" for line in detail.splitlines())
            lines.append(f"    {absolute(item.link)}")
        subject = ngettext(
            "Your Budapest Process tracker digest: %(num)d notification(s)",
            "Your Budapest Process tracker digest: %(num)d notification(s)",
            len(items),
        )
        body = "\n".join(lines) + _footer()
    now = utcnow()
    try:
        mail = queue_mail(
            user.email,
            subject,
            body,
            to_name=user.name,
            list_unsubscribe=absolute(path_for("notifications.settings")),
        )
    except MailError as error:
        log.warning("digest %s not mailed: %s", digest.id, error)
        return False
    digest.count, digest.mail_id = len(items), mail.id
    db.session.execute(
        sql_update(Notification)
        .where(Notification.id.in_([item.id for item in items]))
        .values(emailed_at=now, mail_id=mail.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return True


def run_due(today: date | None = None) -> dict[str, int]:
    """What `tracker notify due` does: the scheduled reminders, then the daily digests."""
    today = today or utcnow().date()
    rounds = remind_due_rounds(today)
    follow_ups = remind_follow_ups(today)
    digests = send_digests(today)
    return {
        "round reminders": len(rounds),
        "follow-up reminders": len(follow_ups),
        "digests": digests,
    }


def notifications_query(user: User, *, unread_only: bool = False) -> Select:
    """A user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def get_own_notification(user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications (another user's is None: a 404, never shown)."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        sql_update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def withdraw_mail(user: User) -> int:
    """Stop the notification mail of an account being deactivated that no sender has taken yet
    (queued or deferred, digests too): it is marked failed, with the reason. Returns how many."""
    mail_ids = select(Notification.mail_id).where(
        Notification.user_id == user.id, Notification.mail_id.is_not(None)
    )
    result = db.session.execute(
        sql_update(OutgoingMail)
        .where(
            OutgoingMail.id.in_(mail_ids),
            OutgoingMail.status.in_([MailStatus.QUEUED, MailStatus.DEFERRED]),
        )
        .values(
            status=MailStatus.FAILED,
            last_answer="Not sent: the account was deactivated before it went out.",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
