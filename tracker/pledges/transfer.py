"""Pledges and rates in and out of CSV and XLSX.

Imports read the whole file, check every row, and apply them through the services; any error
(by row and column) means the caller rolls everything back. Exports write one row per ledger
entry with its IATI transaction type and, beside the converted amount, the rate used.

IATI TransactionType codes (https://iatistandard.org/en/iati-standard/203/codelists/transactiontype/),
from the pledging actor's side: a pledge is 12 "Outgoing Pledge", a commitment 2 "Outgoing
Commitment", a disbursement 3 "Disbursement".
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import tables
from tracker.actors.models import Actor
from tracker.audit.services import By
from tracker.cells import Column, Money, csv_bytes, csv_text, write_sheet
from tracker.db import MAX_ID, db
from tracker.money import MoneyError, check_currency, parse_amount, parse_rate, quoted
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal
from tracker.pledges import conversion, services, totals
from tracker.pledges.models import EntryKind, Pledge, TargetKind

IATI_TRANSACTION_TYPES = {
    EntryKind.PLEDGED: ("12", "Outgoing Pledge"),
    EntryKind.COMMITTED: ("2", "Outgoing Commitment"),
    EntryKind.DISBURSED: ("3", "Disbursement"),
}
EXPORT_COLUMNS = [
    "pledge_id",
    "actor",
    "actor_name",
    "plan",
    "target_kind",
    "target",
    "purpose",
    "reference",
    "currency",
    "kind",
    "iati_transaction_type",
    "iati_transaction_name",
    "amount",
    "value_date",
    "reason",
    "reporting_currency",
    "rate",
    "rate_date",
    "amount_reporting",
]
PLEDGE_COLUMNS = {"actor", "plan", "currency", "kind", "amount", "value_date"}
RATE_COLUMNS = {"currency", "rate", "valid_on"}
MAX_ROWS = 5_000  # a pledge or rate file; a longer one is refused, to be split up


# Whole sentences, one per kind of target ("P1 has no action point '9.9'.").
NO_TARGET = {
    TargetKind.GOAL: _l("%(plan)s has no goal %(target)s."),
    TargetKind.ACTION_POINT: _l("%(plan)s has no action point %(target)s."),
    TargetKind.ACTIVITY: _l("%(plan)s has no activity %(target)s."),
}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}" if self.row else self.message


@dataclass
class ImportResult:
    count: int = 0
    errors: list[RowError] = field(default_factory=list)


def _read(
    content: bytes, filename: str, columns: set[str], result: ImportResult
) -> list[tables.TableRow] | None:
    """The file's rows, or None with every problem of the file as a whole in `result`."""
    try:
        return tables.read_table(content, filename, required=sorted(columns), max_rows=MAX_ROWS)
    except tables.FileError as error:
        result.errors.extend(RowError(0, "file", message) for message in error.messages)
        return None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(gettext("Give a date as YYYY-MM-DD.")) from None


# Pledges ----------------------------------------------------------------------------------------


def _resolve_target(plan: Plan, kind: str, target: str) -> services.Target:
    kind = (kind or "plan").strip().lower()
    if kind == TargetKind.PLAN:
        return services.Target(TargetKind.PLAN, plan)
    if kind == TargetKind.GOAL:
        record = db.session.scalar(
            select(PriorityGoal).where(
                PriorityGoal.plan_id == plan.id,
                PriorityGoal.number == (int(target) if target.isdigit() else -1),
            )
        )
    elif kind == TargetKind.ACTION_POINT:
        record = db.session.scalar(
            select(ActionPoint).where(ActionPoint.plan_id == plan.id, ActionPoint.code == target)
        )
    elif kind == TargetKind.ACTIVITY:
        valid = target.isdigit() and 0 < int(target) <= MAX_ID
        record = db.session.get(Activity, int(target)) if valid else None
        if record is not None and record.action_point.plan_id != plan.id:
            record = None
    else:
        raise services.PledgeError(
            gettext("Use plan, goal, action_point or activity."), "target_kind"
        )
    if record is None:
        raise services.PledgeError(NO_TARGET[kind] % {"plan": plan.code, "target": quoted(target)})
    return services.resolve_target(kind, record.id)


@dataclass
class CheckedPledges:
    """A pledge file read and checked: every error in `result`, else the batch to write."""

    result: ImportResult
    batch: services.LedgerBatch | None = None


def check_pledges(
    content: bytes,
    filename: str,
    *,
    may_pledge_for: Callable[[int], bool] = lambda actor_id: True,
) -> CheckedPledges:
    """Read and check a whole pledge file: new pledges (rows sharing a `pledge_ref`) and
    entries on existing ones (`pledge_id`), by the rules of create_pledge and record_entry with
    the totals running on from row to row. Writes nothing (run it outside the write lock: see
    tracker.db.reading); the result lists every error, by row and column."""
    result = ImportResult()
    rows = _read(content, filename, PLEDGE_COLUMNS, result)
    if rows is None:
        return CheckedPledges(result)
    actors = {a.code: a for a in db.session.scalars(select(Actor))}
    plans = {p.code: p for p in db.session.scalars(select(Plan))}
    existing = _pledges_named(rows)
    targets: dict[tuple, services.Target] = {}
    batch = services.LedgerBatch()
    created: dict[str, services.NewPledge] = {}
    for number, row in ((r.number, r.values) for r in rows):
        errors = []

        def fail(column: str, message: str) -> None:
            errors.append(RowError(number, column, message))  # noqa: B023

        actor = actors.get(row.get("actor", "").upper())
        if actor is None:
            fail("actor", gettext("Unknown actor %(code)s.", code=quoted(row.get("actor", ""))))
        elif not may_pledge_for(actor.id):
            fail("actor", gettext("You may not pledge for %(code)s.", code=actor.code))
        plan = plans.get(row.get("plan", ""))
        if plan is None:
            fail("plan", gettext("Unknown plan %(code)s.", code=quoted(row.get("plan", ""))))
        try:
            currency = check_currency(row.get("currency", ""))
        except MoneyError as error:
            fail("currency", str(error))
            currency = None
        amount = None
        if currency:
            try:
                amount = parse_amount(row.get("amount", ""), currency)
            except MoneyError as error:
                fail("amount", str(error))
        try:
            value_date = _date(row.get("value_date", ""))
        except ValueError as error:
            fail("value_date", str(error))
        kind = row.get("kind", "").lower()
        if kind not in {k.value for k in EntryKind}:
            fail("kind", gettext("Use pledged, committed or disbursed."))
        if errors:
            result.errors.extend(errors)
            continue
        ref = row.get("pledge_ref", "") or f"row {number}"
        pledge_id = row.get("pledge_id", "")
        try:
            if pledge_id:
                pledge = existing.get(pledge_id)
                if pledge is None or pledge.actor_id != actor.id:
                    raise services.PledgeError(
                        gettext("No pledge %(id)s of %(actor)s.", id=pledge_id, actor=actor.code),
                        "pledge_id",
                    )
            else:
                pledge = created.get(ref)
            if pledge is not None:
                if pledge.currency != currency:
                    raise services.PledgeError(
                        gettext(
                            "The pledge is in %(currency)s, not %(other)s.",
                            currency=pledge.currency,
                            other=currency,
                        ),
                        "currency",
                    )
                batch.record_entry(
                    pledge,
                    kind=kind,
                    amount_minor=amount,
                    value_date=value_date,
                    reason=row.get("reason"),
                    index=number,
                )
            elif kind != EntryKind.PLEDGED:
                raise services.PledgeError(
                    gettext("A new pledge starts with a row of kind pledged."), "kind"
                )
            else:
                key = (plan.id, row.get("target_kind", ""), row.get("target", ""))
                if key not in targets:
                    targets[key] = _resolve_target(plan, *key[1:])
                terms = services.PledgeTerms(
                    actor=actor,
                    target=targets[key],
                    currency=currency,
                    amount_minor=amount,
                    pledged_on=value_date,
                    purpose=row.get("purpose", "") or "",
                    reference=row.get("reference") or None,
                )
                created[ref] = batch.create_pledge(terms, index=number)
        except services.PledgeError as error:
            result.errors.append(RowError(number, _column(error), str(error)))
            continue
        result.count += 1
    return CheckedPledges(result, batch)


def _column(error: services.PledgeError) -> str:
    # The file's one date column is the new pledge's date too.
    return "value_date" if error.field == "pledged_on" else error.field or "target"


def _pledges_named(rows: list[tables.TableRow]) -> dict[str, Pledge]:
    """{pledge_id as written: pledge} for the existing pledges the rows add entries to."""
    named = {r.values.get("pledge_id", "") for r in rows}
    ids = {int(text) for text in named if text.isdigit() and 0 < int(text) <= MAX_ID}
    if not ids:
        return {}
    found = {p.id: p for p in db.session.scalars(select(Pledge).where(Pledge.id.in_(ids)))}
    return {text: found[int(text)] for text in named if text.isdigit() and int(text) in found}


def apply_pledges(checked: CheckedPledges, *, by: By) -> ImportResult:
    """Write a checked pledge file (flush only), unless it had errors; a pledge changed since
    it was checked refuses all of it (an error in the result). The caller commits only when
    the result has no error."""
    result = checked.result
    if result.errors or checked.batch is None:
        return result
    try:
        with db.session.begin_nested():
            checked.batch.write(by=by)
    except services.PledgeError as error:
        result.errors.append(RowError(error.index or 0, _column(error), str(error)))
    return result


def import_pledges(
    content: bytes,
    filename: str,
    *,
    by: By,
    may_pledge_for: Callable[[int], bool] = lambda actor_id: True,
) -> ImportResult:
    """check_pledges and apply_pledges in one transaction (the pages and the command line run
    the check outside the write lock instead)."""
    return apply_pledges(check_pledges(content, filename, may_pledge_for=may_pledge_for), by=by)


@dataclass
class CheckedRates:
    """A rates file read and checked: every error in `result`, else the rates to record."""

    result: ImportResult
    reporting: str
    lines: list[services.RateLine] = field(default_factory=list)


def check_rates(content: bytes, filename: str, *, reporting: str | None = None) -> CheckedRates:
    """Read and check a rates file (columns currency, rate, valid_on; source optional) by the
    rules of set_rate; a currency and day twice in the file is an error. Writes nothing (run it
    outside the write lock: see tracker.db.reading)."""
    reporting = reporting or totals.reporting_currency()
    checked = CheckedRates(ImportResult(), reporting)
    result = checked.result
    rows = _read(content, filename, RATE_COLUMNS, result)
    if rows is None:
        return checked
    seen: dict[tuple[str, date], int] = {}
    for number, row in ((r.number, r.values) for r in rows):
        try:
            rate = parse_rate(row.get("rate", ""))
        except MoneyError as error:
            result.errors.append(RowError(number, "rate", str(error)))
            continue
        try:
            valid_on = _date(row.get("valid_on", ""))
        except ValueError as error:
            result.errors.append(RowError(number, "valid_on", str(error)))
            continue
        try:
            line = services.check_rate_line(
                currency=row.get("currency", ""),
                reporting_currency=reporting,
                rate=rate,
                valid_on=valid_on,
                source=row.get("source") or None,
                index=number,
            )
        except services.PledgeError as error:
            result.errors.append(RowError(number, error.field or "currency", str(error)))
            continue
        key = (line.currency, line.valid_on)
        if key in seen:
            message = gettext(
                "%(currency)s on %(day)s appears twice in the file (also row %(row)d).",
                currency=key[0],
                day=key[1].isoformat(),
                row=seen[key],
            )
            result.errors.append(RowError(number, "valid_on", message))
            continue
        seen[key] = number
        checked.lines.append(line)
        result.count += 1
    return checked


def apply_rates(checked: CheckedRates, *, by: By) -> ImportResult:
    """Record a checked rates file (flush only), unless it had errors, and convert the ledger
    entries again once per currency from its earliest imported date: rate by rate, each one
    would redo every later entry (rates × entries)."""
    result = checked.result
    if result.errors:
        return result
    try:
        with db.session.begin_nested():
            services.set_rates(checked.lines, reporting_currency=checked.reporting, by=by)
            if checked.reporting == totals.reporting_currency():
                earliest: dict[str, date] = {}
                for line in checked.lines:
                    since = earliest.get(line.currency, line.valid_on)
                    earliest[line.currency] = min(line.valid_on, since)
                for currency, since in earliest.items():
                    conversion.reconvert(currency=currency, since=since)
    except conversion.ConversionTooLarge as error:
        result.errors.append(RowError(0, "rate", str(error)))
    except services.PledgeError as error:
        result.errors.append(RowError(error.index or 0, error.field or "rate", str(error)))
    return result


def import_rates(content: bytes, filename: str, *, by: By, reporting: str | None = None):
    """check_rates and apply_rates in one transaction (the pages and the command line run the
    check outside the write lock instead)."""
    return apply_rates(check_rates(content, filename, reporting=reporting), by=by)


# Export -----------------------------------------------------------------------------------------


def export_values(plan: Plan, reporting: str | None = None) -> list[list]:
    """One row per ledger entry of the plan's pledges, in EXPORT_COLUMNS order, as typed values
    (`cells.Money`, dates, the rate as a Decimal) for `tracker.cells` to write (4 queries)."""
    reporting = reporting or totals.reporting_currency()
    rows = totals.entry_rows(reporting=reporting, plan_id=plan.id)
    pledges = {p.id: p for p in services.list_pledges(plan_id=plan.id)}
    out = []
    for row in rows:
        pledge = pledges[row.pledge_id]
        code, name = IATI_TRANSACTION_TYPES[row.kind]
        converted = row.converted
        out.append(
            [
                pledge.id,
                pledge.actor.code,
                pledge.actor.name,
                plan.code,
                pledge.target_kind.value,
                _target_code(pledge),
                pledge.purpose,
                pledge.reference or "",
                row.currency,
                row.kind.value,
                code,
                name,
                Money(row.amount_minor, row.currency),
                row.value_date,
                row.reason or "",
                reporting,
                converted.rate if converted.rate is not None else "no rate",
                converted.rate_on,
                Money(converted.amount_minor, reporting)
                if converted.amount_minor is not None
                else None,
            ]
        )
    return out


def export_rows(plan: Plan, reporting: str | None = None) -> list[list[str]]:
    """`export_values` as the CSV export writes them: plain text ("1250000.00", "2024-01-15")."""
    return [[csv_text(v) for v in row] for row in export_values(plan, reporting)]


def _target_code(pledge: Pledge) -> str:
    if pledge.target_kind == TargetKind.ACTIVITY:
        return str(pledge.activity_id)
    if pledge.target_kind == TargetKind.ACTION_POINT:
        return pledge.action_point.code
    if pledge.target_kind == TargetKind.GOAL:
        return str(pledge.goal.number)
    return ""


def export_pledges(plan: Plan, fmt: str) -> tuple[bytes, str]:
    """The plan's ledger as CSV or XLSX bytes, with the media type. In the workbook, amounts
    are numbers with their currency's money format and dates are date cells; the import reads
    them back as the same text (see `tracker.cells` for amounts too long for a number cell)."""
    rows = export_values(plan)
    if fmt == "csv":
        return csv_bytes(EXPORT_COLUMNS, rows), "text/csv"
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    write_sheet(workbook, "Ledger", [Column(c, c) for c in EXPORT_COLUMNS], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return (
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
