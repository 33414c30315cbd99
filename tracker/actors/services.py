from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.db import db


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
