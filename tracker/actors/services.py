import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker.actors.display import actor_name
from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.audit.services import (
    By,
    add_and_record,
    apply_changes,
    fields_in_words,
    jsonable,
    record_change,
    record_event,
)
from tracker.db import check_version, db, guarded_write
from tracker.translated_names import set_translations


def actors_query(kind: ActorKind | None = None) -> Select:
    """Actors by kind, then name (a stable order, for paging)."""
    query = select(Actor).order_by(Actor.kind, Actor.name, Actor.id)
    if kind is not None:
        query = query.where(Actor.kind == kind)
    return query


def list_actors(kind: ActorKind | None = None) -> list[Actor]:
    return list(db.session.scalars(actors_query(kind)))


def get_actor_by_code(code: str) -> Actor | None:
    return db.session.scalar(select(Actor).where(Actor.code == code.strip().upper()))


def list_working_groups(include_retired: bool = False) -> list[WorkingGroup]:
    query = select(WorkingGroup).options(
        selectinload(WorkingGroup.members), selectinload(WorkingGroup.chair)
    )
    if not include_retired:
        query = query.where(WorkingGroup.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(WorkingGroup.name)))


def list_reference_group() -> list[ReferenceGroupMembership]:
    query = (
        select(ReferenceGroupMembership)
        .where(ReferenceGroupMembership.left_on.is_(None))
        .options(selectinload(ReferenceGroupMembership.actor))
    )
    return list(db.session.scalars(query))


ACTOR_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")


class ActorError(Exception):
    """A broken rule about actors or groups; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _taken(code: str) -> ActorError:
    return ActorError(_("The code %(code)s is taken.", code=code), "code")


def _check_code(model, code: str, current=None) -> None:
    if not ACTOR_CODE.match(code):
        raise ActorError(
            _("Use 2 to 16 capital letters, digits or hyphens (HU, ICMPD, SILK-ROUTES)."), "code"
        )
    clash = db.session.scalar(select(model).where(model.code == code))
    if clash is not None and clash is not current:
        raise _taken(code)


def create_actor(
    *,
    kind: ActorKind,
    code: str,
    name: str,
    translations: dict[str, str | None] | None = None,
    region: str | None,
    note: str | None,
    by: By,
) -> Actor:
    """Add a state or organisation; `translations` are its names in other languages
    (`{"name_ru": "…"}`)."""
    code = code.strip().upper()
    _check_code(Actor, code)
    actor = Actor(kind=kind, code=code, name=name.strip(), region=region or None, note=note or None)
    changes = {"code": [None, code], **set_translations(actor, translations or {})}
    with guarded_write(duplicate=_taken(code)):
        add_and_record(actor, by=by, summary=f"Added actor {code}", changes=changes)
    return actor


def update_actor(
    actor: Actor,
    *,
    version: int | None,
    kind: ActorKind,
    code: str,
    name: str,
    translations: dict[str, str | None] | None = None,
    region: str | None,
    note: str | None,
    by: By,
) -> Actor:
    """Change an actor edited at `version`; `translations` as create_actor takes them (a name
    left out is kept)."""
    check_version(actor, version)
    code = code.strip().upper()
    _check_code(Actor, code, current=actor)
    values = {
        "kind": kind,
        "code": code,
        "name": name.strip(),
        "region": region or None,
        "note": note or None,
    }
    with guarded_write(duplicate=_taken(code), record=actor, version=version):
        changes = apply_changes(actor, values)
        changes.update(set_translations(actor, translations or {}))
        _record_update(actor, changes, f"actor {code}", by)
    return actor


def _record_update(record, changes: dict, label: str, by: By) -> None:
    if changes:
        db.session.flush()
        summary = f"Edited {label}: {fields_in_words(changes)}"
        record_event(by=by, action="update", entity=record, summary=summary, changes=changes)


def create_working_group(
    *, code: str, name: str, chair: Actor | None, note: str | None, members: list[Actor], by: By
) -> WorkingGroup:
    """Add a working group with its chair and members."""
    code = code.strip().upper()
    _check_code(WorkingGroup, code)
    group = WorkingGroup(
        code=code, name=name.strip(), chair_id=chair.id if chair else None, note=note or None
    )
    with guarded_write(duplicate=_taken(code)):
        add_and_record(
            group,
            by=by,
            summary=f"Added working group {code}",
            changes={"code": [None, code], "members": [None, jsonable(members)]},
        )
        group.members = list(members)
        db.session.flush()
    return group


def update_working_group(
    group: WorkingGroup,
    *,
    version: int | None,
    code: str,
    name: str,
    chair: Actor | None,
    note: str | None,
    members: list[Actor],
    by: By,
) -> WorkingGroup:
    """Change a working group (and its members) edited at `version`."""
    check_version(group, version)
    code = code.strip().upper()
    _check_code(WorkingGroup, code, current=group)
    values = {
        "code": code,
        "name": name.strip(),
        "chair": chair,
        "note": note or None,
        "members": list(members),
    }
    with guarded_write(duplicate=_taken(code), record=group, version=version):
        changes = apply_changes(group, values)
        if changes:
            # Only the group's own row carries the version: a change of its members alone must
            # move it on too, or two edits of one version would both be saved.
            flag_modified(group, "name")
        _record_update(group, changes, f"working group {code}", by)
    return group


def seat_in_reference_group(
    actor: Actor, *, role: str, joined_on: date | None, by: By
) -> ReferenceGroupMembership:
    """Give an actor a seat in the Reference Group."""
    # One open seat an actor: a second request at the same moment waits here, then sees the
    # first's seat (PostgreSQL; SQLite writes one at a time). No unique index guards it.
    db.session.execute(select(Actor.id).where(Actor.id == actor.id).with_for_update())
    open_seat = select(ReferenceGroupMembership.id).where(
        ReferenceGroupMembership.actor_id == actor.id, ReferenceGroupMembership.left_on.is_(None)
    )
    if db.session.scalar(open_seat.limit(1)) is not None:
        raise ActorError(
            _("%(name)s already has a seat in the Reference Group.", name=actor_name(actor)),
            "actor",
        )
    seat = ReferenceGroupMembership(
        actor_id=actor.id, role=role.strip() or "member", joined_on=joined_on, sources=[]
    )
    add_and_record(
        seat,
        by=by,
        summary=f"{actor.name} joined the Reference Group",
        changes={"actor": [None, actor.code], "role": [None, seat.role]},
    )
    return seat


def end_reference_group_seat(seat: ReferenceGroupMembership, *, left_on: date, by: By) -> None:
    """End a seat in the Reference Group; the seat stays, for the record."""
    if seat.left_on is not None:
        raise ActorError(_("This seat has already ended."), "left_on")
    if seat.joined_on and left_on < seat.joined_on:
        raise ActorError(_("The seat cannot end before it began."), "left_on")
    seat.left_on = left_on
    record_change(
        seat,
        "update",
        f"{seat.actor.name} left the Reference Group",
        by=by,
        changes={"left_on": [None, left_on.isoformat()]},
    )
