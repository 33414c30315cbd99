"""Load the facts the tracker ships (plans, goals, actors, working groups); idempotent."""

from datetime import date
from importlib import resources

import yaml
from sqlalchemy import select

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.audit.services import By, add_and_record, apply_changes, record_change
from tracker.db import db
from tracker.plan.models import Commitment, Plan, PriorityGoal


def read_shipped_data() -> dict:
    text = resources.files("tracker.plan").joinpath("data/budapest-process.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _facts(item: dict) -> dict:
    return {"sources": item.get("sources", []), "source_confidence": item.get("source_confidence")}


def _add_missing_description(goal: PriorityGoal, item: dict, by: By) -> None:
    """A goal shipped before its official wording was found gets it now; a description the
    Secretariat wrote is never replaced."""
    if goal.description or not item.get("description"):
        return
    changes = apply_changes(
        goal, {"description": item["description"], "sources": item.get("sources", [])}
    )
    record_change(
        goal,
        "update",
        f"Official wording of goal {goal.number} of {goal.plan.code}",
        by=by,
        changes=changes,
    )


def _add_missing_translations(record, item: dict, label: str, by: By) -> None:
    """A shipped name in another language that a record lacks is added; one the Secretariat
    entered is never replaced."""
    versions = {code: dict(entry) for code, entry in (record.translations or {}).items()}
    changes = {}
    for code, entry in (item.get("translations") or {}).items():
        for field, text in entry.items():
            if not (versions.get(code) or {}).get(field):
                versions.setdefault(code, {})[field] = text
                changes[f"{field}_{code}"] = [None, text]
    if not changes:
        return
    record.translations = versions
    record_change(record, "update", f"Names of {label}", by=by, changes=changes)


def _created(entity, summary: str, by: By, created: list) -> None:
    created.append(add_and_record(entity, by=by, summary=summary))


def load_shipped_data(*, by: By = "tracker init") -> list:
    """Add the shipped records that are missing; never change existing ones. Returns the new."""
    data = read_shipped_data()
    created: list = []
    actors = {a.code: a for a in db.session.scalars(select(Actor))}
    for item in data["actors"]:
        if item["code"] in actors:
            _add_missing_translations(actors[item["code"]], item, f"actor {item['code']}", by)
        else:
            actor = Actor(
                kind=ActorKind(item["kind"]),
                code=item["code"],
                name=item["name"],
                translations=item.get("translations"),
                region=item.get("region"),
                note=item.get("note"),
                **_facts(item),
            )
            kind = actor.kind.value.replace("_", " ")  # the trail keeps English
            _created(actor, f"Added {kind} {actor.name}", by, created)
            actors[actor.code] = actor

    for item in data["plans"]:
        plan = db.session.scalar(select(Plan).where(Plan.code == item["code"]))
        if plan is not None:
            _add_missing_translations(plan, item, f"plan {plan.code}", by)
        else:
            plan = Plan(
                code=item["code"],
                title=item["title"],
                short_title=item.get("short_title"),
                translations=item.get("translations"),
                starts_on=date.fromisoformat(item["starts_on"]),
                ends_on=date.fromisoformat(item["ends_on"]),
                expected_action_points=item.get("expected_action_points"),
                adopted_at=item.get("adopted_at"),
                **_facts(item),
            )
            _created(plan, f"Added plan {plan.code}", by, created)
        have = {c.number for c in plan.commitments}
        for c in item.get("commitments", []):
            if c["number"] not in have:
                commitment = Commitment(
                    plan=plan, number=c["number"], title=c["title"], **_facts(c)
                )
                _created(commitment, f"Added commitment {c['number']} to {plan.code}", by, created)
        have = {g.number: g for g in plan.goals}
        for g in item.get("goals", []):
            if g["number"] in have:
                _add_missing_description(have[g["number"]], g, by)
                label = f"goal {g['number']} of {plan.code}"
                _add_missing_translations(have[g["number"]], g, label, by)
            else:
                goal = PriorityGoal(
                    plan=plan,
                    number=g["number"],
                    title=g["title"],
                    translations=g.get("translations"),
                    description=g.get("description"),
                    **_facts(g),
                )
                _created(goal, f"Added goal {g['number']} to {plan.code}", by, created)

    groups = {w.code for w in db.session.scalars(select(WorkingGroup))}
    for item in data["working_groups"]:
        if item["code"] not in groups:
            chair = actors.get(item.get("chair"))
            group = WorkingGroup(
                code=item["code"],
                name=item["name"],
                chair=chair,
                note=item.get("note"),
                members=[chair] if chair else [],
                **_facts(item),
            )
            _created(group, f"Added {group.name}", by, created)

    seated = set(db.session.scalars(select(ReferenceGroupMembership.actor_id)))
    for item in data["reference_group"]:
        actor = actors[item["actor"]]
        if actor.id not in seated:
            seat = ReferenceGroupMembership(
                actor=actor, role=item.get("role", "member"), **_facts(item)
            )
            _created(seat, f"{actor.name} joined the Reference Group", by, created)
    return created
