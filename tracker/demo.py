"""`tracker demo`: a separate plan of synthetic data, so that the real plans stay clean."""

import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, insert, or_, select

from tracker.actors.models import Actor, ActorKind
from tracker.audit.models import AuditEvent
from tracker.audit.services import record_event
from tracker.auth.models import ApiToken, Role, User
from tracker.auth.services import create_user
from tracker.db import db
from tracker.plan.models import (
    ActionPoint,
    Activity,
    Plan,
    PriorityGoal,
    action_point_partners,
    code_sort_key,
)

DEMO_CODE = "DEMO"
DEMO_GOALS = [
    "Irregular migration, return & smuggling",
    "Legal migration & mobility",
    "Integration & anti-discrimination",
    "Migration & development",
    "Trafficking in persons",
    "International protection",
]
DEMO_ACCOUNTS = [  # email, role, actor code
    ("demo-admin@example.org", Role.ADMIN, "ICMPD"),
    ("demo-member@example.org", Role.MEMBER, "SE"),
    ("demo-focal-point@example.org", Role.FOCAL_POINT, "HU"),
    ("demo-viewer@example.org", Role.VIEWER, None),
]
VERBS = ["Strengthen", "Support", "Develop", "Promote", "Exchange on", "Train staff in", "Map"]
TOPICS = [
    "border management cooperation",
    "return and reintegration counselling",
    "labour migration pathways",
    "diaspora engagement",
    "victim identification",
    "asylum case management",
    "migration data sharing",
    "information campaigns on irregular migration",
]


@dataclass
class DemoResult:
    message: str
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def _accounts_file() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.txt"


def _saved_accounts() -> list[tuple[str, str, str]]:
    path = _accounts_file()
    if not path.exists():
        return []
    return [
        tuple(line.split("\t")) for line in path.read_text().splitlines() if line.count("\t") == 2
    ]


def _save_accounts(accounts: list[tuple[str, str, str]]) -> None:
    path = _accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.writelines("\t".join(a) + "\n" for a in accounts)


def remove_demo() -> None:
    """Delete the DEMO plan, its records, its audit events and the demo accounts."""
    plan = db.session.scalar(select(Plan).where(Plan.code == DEMO_CODE))
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    user_ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
    if plan is not None:
        ap_ids = select(ActionPoint.id).where(ActionPoint.plan_id == plan.id)
        activity_ids = select(Activity.id).where(Activity.action_point_id.in_(ap_ids))
        goal_ids = select(PriorityGoal.id).where(PriorityGoal.plan_id == plan.id)
        db.session.execute(
            delete(AuditEvent).where(
                or_(
                    (AuditEvent.entity_type == "activities")
                    & AuditEvent.entity_id.in_(activity_ids),
                    (AuditEvent.entity_type == "action_points") & AuditEvent.entity_id.in_(ap_ids),
                    (AuditEvent.entity_type == "priority_goals")
                    & AuditEvent.entity_id.in_(goal_ids),
                    (AuditEvent.entity_type == "plans") & (AuditEvent.entity_id == plan.id),
                )
            )
        )
        db.session.execute(delete(Activity).where(Activity.action_point_id.in_(ap_ids)))
        db.session.execute(
            delete(action_point_partners).where(action_point_partners.c.action_point_id.in_(ap_ids))
        )
        db.session.execute(delete(ActionPoint).where(ActionPoint.plan_id == plan.id))
        db.session.execute(delete(PriorityGoal).where(PriorityGoal.plan_id == plan.id))
        db.session.execute(delete(Plan).where(Plan.id == plan.id))
    if user_ids:
        db.session.execute(delete(AuditEvent).where(AuditEvent.user_id.in_(user_ids)))
        db.session.execute(
            delete(AuditEvent).where(
                AuditEvent.entity_type == "users", AuditEvent.entity_id.in_(user_ids)
            )
        )
        db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(user_ids)))
        db.session.execute(delete(User).where(User.id.in_(user_ids)))
    db.session.expire_all()


def load_demo(*, years: int = 1, reset: bool = False) -> DemoResult:
    """Create the DEMO plan and accounts; without `reset`, an existing demo is left as it is."""
    if reset:
        remove_demo()
    elif db.session.scalar(select(Plan.id).where(Plan.code == DEMO_CODE)) is not None:
        return DemoResult(
            "Demo data already loaded; nothing changed (use --reset to make it anew).",
            _saved_accounts(),
        )
    rng = random.Random(2019)
    actors = {a.code: a for a in db.session.scalars(select(Actor))}
    if not actors:
        raise RuntimeError("No actors yet: run `tracker init` first.")
    states = [a for a in actors.values() if a.kind == ActorKind.PARTICIPATING_STATE]
    start = date.today().replace(month=1, day=1) - timedelta(days=365 * (years - 1))
    plan = Plan(
        code=DEMO_CODE,
        title="Demonstration — synthetic data",
        short_title="Demonstration plan",
        starts_on=start,
        ends_on=start.replace(year=start.year + max(years, 5)),
        expected_action_points=41,
        is_demo=True,
        sources=[],
        source_confidence=None,
    )
    plan.goals = [PriorityGoal(number=n, title=t, sources=[]) for n, t in enumerate(DEMO_GOALS, 1)]
    db.session.add(plan)
    db.session.flush()

    ap_rows = []
    for number in range(1, 42):
        goal = plan.goals[(number - 1) * 6 // 41]
        ap_rows.append(
            {
                "plan_id": plan.id,
                "goal_id": goal.id,
                "code": str(number),
                "sort_key": code_sort_key(str(number)),
                "title": f"{rng.choice(VERBS)} {rng.choice(TOPICS)}",
                "description": "Synthetic action point for demonstration. **Not** official text.",
                "lead_actor_id": rng.choice(states).id,
                "target_on": plan.ends_on,
            }
        )
    db.session.execute(insert(ActionPoint), ap_rows)
    ap_ids = list(db.session.scalars(select(ActionPoint.id).where(ActionPoint.plan_id == plan.id)))
    db.session.execute(
        insert(action_point_partners),
        [
            {"action_point_id": ap_id, "actor_id": partner.id}
            for ap_id in ap_ids
            for partner in rng.sample(states, 2)
        ],
    )
    activity_rows = []
    for ap_id in ap_ids:
        for year in range(years):
            begins = start.replace(year=start.year + year) + timedelta(days=rng.randrange(0, 200))
            activity_rows.append(
                {
                    "action_point_id": ap_id,
                    "title": f"{rng.choice(VERBS)} {rng.choice(TOPICS)} ({begins.year})",
                    "lead_actor_id": rng.choice(states).id,
                    "starts_on": begins,
                    "ends_on": begins + timedelta(days=rng.randrange(30, 150)),
                    "budget_minor": rng.randrange(10_000, 500_000) * 100,
                    "budget_currency": "EUR",
                }
            )
    db.session.execute(insert(Activity), activity_rows)
    record_event(
        by="tracker demo",
        action="create",
        entity=plan,
        summary=f"Loaded demo: 41 action points, {len(activity_rows)} activities, {years} year(s)",
    )

    accounts = []
    for email, role, actor_code in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        create_user(
            email=email,
            name=f"Demo {role.value.replace('_', ' ')}",
            role=role,
            password=password,
            actor=actors.get(actor_code) if actor_code else None,
            by="tracker demo",
        )
        accounts.append((email, password, role.value))
    _save_accounts(accounts)
    return DemoResult(f"Demo plan {DEMO_CODE} loaded ({years} year(s)). Demo sign-in:", accounts)
