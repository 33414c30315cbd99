"""Pledges and their ledger: the rules, in one place, and the writes (flush, never commit)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from tracker.actors.models import Actor
from tracker.audit.services import (
    By,
    add_and_record,
    apply_changes,
    changed_values,
    record_change,
    record_event,
    record_events,
)
from tracker.db import MAX_ID, check_version, db, guarded_write, insert_many, utcnow
from tracker.i18n import localized
from tracker.money import (
    MoneyError,
    bound_text,
    check_amount,
    check_currency,
    format_minor,
    max_minor,
    rate_text,
    typed_amount,
)
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal
from tracker.pledges import conversion
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry, TargetKind  # noqa: F401

MAX_REASON = 500
# The window of a pledge's date, a ledger entry's value date and a rate's date. No ledger is
# older than the Budapest Process (1991); an entry may look ahead to a tranche scheduled for a
# later year of a plan (plans run five years), not further than the end of the tenth year on.
EARLIEST_DATE = date(1990, 1, 1)
YEARS_AHEAD = 10


class PledgeError(Exception):
    """A broken pledge rule; `field` names the form or JSON field it belongs to."""

    status = 422

    def __init__(self, message: str, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.field = field
        self.index = index  # the line of a LedgerBatch that broke the rule


class PledgeConflict(PledgeError):
    """Another writer changed the pledge between our read and our write."""

    status = 409


@dataclass(frozen=True)
class Target:
    """What a pledge funds, with its ancestors: the whole plan, a goal, an action point or an
    activity."""

    kind: TargetKind
    plan: Plan
    goal: PriorityGoal | None = None
    action_point: ActionPoint | None = None
    activity: Activity | None = None

    @property
    def key(self) -> str:
        record = self.activity or self.action_point or self.goal or self.plan
        return f"{self.kind.value}:{record.id}"


def target_of(pledge: Pledge) -> Target:
    return Target(
        pledge.target_kind, pledge.plan, pledge.goal, pledge.action_point, pledge.activity
    )


# Whole sentences, one per kind of target ("There is no action point 12.").
NO_TARGET = {
    TargetKind.PLAN: _l("There is no plan %(id)s."),
    TargetKind.GOAL: _l("There is no goal %(id)s."),
    TargetKind.ACTION_POINT: _l("There is no action point %(id)s."),
    TargetKind.ACTIVITY: _l("There is no activity %(id)s."),
}


def resolve_target(kind: str, target_id: object) -> Target:
    """The target `kind` ("plan", "goal", "action_point", "activity") with this id."""
    try:
        target_kind = TargetKind(kind)
    except ValueError:
        raise PledgeError(
            _("Choose what the pledge funds: plan, goal, action_point or activity."), "target"
        ) from None
    if isinstance(target_id, bool) or not isinstance(target_id, int | str):
        raise PledgeError(_("The target id must be a whole number."), "target")
    text = str(target_id)
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
        raise PledgeError(_("The target id must be a whole number."), "target")
    model = {
        TargetKind.PLAN: Plan,
        TargetKind.GOAL: PriorityGoal,
        TargetKind.ACTION_POINT: ActionPoint,
        TargetKind.ACTIVITY: Activity,
    }[target_kind]
    record = db.session.get(model, int(text))
    if record is None:
        raise PledgeError(NO_TARGET[target_kind] % {"id": text}, "target")
    if isinstance(record, Plan):
        return Target(target_kind, record)
    if isinstance(record, PriorityGoal):
        return Target(target_kind, record.plan, record)
    if isinstance(record, ActionPoint):
        return Target(target_kind, record.plan, record.goal, record)
    ap = record.action_point
    return Target(target_kind, ap.plan, ap.goal, ap, record)


def parse_target_key(key: str | None) -> Target:
    """A target from its form value, "action_point:12"."""
    kind, _, target_id = (key or "").partition(":")
    return resolve_target(kind, target_id)


def target_choices(plan: Plan | None = None) -> dict[str, list[tuple[str, str]]]:
    """Every target a new pledge may have, as (key, label) grouped for a select's optgroups:
    each plan (the whole plan), then each of its goals with the goal itself, its action points
    and their activities; in three queries. Retired goals, action points and activities take no
    new pledges."""
    plans = (
        [plan]
        if plan is not None
        else list(db.session.scalars(select(Plan).order_by(Plan.is_demo, Plan.starts_on, Plan.id)))
    )
    goals = db.session.scalars(
        select(PriorityGoal)
        .where(PriorityGoal.plan_id.in_([p.id for p in plans]))
        .options(selectinload(PriorityGoal.action_points).selectinload(ActionPoint.activities))
        .order_by(PriorityGoal.plan_id, PriorityGoal.number)
    )
    by_plan: dict[int, list[PriorityGoal]] = {}
    for goal in goals:
        by_plan.setdefault(goal.plan_id, []).append(goal)
    groups: dict[str, list[tuple[str, str]]] = {}
    for p in plans:
        plan_title = localized(p, "title")
        groups[f"{p.code}: {plan_title}"] = [
            (f"plan:{p.id}", _("%(code)s — the whole plan", code=p.code))
        ]
        for goal in by_plan.get(p.id, []):
            if goal.retired_at:
                continue
            group = _(
                "%(plan)s · Goal %(number)s: %(title)s",
                plan=p.code,
                number=goal.number,
                title=localized(goal, "title"),
            )
            options = groups.setdefault(group, [])
            options.append(
                (
                    f"goal:{goal.id}",
                    _("Goal %(number)s as a whole (%(plan)s)", number=goal.number, plan=p.code),
                )
            )
            for ap in (ap for ap in goal.action_points if not ap.retired_at):
                label = _(
                    "Action point %(code)s: %(title)s (%(plan)s)",
                    code=ap.code,
                    title=ap.title,
                    plan=p.code,
                )
                options.append((f"action_point:{ap.id}", label))
                for activity in (a for a in ap.activities if not a.retired_at):
                    label = _(
                        "Activity of %(code)s: %(title)s (%(plan)s)",
                        code=ap.code,
                        title=activity.title,
                        plan=p.code,
                    )
                    options.append((f"activity:{activity.id}", label))
    return groups


def latest_date() -> date:
    return date(date.today().year + YEARS_AHEAD, 12, 31)


def check_date(day: date, field: str) -> date:
    """`day` itself when it is inside the window (EARLIEST_DATE to latest_date()); a PledgeError
    at `field` saying the window otherwise."""
    if not EARLIEST_DATE <= day <= latest_date():
        raise PledgeError(
            _(
                "Give a date from %(first)s to %(last)s: nothing in the ledger is older than the "
                "Budapest Process, and nothing looks more than %(years)d years ahead.",
                first=EARLIEST_DATE.isoformat(),
                last=latest_date().isoformat(),
                years=YEARS_AHEAD,
            ),
            field,
        )
    return day


def _check_amount(amount_minor: int, currency: str) -> int:
    try:
        return check_amount(amount_minor, currency)
    except MoneyError as error:
        raise PledgeError(str(error), "amount") from None


def _clean_text(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise PledgeError(_("This field is required."), field)
    if len(text) > limit:
        raise PledgeError(
            ngettext("At most %(num)d character.", "At most %(num)d characters.", limit), field
        )
    return text or None


@dataclass(frozen=True)
class PledgeTerms:
    """A new pledge as given, before create_pledge checks it: who pledges how much in which
    currency, on which day, to fund what, and why."""

    actor: Actor
    target: Target
    currency: str
    amount_minor: int
    pledged_on: date
    purpose: str
    reference: str | None = None


def create_pledge(terms: PledgeTerms, *, by: By) -> Pledge:
    """A new pledge with its first ledger entry (pledged, the terms' amount, on their date)."""
    values = _check_new_pledge(terms)
    pledge = Pledge(**values, pledged_minor=0, committed_minor=0, disbursed_minor=0)
    summary, changes = _pledge_created(terms, values)
    # A savepoint: should the first entry be refused (its conversion), no pledge is left behind.
    with db.session.begin_nested():
        add_and_record(pledge, by=by, summary=summary, changes=changes)
        record_entry(
            pledge,
            kind=EntryKind.PLEDGED,
            amount_minor=terms.amount_minor,
            value_date=terms.pledged_on,
            by=by,
            lock=False,  # a row nobody else can see yet
        )
    return pledge


def _check_new_pledge(terms: PledgeTerms) -> dict:
    """The rules of a new pledge; its columns (but the totals) when they hold."""
    target = terms.target
    retired = next(
        (r for r in (target.goal, target.action_point, target.activity) if r and r.retired_at),
        None,
    )
    if retired is not None:
        raise PledgeError(_("That target is retired and takes no new pledges."), "target")
    try:
        currency = check_currency(terms.currency)
    except MoneyError as error:
        raise PledgeError(str(error), "currency") from None
    if terms.amount_minor <= 0:
        raise PledgeError(_("A pledge must be for an amount greater than zero."), "amount")
    _check_amount(terms.amount_minor, currency)
    check_date(terms.pledged_on, "pledged_on")
    return {
        "actor_id": terms.actor.id,
        "plan_id": target.plan.id,
        "goal_id": target.goal.id if target.goal else None,
        "action_point_id": target.action_point.id if target.action_point else None,
        "activity_id": target.activity.id if target.activity else None,
        "target_kind": target.kind,
        "currency": currency,
        "pledged_on": terms.pledged_on,
        "purpose": _clean_text(terms.purpose, "purpose", 500, required=True),
        "reference": _clean_text(terms.reference, "reference", 100),
    }


def _pledge_created(terms: PledgeTerms, values: dict):
    """The audit summary and changes of a new pledge (`values`: its checked columns)."""
    currency = values["currency"]
    return (
        f"{terms.actor.name} pledged {format_minor(terms.amount_minor, currency)} {currency}",
        {
            "actor": [None, terms.actor.code],
            "target": [None, terms.target.key],
            "currency": [None, currency],
            "purpose": [None, values["purpose"]],
        },
    )


# Whole sentences, one per total: the kind's word agrees with the sentence around it.
_BELOW_ZERO = {
    EntryKind.PLEDGED: _l("This would bring the pledged total below zero (to %(amount)s)."),
    EntryKind.COMMITTED: _l("This would bring the committed total below zero (to %(amount)s)."),
    EntryKind.DISBURSED: _l("This would bring the disbursed total below zero (to %(amount)s)."),
}

# A total above the one it may not pass (committed above pledged, disbursed above committed):
# the sentence names both totals and how much is left (the placeholders: total, the ceiling's
# kind, left).
_ABOVE_CEILING = (
    (
        EntryKind.COMMITTED,
        EntryKind.PLEDGED,
        _l(
            "The committed total would be %(total)s, more than the pledged total "
            "%(pledged)s. Record a pledged entry first, or commit at most %(left)s."
        ),
    ),
    (
        EntryKind.DISBURSED,
        EntryKind.COMMITTED,
        _l(
            "The disbursed total would be %(total)s, more than the committed total "
            "%(committed)s. At most %(left)s can still be disbursed."
        ),
    ),
)


def check_totals(pledge: Pledge, totals: dict[EntryKind, int]) -> None:
    """The ledger rules: 0 ≤ disbursed ≤ committed ≤ pledged ≤ the most an amount may be (so
    every total fits its BIGINT). The message names the numbers."""

    def show(amount: int) -> str:
        # As the person would type it back into the form ("1250000.00 EUR", "1250000,00 EUR").
        return f"{typed_amount(amount, pledge.currency)} {pledge.currency}"

    pledged = totals[EntryKind.PLEDGED]
    if pledged > max_minor(pledge.currency):
        raise PledgeError(
            _(
                "The pledged total would be %(total)s, more than a pledge may hold: at most "
                "%(bound)s (a trillion). At most %(left)s can still be pledged.",
                total=show(pledged),
                bound=bound_text(pledge.currency),
                left=show(max_minor(pledge.currency) - pledge.pledged_minor),
            ),
            "amount",
        )
    for kind, total in totals.items():
        if total < 0:
            raise PledgeError(_BELOW_ZERO[kind] % {"amount": show(total)}, "amount")
    for kind, ceiling, message in _ABOVE_CEILING:
        if totals[kind] <= totals[ceiling]:
            continue
        if kind == EntryKind.DISBURSED and totals[ceiling] == 0:
            raise PledgeError(_("Record a commitment first: nothing is committed yet."), "amount")
        amounts = {
            "total": show(totals[kind]),
            ceiling.value: show(totals[ceiling]),
            "left": show(totals[ceiling] - pledge.total(kind)),
        }
        raise PledgeError(message % amounts, "amount")


def record_entry(
    pledge: Pledge,
    *,
    kind: EntryKind | str,
    amount_minor: int,
    value_date: date,
    reason: str | None = None,
    by: By,
    lock: bool = True,
) -> PledgeEntry:
    """Append one ledger entry and update the pledge's totals, under the ledger rules.

    The pledge row is locked first (SELECT … FOR UPDATE on PostgreSQL; on SQLite the write
    transaction already holds the database, BEGIN IMMEDIATE) and its totals re-read, so two
    simultaneous entries are checked one after the other; the version column and the CHECK
    constraints on the table are the last line should anything else write the row.
    """
    kind, reason_text = _check_entry(pledge.currency, kind, amount_minor, value_date, reason)
    if lock:
        db.session.refresh(pledge, with_for_update=True)
    totals = {k: pledge.total(k) for k in EntryKind}
    before = totals[kind]
    totals[kind] += amount_minor
    check_totals(pledge, totals)
    user = None if isinstance(by, str) else by
    reporting = conversion.reporting_currency()
    converted = conversion.conversion_for(amount_minor, pledge.currency, value_date, reporting)
    try:
        columns = converted.columns(reporting)
    except conversion.ConversionTooLarge as error:
        raise PledgeError(str(error), "amount") from None
    entry = PledgeEntry(
        pledge_id=pledge.id,
        kind=kind,
        amount_minor=amount_minor,
        value_date=value_date,
        reason=reason_text,
        created_by=user,
        agent=by if isinstance(by, str) else None,
        **columns,
    )
    try:
        # Changed inside the savepoint only: opening it flushes what is pending, and a refused
        # write must leave the session usable for the page that reports it.
        with db.session.begin_nested():
            pledge.pledged_minor = totals[EntryKind.PLEDGED]
            pledge.committed_minor = totals[EntryKind.COMMITTED]
            pledge.disbursed_minor = totals[EntryKind.DISBURSED]
            db.session.add(entry)
            db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise PledgeConflict(
            _(
                "Someone recorded an entry on this pledge at the same moment; nothing was saved. "
                "Reload the pledge and try again."
            ),
            "amount",
        ) from error
    summary, changes = _entry_recorded(
        pledge.currency, kind, amount_minor, value_date, reason_text, before, totals[kind]
    )
    record_event(by=by, action="ledger", entity=pledge, summary=summary, changes=changes)
    return entry


def _check_entry(
    currency: str, kind: EntryKind | str, amount_minor: int, value_date: date, reason: str | None
) -> tuple[EntryKind, str | None]:
    """The rules of one ledger entry on its own (the totals apart): its kind and reason."""
    try:
        kind = EntryKind(kind)
    except ValueError:
        raise PledgeError(_("The kind is pledged, committed or disbursed."), "kind") from None
    if amount_minor == 0:
        raise PledgeError(_("An amount of zero changes nothing: give a non-zero amount."), "amount")
    reason_text = _clean_text(reason, "reason", MAX_REASON)
    if amount_minor < 0 and not reason_text:
        raise PledgeError(_("A reduction or cancellation needs a reason."), "reason")
    _check_amount(amount_minor, currency)
    check_date(value_date, "value_date")
    return kind, reason_text


def _entry_recorded(
    currency: str,
    kind: EntryKind,
    amount_minor: int,
    value_date: date,
    reason: str | None,
    before: int,
    after: int,
):
    """The audit summary and changes of a ledger entry: the kind's total before and after."""
    amount_text = format_minor(amount_minor, currency)
    return (
        f"Recorded {kind.value} {amount_text} {currency} on {value_date}"
        + (f": {reason}" if reason else ""),
        {f"{kind.value}_total": [format_minor(before, currency), format_minor(after, currency)]},
    )


@dataclass(eq=False)
class _Running:
    """A pledge's totals as a batch runs on; check_totals reads them as it reads a Pledge's."""

    currency: str
    pledged_minor: int = 0
    committed_minor: int = 0
    disbursed_minor: int = 0

    def total(self, kind: EntryKind) -> int:
        return getattr(self, f"{EntryKind(kind).value}_minor")


@dataclass(eq=False)
class NewPledge:
    """A pledge a LedgerBatch creates: its columns, until `write` gives it an id."""

    values: dict
    actor: Actor
    target: Target
    amount_minor: int
    id: int | None = None

    @property
    def currency(self) -> str:
        return self.values["currency"]


@dataclass(eq=False)
class _Line:
    """An entry of a batch, with what is worked out before the write: its conversion and its
    audit events (action, summary, changes)."""

    pledge: "Pledge | NewPledge"
    index: int
    kind: EntryKind
    amount_minor: int
    value_date: date
    reason: str | None
    converted: dict
    events: list[tuple[str, str, dict]]


class LedgerBatch:
    """Many new pledges and ledger entries at once (an import), under the rules of create_pledge
    and record_entry: each is checked as it is added, the totals running on from one to the
    next, and `write` stores them all in a few statements, so that thousands of rows hold the
    database's write lock for a moment. A refused line raises PledgeError (with its `index`)
    and leaves the batch as it was, so that the caller may go on and list every error.

    Check in one transaction (outside the write lock: see tracker.db.reading) and write in the
    next: `write` refuses the whole batch if a pledge it adds to was changed in between."""

    def __init__(self, reporting: str | None = None):
        self.reporting = reporting or conversion.reporting_currency()
        self.rates = conversion.RateTable(self.reporting)
        self.new: list[NewPledge] = []
        self.lines: list[_Line] = []
        self.running: dict[Pledge | NewPledge, _Running] = {}
        self.versions: dict[Pledge, int] = {}  # of the pledges added to, as they were checked

    def __len__(self) -> int:
        return len(self.lines)

    def create_pledge(self, terms: PledgeTerms, *, index: int) -> NewPledge:
        """A new pledge with its first entry, as create_pledge checks it."""
        values = _check_new_pledge(terms)
        pledge = NewPledge(values, terms.actor, terms.target, terms.amount_minor)
        self.record_entry(
            pledge,
            kind=EntryKind.PLEDGED,
            amount_minor=terms.amount_minor,
            value_date=terms.pledged_on,
            index=index,
        )
        self.new.append(pledge)
        summary, changes = _pledge_created(terms, values)
        self.lines[-1].events.insert(0, ("create", summary, changes))
        return pledge

    def record_entry(
        self,
        pledge: "Pledge | NewPledge",
        *,
        kind: EntryKind | str,
        amount_minor: int,
        value_date: date,
        reason: str | None = None,
        index: int,
    ) -> None:
        """One more entry, as record_entry checks it, on the totals the batch has reached."""
        try:
            kind, reason_text = _check_entry(
                pledge.currency, kind, amount_minor, value_date, reason
            )
            running = self.running.get(pledge) or _Running(
                pledge.currency,
                *(
                    (0, 0, 0)
                    if isinstance(pledge, NewPledge)
                    else (pledge.pledged_minor, pledge.committed_minor, pledge.disbursed_minor)
                ),
            )
            totals = {k: running.total(k) for k in EntryKind}
            before = totals[kind]
            totals[kind] += amount_minor
            check_totals(running, totals)
            converted = self._convert(pledge.currency, amount_minor, value_date, self.rates)
        except PledgeError as error:
            error.index = index
            raise
        self.running[pledge] = _Running(pledge.currency, *totals.values())
        if isinstance(pledge, Pledge):
            self.versions.setdefault(pledge, pledge.version)
        event = _entry_recorded(
            pledge.currency, kind, amount_minor, value_date, reason_text, before, totals[kind]
        )
        self.lines.append(
            _Line(
                pledge,
                index,
                kind,
                amount_minor,
                value_date,
                reason_text,
                converted,
                [("ledger", *event)],
            )
        )

    def _convert(self, currency: str, amount_minor: int, on: date, rates) -> dict:
        try:
            return rates.convert(amount_minor, currency, on).columns(self.reporting)
        except conversion.ConversionTooLarge as error:
            raise PledgeError(str(error), "amount") from None

    def write(self, *, by: By) -> None:
        """Store the batch: the new pledges, the entries, the totals of the pledges added to
        (each only if nobody changed it since it was read) and every audit event. Flush only."""
        if not self.lines:
            return
        # Under the lock a rate's writer waits for, a rate changed since the check converts
        # every entry again.
        conversion._lock_conversions(shared=True)
        rates = conversion.RateTable(self.reporting)
        if rates != self.rates:
            for line in self.lines:
                try:
                    line.converted = self._convert(
                        line.pledge.currency, line.amount_minor, line.value_date, rates
                    )
                except PledgeError as error:
                    error.index = line.index
                    raise
        user = None if isinstance(by, str) else by
        now = utcnow()
        if self.new:
            ids = insert_many(
                Pledge,
                [{**p.values, **_columns(self.running[p]), "created_at": now} for p in self.new],
            )
            for pledge, id_ in zip(self.new, ids, strict=True):
                pledge.id = id_
        self._update_totals()
        db.session.execute(
            PledgeEntry.__table__.insert(),
            [
                {
                    "pledge_id": line.pledge.id,
                    "kind": line.kind,
                    "amount_minor": line.amount_minor,
                    "value_date": line.value_date,
                    "reason": line.reason,
                    "created_at": now,
                    "created_by_id": user.id if user else None,
                    "agent": by if isinstance(by, str) else None,
                    **line.converted,
                }
                for line in self.lines
            ],
        )
        record_events(
            by=by,
            entity_type=Pledge.__tablename__,
            items=[
                (action, line.pledge.id, summary, changes)
                for line in self.lines
                for action, summary, changes in line.events
            ],
        )

    def _update_totals(self) -> None:
        existing = list(self.versions)
        if not existing:
            return
        table = Pledge.__table__
        statement = (
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(
                version=table.c.version + 1,
                pledged_minor=bindparam("pledged_minor"),
                committed_minor=bindparam("committed_minor"),
                disbursed_minor=bindparam("disbursed_minor"),
            )
        )
        rows = [
            {"b_id": p.id, "b_version": self.versions[p], **_columns(self.running[p])}
            for p in existing
        ]
        if db.session.execute(statement, rows).rowcount != len(rows):
            raise PledgeConflict(
                _(
                    "Someone recorded an entry on one of these pledges while the file was being "
                    "checked; nothing was saved. Import the file again."
                ),
                "pledge_id",
            )
        for pledge in existing:  # the loaded pledges show what is saved now
            for name, value in _columns(self.running[pledge]).items():
                set_committed_value(pledge, name, value)
            set_committed_value(pledge, "version", self.versions[pledge] + 1)


def _columns(running: _Running) -> dict:
    return {
        "pledged_minor": running.pledged_minor,
        "committed_minor": running.committed_minor,
        "disbursed_minor": running.disbursed_minor,
    }


def update_pledge(
    pledge: Pledge, *, version: int | None, purpose: str, reference: str | None, by: By
) -> Pledge:
    """Change the words of a pledge (not its money: that is the ledger's); a stale version is a
    conflict (StaleVersionError)."""
    values = {
        "purpose": _clean_text(purpose, "purpose", 500, required=True),
        "reference": _clean_text(reference, "reference", 100),
    }
    check_version(pledge, version)
    # Pledges have no unique column a word edit could break: only the version can refuse it.
    never = PledgeConflict("The pledge could not be saved; reload it and try again.", "purpose")
    with guarded_write(duplicate=never, record=pledge, version=version):
        changes = apply_changes(pledge, values)
    if changes:
        record_event(
            by=by, action="update", entity=pledge, summary="Edited pledge", changes=changes
        )
    return pledge


# What a page shows of every pledge it names: who pledged, and what the pledge funds.
_ACTOR_AND_TARGET = (
    joinedload(Pledge.actor),
    joinedload(Pledge.plan),
    joinedload(Pledge.goal),
    joinedload(Pledge.action_point),
    joinedload(Pledge.activity),
)


# The ids a list or a sum of pledges may be narrowed by (the same for pages, API and totals),
# and the column each names.
PLEDGE_FILTERS = {
    "actor_id": Pledge.actor_id,
    "plan_id": Pledge.plan_id,
    "goal_id": Pledge.goal_id,
    "action_point_id": Pledge.action_point_id,
    "pledge_id": Pledge.id,
}


def where_pledges(query: Select, **ids: int | None) -> Select:
    """`query` (with Pledge among its tables) narrowed to the pledges of each id given, as
    PLEDGE_FILTERS names them; an id left out or None narrows nothing."""
    for name, value in ids.items():
        if value is not None:
            query = query.where(PLEDGE_FILTERS[name] == value)
    return query


def pledges_query(**ids: int | None) -> Select:
    """Pledges with what a list shows, narrowed as where_pledges does, newest first (a stable
    order, for paging)."""
    query = where_pledges(select(Pledge).options(*_ACTOR_AND_TARGET), **ids)
    return query.order_by(Pledge.pledged_on.desc(), Pledge.id.desc())


def list_pledges(**filters) -> list[Pledge]:
    return list(db.session.scalars(pledges_query(**filters)))


def get_pledge(pledge_id: int) -> Pledge | None:
    """A pledge with its target, actor and ledger (with who recorded each entry)."""
    return db.session.scalar(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .options(
            *_ACTOR_AND_TARGET, selectinload(Pledge.entries).joinedload(PledgeEntry.created_by)
        )
    )


# Exchange rates -----------------------------------------------------------------------------------


def set_rate(
    *,
    currency: str,
    reporting_currency: str,
    rate: Decimal,
    valid_on: date,
    source: str | None = None,
    by: By,
    reconvert: bool = True,
) -> ExchangeRate:
    """Record the rate of `currency` on `valid_on`; a rate already there for that day is replaced
    (and the audit trail keeps the old one). The ledger entries the rate governs are converted
    again, unless `reconvert` is False: then the caller reconverts (a bulk import does it once)."""
    currency, reporting_currency = _check_rate(currency, reporting_currency, rate, valid_on)
    try:
        # A savepoint: a rate refused for what it does to the ledger leaves nothing behind.
        with db.session.begin_nested():
            return _write_rate(currency, reporting_currency, rate, valid_on, source, by, reconvert)
    except conversion.ConversionTooLarge as error:
        raise PledgeError(str(error), "rate") from None


def _check_rate(
    currency: str, reporting_currency: str, rate: Decimal, valid_on: date
) -> tuple[str, str]:
    """The rules of a rate; its two currencies' codes."""
    try:
        currency = check_currency(currency)
    except MoneyError as error:
        raise PledgeError(str(error), "currency") from None
    reporting_currency = check_currency(reporting_currency)
    if currency == reporting_currency:
        raise PledgeError(
            _("%(currency)s is the reporting currency: it needs no rate.", currency=currency),
            "currency",
        )
    if rate <= 0:
        raise PledgeError(_("A rate must be greater than zero."), "rate")
    check_date(valid_on, "valid_on")
    return currency, reporting_currency


def _rate_set(currency: str, reporting: str, valid_on: date, text: str | None = None) -> str:
    """The audit summary of a new rate (with its value) or a replaced one."""
    summary = f"Rate {currency}/{reporting} on {valid_on}"
    return f"{summary}: {text}" if text is not None else summary


@dataclass
class RateLine:
    """A rate to record (see set_rates), checked as set_rate checks one."""

    currency: str
    rate: str
    valid_on: date
    source: str | None
    index: int


def check_rate_line(
    *,
    currency: str,
    reporting_currency: str,
    rate: Decimal,
    valid_on: date,
    source: str | None,
    index: int,
) -> RateLine:
    """One rate of a batch, by the rules of set_rate; a PledgeError with its `index` if not."""
    try:
        currency, _ = _check_rate(currency, reporting_currency, rate, valid_on)
        source_text = _clean_text(source, "source", 200)
    except PledgeError as error:
        error.index = index
        raise
    return RateLine(currency, rate_text(rate), valid_on, source_text, index)


def set_rates(lines: Sequence[RateLine], *, reporting_currency: str, by: By) -> int:
    """Record many checked rates at once (an import), as set_rate would with reconvert=False
    (the caller converts the entries again, once per currency): new ones in one INSERT, the
    ones that replace a rate of that day in one UPDATE, and their audit events in one more.
    Returns how many were written. A rate changed by someone else meanwhile refuses all."""
    reporting_currency = check_currency(reporting_currency)
    # As set_rate: a second writer of the same currency and day waits, then finds our row.
    conversion.lock_rates()
    saved = {
        (r.currency, r.valid_on): r
        for r in db.session.scalars(
            select(ExchangeRate).where(
                ExchangeRate.reporting_currency == reporting_currency,
                ExchangeRate.currency.in_({line.currency for line in lines}),
            )
        )
    }
    new, changed, events = [], [], []
    for line in lines:
        existing = saved.get((line.currency, line.valid_on))
        if existing is None:
            new.append(line)
            continue
        changes = changed_values(existing, {"rate": line.rate, "source": line.source})
        if changes:
            changed.append((existing, line))
            summary = _rate_set(line.currency, reporting_currency, line.valid_on)
            events.append(("update", existing.id, summary, changes))
    duplicate = PledgeConflict(
        "Someone saved one of these rates at the same moment; nothing was saved. Try again.",
        "rate",
    )
    with guarded_write(duplicate=duplicate):
        ids = insert_many(
            ExchangeRate,
            [
                {
                    "currency": line.currency,
                    "reporting_currency": reporting_currency,
                    "rate": line.rate,
                    "valid_on": line.valid_on,
                    "source": line.source,
                }
                for line in new
            ],
        )
    for id_, line in zip(ids, new, strict=True):
        summary = _rate_set(line.currency, reporting_currency, line.valid_on, line.rate)
        events.append(("create", id_, summary, {"rate": [None, line.rate]}))
    if changed:
        table = ExchangeRate.__table__
        statement = (
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(version=table.c.version + 1, rate=bindparam("rate"), source=bindparam("source"))
        )
        rows = [
            {"b_id": r.id, "b_version": r.version, "rate": line.rate, "source": line.source}
            for r, line in changed
        ]
        if db.session.execute(statement, rows).rowcount != len(rows):
            raise PledgeConflict(
                _(
                    "Someone changed one of these rates while they were being saved; nothing was "
                    "saved. Try again."
                ),
                "rate",
            )
        for rate, line in changed:  # the loaded rates show what is saved now
            for name, value in (("rate", line.rate), ("source", line.source)):
                set_committed_value(rate, name, value)
            set_committed_value(rate, "version", rate.version + 1)
    record_events(by=by, entity_type=ExchangeRate.__tablename__, items=events)
    return len(new) + len(changed)


def _write_rate(
    currency: str,
    reporting_currency: str,
    rate: Decimal,
    valid_on: date,
    source: str | None,
    by: By,
    reconvert: bool,
) -> ExchangeRate:
    text = rate_text(rate)
    # Setting a rate replaces the one of that day: the second of two at once must find the
    # first's row and replace it, not insert beside it (PostgreSQL; SQLite writes one at a time).
    conversion.lock_rates()
    existing = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency == currency,
            ExchangeRate.reporting_currency == reporting_currency,
            ExchangeRate.valid_on == valid_on,
        )
    )
    if existing is not None:
        changes = apply_changes(
            existing, {"rate": text, "source": _clean_text(source, "source", 200)}
        )
        if changes:
            record_change(
                existing,
                "update",
                _rate_set(currency, reporting_currency, valid_on),
                by=by,
                changes=changes,
            )
        if "rate" in changes and reconvert:
            conversion.apply_rate(existing)
        return existing
    rate_row = ExchangeRate(
        currency=currency,
        reporting_currency=reporting_currency,
        rate=text,
        valid_on=valid_on,
        source=_clean_text(source, "source", 200),
    )
    duplicate = PledgeError(
        _(
            "A rate for %(currency)s on %(day)s was saved at the same moment; send it again to "
            "replace that one.",
            currency=currency,
            day=valid_on.isoformat(),
        ),
        "valid_on",
    )
    with guarded_write(duplicate=duplicate):
        add_and_record(
            rate_row,
            by=by,
            summary=_rate_set(currency, reporting_currency, valid_on, text),
            changes={"rate": [None, text]},
        )
    if reconvert:
        conversion.apply_rate(rate_row)
    return rate_row


def rates_query(reporting_currency: str, currency: str | None = None) -> Select:
    query = select(ExchangeRate).where(ExchangeRate.reporting_currency == reporting_currency)
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    return query.order_by(ExchangeRate.currency, ExchangeRate.valid_on.desc(), ExchangeRate.id)


def set_funding_need(
    action_point: ActionPoint, *, amount_minor: int | None, currency: str | None, by: By
) -> ActionPoint:
    """Set (or clear, with None) an action point's estimated budget."""
    if (amount_minor is None) != (currency is None):
        raise PledgeError(_("Give a budget with its currency, or neither."), "amount")
    if amount_minor is not None and amount_minor <= 0:
        raise PledgeError(_("A budget is greater than zero."), "amount")
    if amount_minor is not None:
        _check_amount(amount_minor, currency)
    before = (
        f"{format_minor(action_point.budget_minor, action_point.budget_currency)} "
        f"{action_point.budget_currency}"
        if action_point.budget_minor is not None
        else None
    )
    after = f"{format_minor(amount_minor, currency)} {currency}" if amount_minor else None
    if before == after:
        return action_point
    action_point.budget_minor = amount_minor
    action_point.budget_currency = currency
    record_change(
        action_point,
        "update",
        "Set the estimated budget" if after else "Cleared the estimated budget",
        by=by,
        changes={"budget": [before, after]},
    )
    return action_point
