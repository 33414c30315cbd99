"""`tracker demo`: a separate plan of synthetic data, so that the real plans stay clean."""

import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, insert, or_, select, update

from tracker.actors.models import Actor, ActorKind
from tracker.audit.models import AuditEvent
from tracker.audit.services import record_event
from tracker.auth.models import Role
from tracker.auth.services import create_user, get_user_by_email, set_password
from tracker.db import db, utcnow
from tracker.meetings.demo import generate_meetings, remove_meetings
from tracker.money import rate_text
from tracker.plan.models import (
    ActionPoint,
    Activity,
    Plan,
    PriorityGoal,
    action_point_partners,
    code_sort_key,
)
from tracker.pledges import conversion
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry, TargetKind
from tracker.progress.demo import generate_updates, remove_progress

DEMO_CODE = "DEMO"
DEMO_RATE_SOURCE = "tracker demo (synthetic)"
# Reporting currency per unit, roughly; the demo jitters them month by month.
DEMO_RATES = {
    "EUR": "1.0",
    "USD": "0.9",
    "CHF": "1.02",
    "GBP": "1.16",
    "JPY": "0.0063",
    "KWD": "2.95",
}
PLEDGES_PER_YEAR = 400
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
    remove_progress(plan)
    remove_meetings(plan)
    ap_ids = select(ActionPoint.id).where(ActionPoint.plan_id == plan.id)
    activity_ids = select(Activity.id).where(Activity.action_point_id.in_(ap_ids))
    goal_ids = select(PriorityGoal.id).where(PriorityGoal.plan_id == plan.id)
    pledge_ids = select(Pledge.id).where(Pledge.plan_id == plan.id)
    # Synthetic records are deleted, so are the events about them: ids can be reused (SQLite).
    db.session.execute(
        delete(AuditEvent).where(
            (AuditEvent.entity_type == "pledges") & AuditEvent.entity_id.in_(pledge_ids)
        )
    )
    db.session.execute(delete(PledgeEntry).where(PledgeEntry.pledge_id.in_(pledge_ids)))
    db.session.execute(delete(Pledge).where(Pledge.plan_id == plan.id))
    db.session.execute(delete(ExchangeRate).where(ExchangeRate.source == DEMO_RATE_SOURCE))
    conversion.reconvert()  # other plans' entries may have used the demo rates
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
    updates = generate_updates(plan, states, rng)
    entries = _demo_pledges(plan, rng, list(actors.values()), start, years)
    meetings = generate_meetings(plan, list(actors.values()), start, years, rng)
    record_event(
        by=AGENT,
        action="create",
        entity=plan,
        summary=f"Loaded demo: 41 action points, {len(activity_rows)} activities, "
        f"{updates:,} progress updates, {entries} ledger entries, {meetings} meetings, "
        f"{years} year(s)",
    )

    accounts = [
        _demo_account(email, role, actors.get(actor_code) if actor_code else None)
        for email, role, actor_code in DEMO_ACCOUNTS
    ]
    _save_accounts(accounts)
    return DemoResult(
        f"Demo plan {DEMO_CODE} loaded ({years} year(s), {updates:,} progress updates). "
        "Demo sign-in:",
        accounts,
    )


def _demo_rates(start: date, years: int, rng: random.Random, reporting: str) -> None:
    """Monthly synthetic rates into the reporting currency (not over rates already there)."""
    taken = set(
        db.session.execute(
            select(ExchangeRate.currency, ExchangeRate.valid_on).where(
                ExchangeRate.reporting_currency == reporting
            )
        ).all()
    )
    rows = []
    base = {c: Decimal(r) / Decimal(DEMO_RATES.get(reporting, "1")) for c, r in DEMO_RATES.items()}
    for currency, rate in base.items():
        if currency == reporting:
            continue
        for month in range(years * 12):
            valid_on = date(start.year + month // 12, month % 12 + 1, 1)
            if (currency, valid_on) in taken:
                continue
            jitter = Decimal(rng.randrange(950, 1050)) / 1000
            rows.append(
                {
                    "currency": currency,
                    "reporting_currency": reporting,
                    "rate": rate_text((rate * jitter).quantize(Decimal("0.000001"))),
                    "valid_on": valid_on,
                    "source": DEMO_RATE_SOURCE,
                }
            )
    if rows:
        db.session.execute(insert(ExchangeRate), rows)


def _demo_pledges(plan: Plan, rng: random.Random, actors: list, start: date, years: int) -> int:
    """Pledges with ledgers (about 2,000 entries a year), inserted in bulk with their amounts in
    the reporting currency; the summary totals are then filled from the ledger in one set-based
    UPDATE."""
    reporting = current_app.config["REPORTING_CURRENCY"]
    _demo_rates(start, years, rng, reporting)
    goals = list(db.session.execute(select(PriorityGoal.id).where(PriorityGoal.plan_id == plan.id)))
    aps = list(
        db.session.execute(
            select(ActionPoint.id, ActionPoint.goal_id).where(ActionPoint.plan_id == plan.id)
        )
    )
    pledge_rows, ledgers = [], []
    for year in range(years):
        for n in range(PLEDGES_PER_YEAR):
            currency = rng.choice(list(DEMO_RATES))
            unit = 10 ** {"JPY": 0, "KWD": 3}.get(currency, 2)
            amount = rng.randrange(5, 500) * 1000 * unit
            pledged_on = date(start.year + year, rng.randrange(1, 7), rng.randrange(1, 28))
            roll = rng.random()
            ap_id, goal_id = rng.choice(aps)
            target = {"goal_id": None, "action_point_id": None, "target_kind": TargetKind.PLAN}
            if roll < 0.75:
                target = {
                    "goal_id": goal_id,
                    "action_point_id": ap_id,
                    "target_kind": TargetKind.ACTION_POINT,
                }
            elif roll < 0.95:
                target = {
                    "goal_id": rng.choice(goals)[0],
                    "action_point_id": None,
                    "target_kind": TargetKind.GOAL,
                }
            reference = f"DEMO-{year}-{n}"
            pledge_rows.append(
                {
                    "actor_id": rng.choice(actors).id,
                    "plan_id": plan.id,
                    **target,
                    "currency": currency,
                    "pledged_on": pledged_on,
                    "purpose": f"{rng.choice(VERBS)} {rng.choice(TOPICS)}",
                    "reference": reference,
                    "pledged_minor": 0,
                    "committed_minor": 0,
                    "disbursed_minor": 0,
                }
            )
            committed = [amount * rng.randrange(20, 50) // 100 for _ in range(2)]
            disbursed = [c * rng.randrange(30, 100) // 100 for c in committed]
            offsets = sorted(30 * k + rng.randrange(0, 25) for k in range(1, 6))
            ledger = [
                (EntryKind.PLEDGED, amount, pledged_on, None),
                (EntryKind.COMMITTED, committed[0], pledged_on + timedelta(days=offsets[0]), None),
                (EntryKind.DISBURSED, disbursed[0], pledged_on + timedelta(days=offsets[1]), None),
                (EntryKind.COMMITTED, committed[1], pledged_on + timedelta(days=offsets[2]), None),
                (EntryKind.DISBURSED, disbursed[1], pledged_on + timedelta(days=offsets[3]), None),
            ]
            if rng.random() < 0.1:
                cut = (amount - sum(committed)) // 2
                if cut > 0:
                    ledger.append(
                        (
                            EntryKind.PLEDGED,
                            -cut,
                            pledged_on + timedelta(days=offsets[4]),
                            "Budget reduced (demo)",
                        )
                    )
            ledgers.append((reference, currency, ledger))
    db.session.execute(insert(Pledge), pledge_rows)
    ids = dict(
        db.session.execute(
            select(Pledge.reference, Pledge.id).where(Pledge.plan_id == plan.id)
        ).all()
    )
    rates = conversion.RateTable(reporting)
    now = utcnow()
    entry_rows = [
        {
            "pledge_id": ids[reference],
            "kind": kind,
            "amount_minor": amount,
            "value_date": value_date,
            "reason": reason,
            "agent": AGENT,
            # Recorded on its value date, as if kept over the years (the brief asks what was
            # recorded since the last meeting), never in the future.
            "created_at": min(datetime.combine(value_date, time(12), UTC), now),
            **rates.convert(amount, currency, value_date).columns(reporting),
        }
        for reference, currency, ledger in ledgers
        for kind, amount, value_date, reason in ledger
    ]
    db.session.execute(insert(PledgeEntry), entry_rows)
    conversion.reconvert()  # other plans' entries convert at the demo rates too now
    fill_pledge_totals(plan.id)
    return len(entry_rows)


def fill_pledge_totals(plan_id: int) -> None:
    """Set every pledge's summary totals of a plan from its ledger, in one statement."""

    def total(kind: EntryKind):
        return (
            select(func.coalesce(func.sum(PledgeEntry.amount_minor), 0))
            .where(and_(PledgeEntry.pledge_id == Pledge.id, PledgeEntry.kind == kind))
            .scalar_subquery()
        )

    db.session.execute(
        update(Pledge)
        .where(Pledge.plan_id == plan_id)
        .values(
            pledged_minor=total(EntryKind.PLEDGED),
            committed_minor=total(EntryKind.COMMITTED),
            disbursed_minor=total(EntryKind.DISBURSED),
        )
        .execution_options(synchronize_session=False)
    )
