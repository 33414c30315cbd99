"""Each ledger entry's amount in the reporting currency, stored on the entry and kept current.

An entry converts at the latest rate dated on or before its value date (a rate holds until the
next one), rounded once by tracker.money.convert_exact (half-even, exact integers). The result
lives on the entry (`reporting_currency`, `reporting_minor`, `rate`, `rate_on`) so that the
summary pages add it up in SQL instead of converting every entry on every request (DESIGN.md §3:
current state is kept, not recomputed).

Who keeps it current, always in the transaction of the write:
- `conversion_for` gives a new entry its conversion before it is inserted (services.record_entry);
- `apply_rate` rewrites exactly the entries a new or replaced rate governs: same currency, value
  dates from the rate's date up to (not including) the next rate's date (services.set_rate);
- `reconvert` redoes any set of entries from the rates table: after a bulk rate import, after
  demo data, and `tracker pledges reconvert` after REPORTING_CURRENCY changes.

An entry converted into another currency than the configured one is never shown as if it were in
the configured one: the totals leave it out and count it (tracker.pledges.totals), until
`tracker pledges reconvert` runs. These columns are derived data; the ledger's own columns stay
append-only (models._refuse_rewriting_the_ledger), so the writes here go through Core, never the
ORM unit of work.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext
from sqlalchemy import bindparam, func, select, text

from tracker.db import db
from tracker.money import (
    bound_text,
    convert_exact,
    format_grouped,
    max_minor,
    minor_digits,
    rate_fraction,
)
from tracker.pledges.models import ExchangeRate, Pledge, PledgeEntry

ENTRIES = PledgeEntry.__table__


def reporting_currency() -> str:
    return current_app.config["REPORTING_CURRENCY"]


class ConversionTooLarge(Exception):
    """A rate that would turn an entry into more than the most an amount may be (MAX_AMOUNT) in
    the reporting currency. A stored conversion is an amount like any other, and must fit its
    BIGINT: the entry (or the rate) is refused instead."""

    def __init__(self, conversion: "Conversion", reporting: str, entry_id: int | None = None):
        values = {
            "rate": conversion.rate,
            "day": conversion.rate_on,
            "entry": entry_id,
            "amount": format_grouped(conversion.amount_minor, reporting),
            "bound": bound_text(reporting),
        }
        # A whole sentence for each case: the subject changes the words around it in Russian.
        if entry_id is None:
            message = gettext(
                "At the rate of %(rate)s (from %(day)s), the amount would be %(amount)s: more "
                "than %(bound)s, the most an amount may be. Check the rate.",
                **values,
            )
        else:
            message = gettext(
                "At the rate of %(rate)s (from %(day)s), ledger entry %(entry)s would be "
                "%(amount)s: more than %(bound)s, the most an amount may be. Check the rate.",
                **values,
            )
        super().__init__(message)


@dataclass(frozen=True)
class Conversion:
    """An amount in the reporting currency, with the rate used (None, None, None: no rate)."""

    amount_minor: int | None
    rate: str | None
    rate_on: date | None

    @classmethod
    def at(cls, amount_minor: int, currency: str, rate: str, rate_on: date, reporting: str):
        """`amount_minor` of `currency` at `rate`: the one rounding rule, applied once."""
        numerator, exponent = rate_fraction(Decimal(rate))
        return cls(
            convert_exact(
                amount_minor, minor_digits(currency), numerator, exponent, minor_digits(reporting)
            ),
            rate,
            rate_on,
        )

    def columns(self, reporting: str, entry_id: int | None = None) -> dict:
        """The entry's columns for this conversion; ConversionTooLarge beyond the bound."""
        if self.amount_minor is not None and abs(self.amount_minor) > max_minor(reporting):
            raise ConversionTooLarge(self, reporting, entry_id)
        return {
            "reporting_currency": reporting,
            "reporting_minor": self.amount_minor,
            "rate": self.rate,
            "rate_on": self.rate_on,
        }


NO_RATE = Conversion(None, None, None)
SAME_CURRENCY_RATE = "1"


class RateTable:
    """Every rate into one reporting currency (optionally of one currency), in one query."""

    def __init__(self, reporting: str, currency: str | None = None):
        self.reporting = reporting
        query = select(ExchangeRate.currency, ExchangeRate.valid_on, ExchangeRate.rate).where(
            ExchangeRate.reporting_currency == reporting
        )
        if currency is not None:
            query = query.where(ExchangeRate.currency == currency)
        self._dates: dict[str, list[date]] = defaultdict(list)
        self._rates: dict[str, list[str]] = defaultdict(list)
        for code, valid_on, rate in db.session.execute(
            query.order_by(ExchangeRate.currency, ExchangeRate.valid_on)
        ):
            self._dates[code].append(valid_on)
            self._rates[code].append(rate)

    def __eq__(self, other: object) -> bool:
        """The same rates into the same currency (say, before and after another writer ran)."""
        if not isinstance(other, RateTable):
            return NotImplemented
        return (self.reporting, self._dates, self._rates) == (
            other.reporting,
            other._dates,
            other._rates,
        )

    __hash__ = None  # mutable contents: not a dict key

    def convert(self, amount_minor: int, currency: str, on: date) -> Conversion:
        if currency == self.reporting:
            return Conversion(amount_minor, SAME_CURRENCY_RATE, on)
        index = bisect_right(self._dates.get(currency, []), on) - 1
        if index < 0:
            return NO_RATE
        return Conversion.at(
            amount_minor,
            currency,
            self._rates[currency][index],
            self._dates[currency][index],
            self.reporting,
        )


def _lock_conversions(*, shared: bool) -> None:
    """On PostgreSQL, an entry being recorded (shared) and a rate being applied (exclusive) wait
    for each other until commit. Side by side, the new entry would read the rates before the new
    rate was committed, and the rate's UPDATE would not see the entry yet: it would keep "no
    rate" for good. SQLite runs one writing transaction at a time (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if shared:
        db.session.execute(text("SELECT pg_advisory_xact_lock_shared(hashtext('conversions'))"))
    else:
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('conversions'))"))


def lock_rates() -> None:
    """Hold the rates until commit (PostgreSQL): a rate being set waits for one being set or
    applied, so that two writers of one currency and day never both find no row and insert."""
    _lock_conversions(shared=False)


def conversion_for(amount_minor: int, currency: str, on: date, reporting: str) -> Conversion:
    """The conversion of one amount dated `on` (one query; two on PostgreSQL)."""
    if currency == reporting:
        return Conversion(amount_minor, SAME_CURRENCY_RATE, on)
    _lock_conversions(shared=True)
    found = db.session.execute(
        select(ExchangeRate.rate, ExchangeRate.valid_on)
        .where(
            ExchangeRate.currency == currency,
            ExchangeRate.reporting_currency == reporting,
            ExchangeRate.valid_on <= on,
        )
        .order_by(ExchangeRate.valid_on.desc())
        .limit(1)
    ).first()
    if found is None:
        return NO_RATE
    return Conversion.at(amount_minor, currency, found.rate, found.valid_on, reporting)


def latest_rates(reporting: str, on: date) -> dict[str, tuple[str, date]]:
    """{currency: (rate, valid_on)}: each currency's latest rate on or before `on` (one query)."""
    latest = (
        select(ExchangeRate.currency, func.max(ExchangeRate.valid_on).label("valid_on"))
        .where(ExchangeRate.reporting_currency == reporting, ExchangeRate.valid_on <= on)
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    rows = db.session.execute(
        select(ExchangeRate.currency, ExchangeRate.rate, ExchangeRate.valid_on)
        .join(
            latest,
            (ExchangeRate.currency == latest.c.currency)
            & (ExchangeRate.valid_on == latest.c.valid_on),
        )
        .where(ExchangeRate.reporting_currency == reporting)
    )
    return {currency: (rate, valid_on) for currency, rate, valid_on in rows}


def _write(changes: list[dict]) -> None:
    """Store conversions with one executemany UPDATE, and expire the copies the session holds."""
    if not changes:
        return
    db.session.execute(
        ENTRIES.update()
        .where(ENTRIES.c.id == bindparam("entry_id"))
        .values(
            reporting_currency=bindparam("reporting_currency"),
            reporting_minor=bindparam("reporting_minor"),
            rate=bindparam("rate"),
            rate_on=bindparam("rate_on"),
        ),
        changes,
    )
    changed = {c["entry_id"] for c in changes}
    for held in list(db.session.identity_map.values()):
        if isinstance(held, PledgeEntry) and held.id in changed:
            db.session.expire(held, ["reporting_currency", "reporting_minor", "rate", "rate_on"])


def apply_rate(rate: ExchangeRate) -> int:
    """Convert again the entries `rate` governs; returns how many. Rates into a currency other
    than the configured reporting currency convert nothing. ConversionTooLarge, before anything
    is written, when the rate would take one of them beyond the bound."""
    if rate.reporting_currency != reporting_currency():
        return 0
    _lock_conversions(shared=False)
    next_on = db.session.scalar(
        select(func.min(ExchangeRate.valid_on)).where(
            ExchangeRate.currency == rate.currency,
            ExchangeRate.reporting_currency == rate.reporting_currency,
            ExchangeRate.valid_on > rate.valid_on,
        )
    )
    query = (
        select(PledgeEntry.id, PledgeEntry.amount_minor)
        .join(Pledge, PledgeEntry.pledge_id == Pledge.id)
        .where(Pledge.currency == rate.currency, PledgeEntry.value_date >= rate.valid_on)
    )
    if next_on is not None:
        query = query.where(PledgeEntry.value_date < next_on)
    changes = [
        {
            "entry_id": entry_id,
            **Conversion.at(
                amount, rate.currency, rate.rate, rate.valid_on, rate.reporting_currency
            ).columns(rate.reporting_currency, entry_id),
        }
        for entry_id, amount in db.session.execute(query)
    ]
    _write(changes)
    return len(changes)


def reconvert(*, currency: str | None = None, since: date | None = None) -> int:
    """Convert entries again from the rates table into the configured reporting currency (all,
    or those of `currency` dated from `since`); only the entries whose conversion differs are
    written. Returns how many were. ConversionTooLarge, before anything is written, when a rate
    would take an entry beyond the bound."""
    reporting = reporting_currency()
    _lock_conversions(shared=False)
    rates = RateTable(reporting, currency)
    query = select(
        PledgeEntry.id,
        PledgeEntry.amount_minor,
        Pledge.currency,
        PledgeEntry.value_date,
        PledgeEntry.reporting_currency,
        PledgeEntry.reporting_minor,
        PledgeEntry.rate,
        PledgeEntry.rate_on,
    ).join(Pledge, PledgeEntry.pledge_id == Pledge.id)
    if currency is not None:
        query = query.where(Pledge.currency == currency)
    if since is not None:
        query = query.where(PledgeEntry.value_date >= since)
    changes = []
    for entry_id, amount, code, value_date, *stored in db.session.execute(query):
        columns = rates.convert(amount, code, value_date).columns(reporting, entry_id)
        if list(columns.values()) != stored:
            changes.append({"entry_id": entry_id, **columns})
    _write(changes)
    return len(changes)
