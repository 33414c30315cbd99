from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum


class ActorKind(LabelledEnum):
    PARTICIPATING_STATE = "participating_state", _l("Participating state")
    OBSERVER_STATE = "observer_state", _l("Observer state")
    ORGANISATION = "organisation", _l("Organisation")

    @property
    def plural(self) -> str:
        """The kind as a heading over its actors: "Participating states"."""
        return str(KIND_PLURALS[self])


KIND_PLURALS = {
    ActorKind.PARTICIPATING_STATE: _l("Participating states"),
    ActorKind.OBSERVER_STATE: _l("Observer states"),
    ActorKind.ORGANISATION: _l("Organisations"),
}
STATE_KINDS = (ActorKind.PARTICIPATING_STATE, ActorKind.OBSERVER_STATE)

# The regions the shipped actors carry (`region` stays free text: another reads as written).
REGIONS = {
    "EU": _l("EU"),
    "central_asia": _l("central asia"),
    "other_europe": _l("other europe"),
    "silk_routes": _l("silk routes"),
}


# The roles of a seat in the Reference Group that the tracker knows (`role` stays free text).
SEAT_ROLES = {"member": _l("member"), "rapporteur": _l("rapporteur")}


def seat_role_label(role: str) -> str:
    label = SEAT_ROLES.get(role)
    return str(label) if label is not None else role


def region_label(region: str | None) -> str:
    if not region:
        return ""
    label = REGIONS.get(region)
    return str(label) if label is not None else region.replace("_", " ")


working_group_members = Table(
    "working_group_members",
    db.metadata,
    Column("working_group_id", ForeignKey("working_groups.id"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id"), primary_key=True, index=True),
)


class Actor(db.Model):
    """A participating or observer state (ISO 3166 alpha-2 code) or an organisation."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActorKind]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name in other languages, as entered or shipped: {"ru": {"name": …}}; a state without
    # one is named by the CLDR (tracker.actors.display).
    translations: Mapped[dict | None]
    region: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    working_groups: Mapped[list["WorkingGroup"]] = relationship(
        secondary=working_group_members, back_populates="members"
    )
    reference_group_memberships: Mapped[list["ReferenceGroupMembership"]] = relationship(
        back_populates="actor"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Actor {self.code}>"


class WorkingGroup(db.Model):
    """One of the regional working groups, with its chair and member actors."""

    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(16))
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    chair: Mapped[Actor | None] = relationship(foreign_keys=[chair_id])
    members: Mapped[list[Actor]] = relationship(
        secondary=working_group_members, back_populates="working_groups", order_by=Actor.name
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ReferenceGroupMembership(db.Model):
    """An actor's seat in the Reference Group that follows implementation between meetings."""

    __tablename__ = "reference_group_memberships"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="member")
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]
    sources: Mapped[list] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(16))

    actor: Mapped[Actor] = relationship(back_populates="reference_group_memberships")
