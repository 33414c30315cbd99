from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.db import db


def list_actors(kind: ActorKind | None = None) -> list[Actor]:
    query = select(Actor).order_by(Actor.kind, Actor.name)
    if kind is not None:
        query = query.where(Actor.kind == kind)
    return list(db.session.scalars(query))


def get_actor_by_code(code: str) -> Actor | None:
    return db.session.scalar(select(Actor).where(Actor.code == code.strip().upper()))


def list_working_groups() -> list[WorkingGroup]:
    query = select(WorkingGroup).options(
        selectinload(WorkingGroup.members), selectinload(WorkingGroup.chair)
    )
    return list(db.session.scalars(query.order_by(WorkingGroup.name)))


def list_reference_group() -> list[ReferenceGroupMembership]:
    query = (
        select(ReferenceGroupMembership)
        .where(ReferenceGroupMembership.left_on.is_(None))
        .options(selectinload(ReferenceGroupMembership.actor))
    )
    return list(db.session.scalars(query))
