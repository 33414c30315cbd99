"""Pledge totals in the reporting currency: the one conversion every view and export shares.

Each ledger entry is converted on its own, at the latest rate dated on or before its value date
(a rate holds until the next one is entered), rounded once (tracker.money.convert). Every view
then adds the same converted entries with a different grouping, so their totals reconcile to the
cent. An entry whose currency has no rate on or before its value date is never guessed: it is
left out of the sums and counted, and views show the totals as incomplete.

Reads only; two queries whatever the amount of data (the entries, then the rates).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from tracker.actors.models import Actor
from tracker.db import db
from tracker.money import minor_digits, rate_fraction
from tracker.plan.models import ActionPoint, Activity, PriorityGoal
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry


def reporting_currency() -> str:
    return current_app.config["REPORTING_CURRENCY"]


class RateTable:
    """Every rate into one reporting currency, loaded in one query, looked up by date."""

    def __init__(self, reporting: str):
        self.reporting = reporting
        rows = db.session.execute(
            select(ExchangeRate.currency, ExchangeRate.valid_on, ExchangeRate.rate)
            .where(ExchangeRate.reporting_currency == reporting)
            .order_by(ExchangeRate.currency, ExchangeRate.valid_on)
        )
        self._dates: dict[str, list[date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        self._fractions: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for currency, valid_on, rate in rows:
            self._dates[currency].append(valid_on)
            self._rates[currency].append(Decimal(rate))
            self._fractions[currency].append(rate_fraction(Decimal(rate)))
        self._digits: dict[str, int] = {}
        self._found: dict[tuple[str, date], tuple] = {}

    def _index(self, currency: str, on: date) -> int | None:
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect_right(dates, on) - 1
        return index if index >= 0 else None

    def lookup(self, currency: str, on: date) -> tuple[Decimal, date] | None:
        """The rate of `currency` on `on`: the latest dated on or before it, or None."""
        if currency == self.reporting:
            return Decimal(1), on
        index = self._index(currency, on)
        if index is None:
            return None
        return self._rates[currency][index], self._dates[currency][index]

    def _minor_digits(self, currency: str) -> int:
        if currency not in self._digits:
            self._digits[currency] = minor_digits(currency)
        return self._digits[currency]

    def convert(self, amount_minor: int, currency: str, on: date) -> "Converted":
        """`amount_minor` at the rate of `on`, exactly as tracker.money.convert does it (the
        same integer arithmetic, with each rate's factors worked out once)."""
        if currency == self.reporting:
            return Converted(amount_minor, Decimal(1), on)
        key = (currency, on)
        found = self._found.get(key)
        if found is None:
            index = self._index(currency, on)
            if index is None:
                return Converted(None, None, None)
            numerator, exponent = self._fractions[currency][index]
            found = (
                numerator * 10 ** self._minor_digits(self.reporting),
                10 ** (exponent + self._minor_digits(currency)),
                self._rates[currency][index],
                self._dates[currency][index],
            )
            self._found[key] = found
        multiplier, divisor, rate, rate_on = found
        quotient, remainder = divmod(abs(amount_minor) * multiplier, divisor)
        if 2 * remainder > divisor or (2 * remainder == divisor and quotient % 2 == 1):
            quotient += 1
        return Converted(-quotient if amount_minor < 0 else quotient, rate, rate_on)


@dataclass(frozen=True)
class Converted:
    amount_minor: int | None  # None: no rate
    rate: Decimal | None
    rate_on: date | None


@dataclass(frozen=True)
class EntryRow:
    """A ledger entry with its pledge's grouping keys and its converted amount."""

    entry_id: int
    pledge_id: int
    kind: EntryKind
    amount_minor: int
    currency: str
    value_date: date
    actor_id: int
    plan_id: int
    goal_id: int | None
    action_point_id: int | None
    activity_id: int | None
    reason: str | None
    converted: Converted


@dataclass
class Totals:
    """Sums in the reporting currency, and how many entries had no rate (left out)."""

    pledged: int = 0
    committed: int = 0
    disbursed: int = 0
    missing: int = 0
    missing_currencies: set[str] = field(default_factory=set)

    def add(self, row: EntryRow) -> None:
        if row.converted.amount_minor is None:
            self.missing += 1
            self.missing_currencies.add(row.currency)
            return
        attribute = row.kind.value
        setattr(self, attribute, getattr(self, attribute) + row.converted.amount_minor)

    def get(self, measure: str) -> int:
        return getattr(self, measure)

    @property
    def complete(self) -> bool:
        return self.missing == 0


def entry_rows(
    *,
    reporting: str | None = None,
    plan_id: int | None = None,
    actor_id: int | None = None,
    goal_id: int | None = None,
    action_point_id: int | None = None,
    pledge_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[EntryRow]:
    """The ledger entries matching the filters, each converted to the reporting currency."""
    rates = RateTable(reporting or reporting_currency())
    query = (
        select(
            PledgeEntry.id,
            PledgeEntry.pledge_id,
            PledgeEntry.kind,
            PledgeEntry.amount_minor,
            Pledge.currency,
            PledgeEntry.value_date,
            Pledge.actor_id,
            Pledge.plan_id,
            Pledge.goal_id,
            Pledge.action_point_id,
            Pledge.activity_id,
            PledgeEntry.reason,
        )
        .join(Pledge, PledgeEntry.pledge_id == Pledge.id)
        .order_by(PledgeEntry.value_date, PledgeEntry.id)
    )
    for column, value in (
        (Pledge.plan_id, plan_id),
        (Pledge.actor_id, actor_id),
        (Pledge.goal_id, goal_id),
        (Pledge.action_point_id, action_point_id),
        (Pledge.id, pledge_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if date_from is not None:
        query = query.where(PledgeEntry.value_date >= date_from)
    if date_to is not None:
        query = query.where(PledgeEntry.value_date <= date_to)
    return [
        EntryRow(*row, converted=rates.convert(row[3], row[4], row[5]))
        for row in db.session.execute(query)
    ]


def group_totals(rows: Iterable[EntryRow], key: Callable[[EntryRow], Hashable]) -> dict:
    """{key: Totals} over the rows."""
    groups: dict = defaultdict(Totals)
    for row in rows:
        groups[key(row)].add(row)
    return dict(groups)


def overall(rows: Iterable[EntryRow]) -> Totals:
    totals = Totals()
    for row in rows:
        totals.add(row)
    return totals


# Funding needs ----------------------------------------------------------------------------------


@dataclass
class Need:
    """A funding need against what is committed, in the reporting currency."""

    label: str
    need: int = 0
    need_missing: int = 0  # budgets left out: no rate for their currency
    has_need: bool = False
    committed: Totals = field(default_factory=Totals)
    record_id: int | None = None

    @property
    def gap(self) -> int:
        return self.need - self.committed.committed

    @property
    def coverage(self) -> Decimal | None:
        """Committed as a percentage of the need, to one decimal; None when there is no need."""
        if self.need <= 0:
            return None
        return (Decimal(self.committed.committed) * 100 / Decimal(self.need)).quantize(
            Decimal("0.1")
        )


@dataclass
class FundingReport:
    plan: Need
    goals: list[Need]
    action_points: dict[int, list[Need]]  # by goal id
    as_of: date
    reporting: str


def funding_report(plan, *, as_of: date | None = None, reporting: str | None = None):
    """Need, committed, gap and coverage per action point, goal and plan (five queries).

    An action point's need is its own estimated budget when it has one, else the sum of its
    activities' budgets. Budgets have no date: they convert at the latest rate on or before
    `as_of` (today by default). Committed counts ledger entries of the plan's pledges at their
    value dates: an activity's pledges count for its action point; pledges to a goal count for
    the goal and the plan; pledges to the whole plan only for the plan.
    """
    as_of = as_of or date.today()
    reporting = reporting or reporting_currency()
    rates = RateTable(reporting)
    goals = list(
        db.session.scalars(
            select(PriorityGoal)
            .where(PriorityGoal.plan_id == plan.id)
            .order_by(PriorityGoal.number)
        )
    )
    aps = list(
        db.session.execute(
            select(
                ActionPoint.id,
                ActionPoint.goal_id,
                ActionPoint.code,
                ActionPoint.title,
                ActionPoint.budget_minor,
                ActionPoint.budget_currency,
            )
            .where(ActionPoint.plan_id == plan.id)
            .order_by(ActionPoint.sort_key, ActionPoint.id)
        )
    )
    activity_budgets: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for ap_id, amount, currency in db.session.execute(
        select(Activity.action_point_id, Activity.budget_minor, Activity.budget_currency)
        .join(ActionPoint, Activity.action_point_id == ActionPoint.id)
        .where(ActionPoint.plan_id == plan.id, Activity.budget_minor.is_not(None))
    ):
        activity_budgets[ap_id].append((amount, currency))

    rows = entry_rows(reporting=reporting, plan_id=plan.id, date_to=as_of)
    by_ap = group_totals(rows, lambda r: r.action_point_id)
    by_goal = group_totals(rows, lambda r: r.goal_id)

    plan_need = Need(label=f"{plan.code} — the whole plan", committed=overall(rows))
    goal_needs = {
        g.id: Need(
            label=f"Goal {g.number}: {g.title}",
            committed=by_goal.get(g.id, Totals()),
            record_id=g.id,
        )
        for g in goals
    }
    ap_needs: dict[int, list[Need]] = {g.id: [] for g in goals}
    for ap_id, goal_id, code, title, budget, currency in aps:
        need = Need(label=f"{code}: {title}", committed=by_ap.get(ap_id, Totals()), record_id=ap_id)
        budgets = [(budget, currency)] if budget is not None else activity_budgets.get(ap_id, [])
        for amount, cur in budgets:
            need.has_need = True
            converted = rates.convert(amount, cur, as_of)
            if converted.amount_minor is None:
                need.need_missing += 1
            else:
                need.need += converted.amount_minor
        ap_needs[goal_id].append(need)
        for parent in (goal_needs[goal_id], plan_need):
            parent.need += need.need
            parent.need_missing += need.need_missing
            parent.has_need = parent.has_need or need.has_need
    return FundingReport(plan_need, list(goal_needs.values()), ap_needs, as_of, reporting)


# Who funds what -----------------------------------------------------------------------------------


@dataclass
class MatrixRow:
    actor: Actor
    cells: dict  # goal id (None: the whole plan) -> Totals
    total: Totals


@dataclass
class Matrix:
    columns: list  # (goal id or None, label)
    rows: list[MatrixRow]
    column_totals: dict
    grand: Totals
    reporting: str


def funding_matrix(
    plan,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    measure: str = "committed",
    sort: str = "total",
    reporting: str | None = None,
) -> Matrix:
    """Actors × goals of a plan in the reporting currency, entries dated in [from, to].

    The last column holds pledges to the plan as a whole. `sort`: "total" (largest first),
    "name", or "goal:<id>" (largest first in that column). Four queries.
    """
    reporting = reporting or reporting_currency()
    rows = entry_rows(reporting=reporting, plan_id=plan.id, date_from=date_from, date_to=date_to)
    goals = list(
        db.session.scalars(
            select(PriorityGoal)
            .where(PriorityGoal.plan_id == plan.id)
            .order_by(PriorityGoal.number)
        )
    )
    columns = [(g.id, f"Goal {g.number}") for g in goals] + [(None, "Whole plan")]
    cells = group_totals(rows, lambda r: (r.actor_id, r.goal_id))
    by_actor = group_totals(rows, lambda r: r.actor_id)
    by_goal = group_totals(rows, lambda r: r.goal_id)
    actors = {
        a.id: a for a in db.session.scalars(select(Actor).where(Actor.id.in_(list(by_actor))))
    }
    matrix_rows = [
        MatrixRow(
            actor=actors[actor_id],
            cells={goal_id: cells.get((actor_id, goal_id), Totals()) for goal_id, _ in columns},
            total=total,
        )
        for actor_id, total in by_actor.items()
    ]
    if sort == "name":
        matrix_rows.sort(key=lambda r: r.actor.name)
    elif sort.startswith("goal:"):
        wanted = sort.partition(":")[2]
        goal_id = int(wanted) if wanted.isdigit() else None
        matrix_rows.sort(key=lambda r: (-r.cells.get(goal_id, Totals()).get(measure), r.actor.name))
    else:
        matrix_rows.sort(key=lambda r: (-r.total.get(measure), r.actor.name))
    return Matrix(
        columns=columns,
        rows=matrix_rows,
        column_totals={goal_id: by_goal.get(goal_id, Totals()) for goal_id, _ in columns},
        grand=overall(rows),
        reporting=reporting,
    )
