"""Pledge totals in the reporting currency: the one conversion every view and export shares.

Each ledger entry carries its amount in the reporting currency, converted once at the latest
rate dated on or before its value date and kept current by tracker.pledges.conversion. Every view
adds those same stored amounts with a different grouping, so their totals reconcile to the cent:
the summary pages with SUM … GROUP BY in the database (`sum_entries`, a query whose cost does
not depend on Python work per entry), a pledge's ledger and the exports entry by entry
(`entry_rows`). An entry with no rate on or before its value date is never guessed: it is left
out of the sums and counted, and views show the totals as incomplete. So is an entry converted
into another reporting currency than the configured one (counted as `stale`: `tracker pledges
reconvert` converts it again).
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import Select, case, func, select

from tracker.actors.models import Actor
from tracker.db import db, exact_sum
from tracker.i18n import localized
from tracker.plan.models import ActionPoint, Activity, PriorityGoal
from tracker.pledges.conversion import Conversion, latest_rates, reporting_currency
from tracker.pledges.models import EntryKind, Pledge, PledgeEntry
from tracker.pledges.services import where_pledges
from tracker.query_args import QueryArgError, whole_number

__all__ = ["reporting_currency"]  # re-exported: views and the API read it from here


@dataclass(frozen=True)
class Converted:
    amount_minor: int | None  # None: no rate (or converted into another reporting currency)
    rate: Decimal | None
    rate_on: date | None
    stale: bool = False  # converted into another reporting currency: to convert again


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
    """Sums in the reporting currency, and how many entries were left out (no rate, or `stale`:
    converted into another reporting currency)."""

    pledged: int = 0
    committed: int = 0
    disbursed: int = 0
    missing: int = 0
    missing_currencies: set[str] = field(default_factory=set)
    stale: int = 0

    def add(self, row: EntryRow) -> None:
        if row.converted.amount_minor is None:
            self.missing += 1
            self.missing_currencies.add(row.currency)
            self.stale += row.converted.stale
            return
        attribute = row.kind.value
        setattr(self, attribute, getattr(self, attribute) + row.converted.amount_minor)

    def merge(self, other: "Totals") -> None:
        self.pledged += other.pledged
        self.committed += other.committed
        self.disbursed += other.disbursed
        self.missing += other.missing
        self.missing_currencies |= other.missing_currencies
        self.stale += other.stale

    def get(self, measure: str) -> int:
        return getattr(self, measure)

    @property
    def remaining(self) -> int:
        """Committed, not yet disbursed (as Pledge.remaining_minor, in the reporting currency)."""
        return self.committed - self.disbursed

    @property
    def complete(self) -> bool:
        return self.missing == 0


def _filtered(
    query: Select,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    recorded_since: datetime | None = None,
    recorded_before: datetime | None = None,
    **pledge_ids: int | None,
) -> Select:
    """`query` over the ledger entries of the pledges `pledge_ids` name (see where_pledges),
    valued or recorded in the window given."""
    query = where_pledges(query.join(Pledge, PledgeEntry.pledge_id == Pledge.id), **pledge_ids)
    if date_from is not None:
        query = query.where(PledgeEntry.value_date >= date_from)
    if date_to is not None:
        query = query.where(PledgeEntry.value_date <= date_to)
    # When the entry was made, not its value date.
    if recorded_since is not None:
        query = query.where(PledgeEntry.created_at >= recorded_since)
    if recorded_before is not None:
        query = query.where(PledgeEntry.created_at < recorded_before)
    return query


def entry_rows(*, reporting: str | None = None, **filters) -> list[EntryRow]:
    """The ledger entries matching the filters (see `_filtered`), each with its stored
    conversion, in value-date order (one query)."""
    reporting = reporting or reporting_currency()
    query = _filtered(
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
            PledgeEntry.reporting_currency,
            PledgeEntry.reporting_minor,
            PledgeEntry.rate,
            PledgeEntry.rate_on,
        ),
        **filters,
    ).order_by(PledgeEntry.value_date, PledgeEntry.id)
    rows = []
    for *row, converted_into, minor, rate, rate_on in db.session.execute(query):
        if converted_into != reporting:
            converted = Converted(None, None, None, stale=True)
        elif minor is None:
            converted = Converted(None, None, None)
        else:
            converted = Converted(minor, Decimal(rate), rate_on)
        rows.append(EntryRow(*row, converted=converted))
    return rows


def sum_entries(*keys, reporting: str | None = None, **filters) -> dict[tuple, Totals]:
    """{(values of `keys`): Totals} over the entries matching the filters, summed by the database
    in two queries: the sums (one row per group, a column per kind), then the entries left out,
    by currency (few or no rows).

    `keys` are columns of Pledge, e.g. `sum_entries(Pledge.actor_id, Pledge.goal_id, plan_id=1)`.
    One row per group with a column per kind, rather than a row per kind and currency left out:
    SQLite can then add up as it reads the covering index, without sorting every entry.
    """
    reporting = reporting or reporting_currency()
    current = PledgeEntry.reporting_currency == reporting

    def kind_sum(kind: EntryKind):
        # exact_sum, not SUM: many entries near the bound add up to more than a BIGINT holds.
        return exact_sum(case((current & (PledgeEntry.kind == kind), PledgeEntry.reporting_minor)))

    groups: dict[tuple, Totals] = defaultdict(Totals)
    sums = _filtered(select(*keys, *(kind_sum(kind) for kind in EntryKind)), **filters)
    for row in db.session.execute(sums.group_by(*keys)):
        totals = groups[tuple(row[: len(keys)])]
        for kind, amount in zip(EntryKind, row[len(keys) :], strict=True):
            setattr(totals, kind.value, amount or 0)
    left_out = _filtered(
        select(*keys, Pledge.currency, func.count(), func.sum(case((current, 0), else_=1))),
        **filters,
    ).where(
        # Spelled out so that a NULL reporting_currency (never converted) counts as left out.
        PledgeEntry.reporting_currency.is_(None)
        | (PledgeEntry.reporting_currency != reporting)
        | PledgeEntry.reporting_minor.is_(None)
    )
    for *key, currency, count, stale in db.session.execute(
        left_out.group_by(*keys, Pledge.currency)
    ):
        totals = groups[tuple(key)]
        totals.missing += count
        totals.missing_currencies.add(currency)
        totals.stale += int(stale)
    return dict(groups)


def rollup(groups: dict[tuple, Totals], key: Callable[[tuple], Hashable]) -> dict:
    """{key(group key): Totals} adding up the groups."""
    out: dict = defaultdict(Totals)
    for group_key, totals in groups.items():
        out[key(group_key)].merge(totals)
    return dict(out)


def total_of(groups: dict) -> Totals:
    out = Totals()
    for totals in groups.values():
        out.merge(totals)
    return out


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


def budget_in(amount: int, currency: str, reporting: str, rates: dict) -> int | None:
    """An (undated) budget in the reporting currency at `rates` (from `latest_rates`); None
    when its currency has no rate."""
    if currency == reporting:
        return amount
    if currency not in rates:
        return None
    rate, rate_on = rates[currency]
    return Conversion.at(amount, currency, rate, rate_on, reporting).amount_minor


@dataclass
class FundingReport:
    plan: Need
    goals: list[Need]
    action_points: dict[int, list[Need]]  # by goal id
    as_of: date
    reporting: str


def funding_report(plan, *, as_of: date | None = None, reporting: str | None = None):
    """Need, committed, gap and coverage per action point, goal and plan (six queries, the
    committed amounts summed by the database).

    An action point's need is its own estimated budget when it has one, else the sum of its
    activities' budgets. Budgets have no date: they convert at the latest rate on or before
    `as_of` (today by default). Committed counts ledger entries of the plan's pledges at their
    value dates: an activity's pledges count for its action point; pledges to a goal count for
    the goal and the plan; pledges to the whole plan only for the plan.
    """
    as_of = as_of or date.today()
    reporting = reporting or reporting_currency()
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
                ActionPoint.retired_at,
            )
            .where(ActionPoint.plan_id == plan.id)
            .order_by(ActionPoint.sort_key, ActionPoint.id)
        )
    )
    activity_budgets: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for ap_id, amount, currency in db.session.execute(
        select(Activity.action_point_id, Activity.budget_minor, Activity.budget_currency)
        .join(ActionPoint, Activity.action_point_id == ActionPoint.id)
        .where(
            ActionPoint.plan_id == plan.id,
            Activity.budget_minor.is_not(None),
            Activity.retired_at.is_(None),
        )
    ):
        activity_budgets[ap_id].append((amount, currency))

    cells = sum_entries(
        Pledge.goal_id, Pledge.action_point_id, reporting=reporting, plan_id=plan.id, date_to=as_of
    )
    by_goal = rollup(cells, lambda key: key[0])
    by_ap = rollup(cells, lambda key: key[1])
    rates = latest_rates(reporting, as_of)

    def budget_in_reporting(amount: int, currency: str) -> int | None:
        return budget_in(amount, currency, reporting, rates)

    plan_need = Need(
        label=gettext("%(code)s — the whole plan", code=plan.code), committed=total_of(cells)
    )
    goal_needs = {
        g.id: Need(
            label=gettext(
                "Goal %(number)s: %(title)s", number=g.number, title=localized(g, "title")
            ),
            committed=by_goal.get(g.id, Totals()),
            record_id=g.id,
        )
        for g in goals
    }
    ap_needs: dict[int, list[Need]] = {g.id: [] for g in goals}
    for ap_id, goal_id, code, title, budget, currency, retired_at in aps:
        need = Need(label=f"{code}: {title}", committed=by_ap.get(ap_id, Totals()), record_id=ap_id)
        budgets = [(budget, currency)] if budget is not None else activity_budgets.get(ap_id, [])
        if retired_at is not None:
            # A retired action point needs nothing more; what was pledged to it still counts.
            budgets = []
        for amount, cur in budgets:
            need.has_need = True
            converted = budget_in_reporting(amount, cur)
            if converted is None:
                need.need_missing += 1
            else:
                need.need += converted
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


def parse_sort(name: str, text: str) -> str:
    """A matrix order as the query string gives it: "total", "name" or "goal:<goal id>";
    QueryArgError otherwise (see tracker.query_args.arg)."""
    if text in ("total", "name"):
        return text
    kind, _, goal_id = text.partition(":")
    try:
        if kind != "goal":
            raise QueryArgError(name, "")
        return f"goal:{whole_number(name, goal_id)}"
    except QueryArgError:
        raise QueryArgError(
            name, gettext("%(name)s must be total, name or goal:<goal id>.", name=name)
        ) from None


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
    "name", or "goal:<id>" (largest first in that column; see parse_sort). Four queries, the
    amounts summed by the database.
    """
    reporting = reporting or reporting_currency()
    cells = sum_entries(
        Pledge.actor_id,
        Pledge.goal_id,
        reporting=reporting,
        plan_id=plan.id,
        date_from=date_from,
        date_to=date_to,
    )
    goals = list(
        db.session.scalars(
            select(PriorityGoal)
            .where(PriorityGoal.plan_id == plan.id)
            .order_by(PriorityGoal.number)
        )
    )
    columns = [(g.id, gettext("Goal %(number)s", number=g.number)) for g in goals] + [
        (None, gettext("Whole plan"))
    ]
    by_actor = rollup(cells, lambda key: key[0])
    by_goal = rollup(cells, lambda key: key[1])
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
        goal_id = int(parse_sort("sort", sort).partition(":")[2])
        matrix_rows.sort(key=lambda r: (-r.cells.get(goal_id, Totals()).get(measure), r.actor.name))
    else:
        matrix_rows.sort(key=lambda r: (-r.total.get(measure), r.actor.name))
    return Matrix(
        columns=columns,
        rows=matrix_rows,
        column_totals={goal_id: by_goal.get(goal_id, Totals()) for goal_id, _ in columns},
        grand=total_of(cells),
        reporting=reporting,
    )
