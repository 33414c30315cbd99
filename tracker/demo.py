"""`tracker demo`: a separate plan of synthetic data, so that the real plans stay clean."""

import math
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
# Funding that looks like a real plan's: an activity costs EUR 100,000 to 1.2 million a year and
# a pledge is worth about EUR 60,000 (median 37,000, a few in the millions), so that what donors
# commit covers roughly two thirds of the need. Donors favour some goals over others (the weights
# below), so that coverage differs by goal: goal 1 is about fully funded, goal 3 a quarter.
ACTIVITY_BUDGET_EUR = (100_000, 1_200_000)
PLEDGE_MEDIAN_EUR = 37_000
PLEDGE_RANGE_EUR = (5_000, 3_000_000)
GOAL_APPEAL = [1.55, 0.6, 0.4, 0.85, 1.3, 1.0]
MINOR_DIGITS = {"JPY": 0, "KWD": 3}  # ISO 4217 minor units; 2 for the others
ROUND_TO = {"JPY": 100_000}  # pledges are round sums in their currency; 1,000 units elsewhere
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

    # As if the Secretariat loaded the plan when it began: "as of" reports rebuild it from then.
    loaded_at = datetime.combine(start, time(9), tzinfo=UTC)
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
                "created_at": loaded_at,
                "updated_at": loaded_at,
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
                    # Whole thousands of euros, in cents.
                    "budget_minor": rng.randrange(*ACTIVITY_BUDGET_EUR) // 1000 * 1000 * 100,
                    "budget_currency": "EUR",
                    "created_at": loaded_at,
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
    """Monthly synthetic rates into the reporting currency, none dated after today (not over
    rates already there)."""
    taken = set(
        db.session.execute(
            select(ExchangeRate.currency, ExchangeRate.valid_on).where(
                ExchangeRate.reporting_currency == reporting
            )
        ).all()
    )
    today = utcnow().date()
    rows = []
    base = {c: Decimal(r) / Decimal(DEMO_RATES.get(reporting, "1")) for c, r in DEMO_RATES.items()}
    for currency, rate in base.items():
        if currency == reporting:
            continue
        for month in range(years * 12):
            valid_on = date(start.year + month // 12, month % 12 + 1, 1)
            jitter = Decimal(rng.randrange(950, 1050)) / 1000
            if (currency, valid_on) in taken or valid_on > today:
                continue
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


def _pledge_amount(rng: random.Random, currency: str) -> int:
    """A round sum in the currency's minor units, worth a draw of euros from a long-tailed
    (log-normal) spread: many small pledges, a few large ones."""
    low, high = PLEDGE_RANGE_EUR
    euros = min(max(rng.lognormvariate(math.log(PLEDGE_MEDIAN_EUR), 1.0), low), high)
    step = ROUND_TO.get(currency, 1000)
    units = max(1, round(euros / float(DEMO_RATES[currency]) / step)) * step
    return units * 10 ** MINOR_DIGITS.get(currency, 2)


def _ledger(rng: random.Random, amount: int, pledged_on: date) -> list[tuple]:
    """A pledge's ledger in date order, as a donor keeps it: the pledge; 40-100 % of it committed
    in two tranches, each 30-100 % disbursed after it was committed; now and then a cut in what
    was pledged but never committed. Every prefix keeps disbursed <= committed <= pledged, so the
    ledger stays sound when the entries not yet due are left out."""
    committed = amount * rng.randrange(40, 101) // 100
    first = committed * rng.randrange(40, 80) // 100
    tranches = [first, committed - first]
    disbursed = [tranche * rng.randrange(30, 101) // 100 for tranche in tranches]
    # Strictly increasing: the k-th falls in days [30k, 30k + 24].
    days = [30 * k + rng.randrange(0, 25) for k in range(1, 6)]
    entries = [
        (EntryKind.PLEDGED, amount, 0, None),
        (EntryKind.COMMITTED, tranches[0], days[0], None),
        (EntryKind.DISBURSED, disbursed[0], days[1], None),
        (EntryKind.COMMITTED, tranches[1], days[2], None),
        (EntryKind.DISBURSED, disbursed[1], days[3], None),
    ]
    cut = (amount - committed) // 2
    if rng.random() < 0.1 and cut > 0:
        entries.append((EntryKind.PLEDGED, -cut, days[4], "Budget reduced (demo)"))
    return [
        (kind, value, pledged_on + timedelta(days=day), reason)
        for kind, value, day, reason in entries
        if value != 0
    ]


def _demo_pledges(plan: Plan, rng: random.Random, actors: list, start: date, years: int) -> int:
    """Pledges with ledgers (about 2,000 entries a year), inserted in bulk with their amounts in
    the reporting currency; the summary totals are then filled from the ledger in one set-based
    UPDATE. Nothing is dated after today: a pledge not yet made is left out, and so are the
    entries of a ledger that are not yet due."""
    reporting = current_app.config["REPORTING_CURRENCY"]
    _demo_rates(start, years, rng, reporting)
    goal_ids = list(
        db.session.scalars(
            select(PriorityGoal.id)
            .where(PriorityGoal.plan_id == plan.id)
            .order_by(PriorityGoal.number)
        )
    )
    aps_of_goal: dict[int, list[int]] = {goal_id: [] for goal_id in goal_ids}
    for ap_id, goal_id in db.session.execute(
        select(ActionPoint.id, ActionPoint.goal_id)
        .where(ActionPoint.plan_id == plan.id)
        .order_by(ActionPoint.id)
    ):
        aps_of_goal[goal_id].append(ap_id)
    now = utcnow()
    today = now.date()

    def recorded(day: date) -> datetime:
        # Recorded on its date, as if kept over the years (the brief asks what was recorded
        # since the last meeting), never in the future.
        return min(datetime.combine(day, time(12), UTC), now)

    pledge_rows, ledgers = [], []
    for year in range(years):
        for n in range(PLEDGES_PER_YEAR):
            # The same draws whatever the date, so the demo is the same one but for its end.
            currency = rng.choice(list(DEMO_RATES))
            amount = _pledge_amount(rng, currency)
            pledged_on = date(start.year + year, rng.randrange(1, 7), rng.randrange(1, 28))
            roll = rng.random()
            goal_id = rng.choices(goal_ids, weights=GOAL_APPEAL)[0]
            ap_id = rng.choice(aps_of_goal[goal_id])
            target = {"goal_id": None, "action_point_id": None, "target_kind": TargetKind.PLAN}
            if roll < 0.75:
                target = {
                    "goal_id": goal_id,
                    "action_point_id": ap_id,
                    "target_kind": TargetKind.ACTION_POINT,
                }
            elif roll < 0.95:
                target = {
                    "goal_id": goal_id,
                    "action_point_id": None,
                    "target_kind": TargetKind.GOAL,
                }
            reference = f"DEMO-{year}-{n}"
            actor_id = rng.choice(actors).id
            purpose = f"{rng.choice(VERBS)} {rng.choice(TOPICS)}"
            ledger = [entry for entry in _ledger(rng, amount, pledged_on) if entry[2] <= today]
            if pledged_on > today:
                continue
            pledge_rows.append(
                {
                    "actor_id": actor_id,
                    "plan_id": plan.id,
                    **target,
                    "currency": currency,
                    "pledged_on": pledged_on,
                    "purpose": purpose,
                    "reference": reference,
                    "pledged_minor": 0,
                    "committed_minor": 0,
                    "disbursed_minor": 0,
                    "created_at": recorded(pledged_on),
                }
            )
            ledgers.append((reference, currency, ledger))
    if not pledge_rows:
        return 0
    db.session.execute(insert(Pledge), pledge_rows)
    ids = dict(
        db.session.execute(
            select(Pledge.reference, Pledge.id).where(Pledge.plan_id == plan.id)
        ).all()
    )
    rates = conversion.RateTable(reporting)
    entry_rows = [
        {
            "pledge_id": ids[reference],
            "kind": kind,
            "amount_minor": amount,
            "value_date": value_date,
            "reason": reason,
            "agent": AGENT,
            "created_at": recorded(value_date),
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
