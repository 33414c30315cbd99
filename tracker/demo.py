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
from tracker.auth.models import Role
from tracker.auth.services import create_user, get_user_by_email, set_password
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
AGENT = "tracker demo"
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


def remove_demo_plan() -> None:
    """Delete the DEMO plan, its records and the audit events about them.

    The demo accounts stay (they may have acted on real records, whose history must keep them);
    `load_demo` gives them new passwords.
    """
    plan = db.session.scalar(select(Plan).where(Plan.code == DEMO_CODE))
    if plan is None:
        return
    ap_ids = select(ActionPoint.id).where(ActionPoint.plan_id == plan.id)
    activity_ids = select(Activity.id).where(Activity.action_point_id.in_(ap_ids))
    goal_ids = select(PriorityGoal.id).where(PriorityGoal.plan_id == plan.id)
    # Synthetic records are deleted, so are the events about them: ids can be reused (SQLite).
    db.session.execute(
        delete(AuditEvent).where(
            or_(
                (AuditEvent.entity_type == "activities") & AuditEvent.entity_id.in_(activity_ids),
                (AuditEvent.entity_type == "action_points") & AuditEvent.entity_id.in_(ap_ids),
                (AuditEvent.entity_type == "priority_goals") & AuditEvent.entity_id.in_(goal_ids),
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
    db.session.expire_all()


def _demo_account(email: str, role: Role, actor: Actor | None) -> tuple[str, str, str]:
    """Create a demo account, or give the existing one a new password (ending its sessions)."""
    password = secrets.token_urlsafe(12)
    user = get_user_by_email(email)
    if user is None:
        name = f"Demo {role.value.replace('_', ' ')}"
        create_user(email=email, name=name, role=role, password=password, actor=actor, by=AGENT)
    else:
        set_password(user, password, by=AGENT)
    return email, password, role.value


def load_demo(*, years: int = 1, reset: bool = False) -> DemoResult:
    """Create the DEMO plan and accounts; without `reset`, an existing demo is left as it is."""
    if reset:
        remove_demo_plan()
    elif db.session.scalar(select(Plan.id).where(Plan.code == DEMO_CODE)) is not None:
        return DemoResult(
            "Demo data already loaded; nothing changed (use --reset to make it anew).",
            _saved_accounts(),
        )
    rng = random.Random(2019)  # nosec B311  # synthetic demo figures, repeatable on purpose
    actors = {a.code: a for a in db.session.scalars(select(Actor))}
    if not actors:
        raise RuntimeError("No actors yet: run `tracker init` first.")
    states = [a for a in actors.values() if a.kind == ActorKind.PARTICIPATING_STATE]
    start = date(date.today().year - (years - 1), 1, 1)
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
                    "code": f"A{year + 1}",
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
        by=AGENT,
        action="create",
        entity=plan,
        summary=f"Loaded demo: 41 action points, {len(activity_rows)} activities, {years} year(s)",
    )

    accounts = [
        _demo_account(email, role, actors.get(actor_code) if actor_code else None)
        for email, role, actor_code in DEMO_ACCOUNTS
    ]
    _save_accounts(accounts)
    return DemoResult(f"Demo plan {DEMO_CODE} loaded ({years} year(s)). Demo sign-in:", accounts)
