"""Hand-over: a focal point leaves, and the Secretariat gives their open work to a successor of
the same state or organisation in one step, deactivating the departing account.

What moves: the departing person's draft and returned updates, and the pledges they made that
are not yet paid out in full (pledged more than disbursed), of their actor. It moves by
`held_by` (who carries it on), never by `created_by`: the history keeps its author, and the audit
trail says who handed what to whom. Follow-ups are not moved: a follow-up is owned by an actor,
not by a person (meetings/models.py), so the successor has them already.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from tracker.audit.services import By, record_event, record_events
from tracker.auth.models import Role, User
from tracker.auth.services import (
    AuthError,
    deactivate_user,
    get_calendar_feed,
    revoke_calendar_feed,
    revoke_token,
)
from tracker.db import db
from tracker.i18n import localized
from tracker.pledges.models import Pledge, PledgeEntry
from tracker.progress.models import ProgressUpdate, Workflow

HANDING_ROLES = (Role.FOCAL_POINT, Role.MEMBER)
OPEN_WORKFLOWS = (Workflow.DRAFT, Workflow.RETURNED)


class HandOverError(AuthError):
    """A hand-over that cannot be made; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message, "successor")


@dataclass(frozen=True)
class OpenWork:
    """The ids of what a hand-over of this person would move now."""

    updates: list[int]
    pledges: list[int]

    def __bool__(self) -> bool:
        return bool(self.updates or self.pledges)


def hands_over(user: User) -> bool:
    """Whether the account is one whose work can be handed over (a person of an actor)."""
    return user.role in HANDING_ROLES and user.actor_id is not None


def open_work(user: User) -> OpenWork:
    """The user's open work of their actor: draft and returned updates they hold, and pledges
    they hold that are not yet disbursed in full."""
    if not hands_over(user):
        return OpenWork([], [])
    updates = select(ProgressUpdate.id).where(
        ProgressUpdate.actor_id == user.actor_id,
        ProgressUpdate.workflow.in_(OPEN_WORKFLOWS),
        _held_by(ProgressUpdate.held_by_id, ProgressUpdate.created_by_id, user),
    )
    # A pledge's author is the author of its first ledger entry (the pledge itself).
    author = (
        select(PledgeEntry.created_by_id)
        .where(PledgeEntry.pledge_id == Pledge.id)
        .order_by(PledgeEntry.id)
        .limit(1)
        .scalar_subquery()
    )
    pledges = select(Pledge.id).where(
        Pledge.actor_id == user.actor_id,
        Pledge.pledged_minor > Pledge.disbursed_minor,
        _held_by(Pledge.held_by_id, author, user),
    )
    return OpenWork(
        list(db.session.scalars(updates.order_by(ProgressUpdate.id))),
        list(db.session.scalars(pledges.order_by(Pledge.id))),
    )


def _held_by(held_by_id, author_id, user: User):
    return or_(held_by_id == user.id, (held_by_id.is_(None)) & (author_id == user.id))


def eligible_successors(user: User) -> list[User]:
    """The active focal points and members of the user's actor, but the user."""
    if not hands_over(user):
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.actor_id == user.actor_id,
                User.is_active,
                User.role.in_(HANDING_ROLES),
                User.id != user.id,
            )
            .order_by(func.lower(User.name), User.email)
        )
    )


def check_hand_over(departing: User, successor: User | None, work: OpenWork) -> User:
    """The successor, if the hand-over keeps every rule; HandOverError (at the successor field)
    if not."""
    if not hands_over(departing):
        raise HandOverError(
            _(
                "%(email)s is not a focal point or member of a state or organisation: "
                "there is no actor's work to hand over.",
                email=departing.email,
            )
        )
    if not departing.is_active and not work:
        raise HandOverError(
            _(
                "%(email)s is deactivated and holds no open work: nothing to hand over "
                "(handed over already?).",
                email=departing.email,
            )
        )
    if successor is None:
        raise HandOverError(_("Choose the successor among the accounts listed."))
    if successor.id == departing.id:
        raise HandOverError(_("Choose someone else: a person cannot hand over to themselves."))
    actor = departing.actor
    if successor.actor_id != departing.actor_id:
        raise HandOverError(
            _(
                "%(email)s is not of %(actor)s: a successor must be of the same state "
                "or organisation.",
                email=successor.email,
                actor=localized(actor, "name"),
            )
        )
    if not successor.is_active:
        raise HandOverError(
            _(
                "%(email)s is deactivated: reactivate the account first, or choose another.",
                email=successor.email,
            )
        )
    if successor.role not in HANDING_ROLES:
        raise HandOverError(
            _(
                "%(email)s is a %(role)s: a successor must be a focal point or member of "
                "%(actor)s.",
                email=successor.email,
                role=successor.role.label.lower(),
                actor=localized(actor, "name"),
            )
        )
    return successor


@dataclass(frozen=True)
class HandOver:
    departing: User
    successor: User
    work: OpenWork


def hand_over(departing: User, successor: User | None, *, by: By) -> HandOver:
    """Move the departing person's open work to the successor and deactivate their account
    (its sessions, API tokens and calendar feed end), audited; HandOverError changes nothing.

    Both accounts are locked first (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write
    transaction holds the database) and read again, so of two hand-overs of one person at once
    the second sees the first's result: the departing account deactivated, its work moved.
    """
    people = sorted({departing.id, successor.id if successor else departing.id})
    db.session.execute(
        select(User.id).where(User.id.in_(people)).order_by(User.id).with_for_update()
    )
    db.session.refresh(departing)
    if successor is not None and successor is not departing:
        db.session.refresh(successor)
    work = open_work(departing)
    successor = check_hand_over(departing, successor, work)
    moves = {"progress_updates": (ProgressUpdate, work.updates), "pledges": (Pledge, work.pledges)}
    label = f"from {departing.email} to {successor.email}"
    for table, (model, ids) in moves.items():
        if not ids:
            continue
        db.session.execute(
            update(model).where(model.id.in_(ids)).values(held_by_id=successor.id),
            execution_options={"synchronize_session": "fetch"},
        )
        record_events(
            by=by,
            entity_type=table,
            items=[
                (
                    "hand_over",
                    id_,
                    f"Handed over {label}",
                    {"held_by": [departing.email, successor.email]},
                )
                for id_ in ids
            ],
        )
    for token in list(departing.tokens):
        revoke_token(token, by=by)
    if get_calendar_feed(departing) is not None:
        revoke_calendar_feed(departing, by=by)
    deactivate_user(departing, by=by)
    counts = f"{len(work.updates)} open update(s), {len(work.pledges)} pledge(s) in progress"
    # {field: [before, after]}, as every audit event has it; the ids of what moved as text.
    changes = {
        "successor": [None, successor.email],
        "updates": [None, ", ".join(map(str, work.updates)) or "none"],
        "pledges": [None, ", ".join(map(str, work.pledges)) or "none"],
    }
    record_event(
        by=by,
        action="hand_over",
        entity=departing,
        summary=f"Handed over the work of {departing.email} to {successor.email}: {counts}; "
        "account deactivated",
        changes=changes,
    )
    record_event(
        by=by,
        action="take_over",
        entity=successor,
        summary=f"{successor.email} took over the work of {departing.email}: {counts}",
        changes={"departing": [None, departing.email]},
    )
    return HandOver(departing, successor, work)
