"""Ledger entries keep their amount in the reporting currency

Revision ID: e45e0ed690f3
Revises: 77ac043ff76e
Create Date: 2026-11-27 22:43:23.345008

The summary pages sum `reporting_minor` in SQL instead of converting every entry per request.
The existing entries are converted here, into the configured REPORTING_CURRENCY, at the latest
rate dated on or before each value date; after that the services keep the columns current.
"""

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from flask import current_app

# The rounding rule itself (half-even, exact integers): a pure function with no models, imported
# rather than copied so that the stored amounts are the ones the services would compute.
from tracker.money import convert

revision = 'e45e0ed690f3'
down_revision = '77ac043ff76e'
branch_labels = None
depends_on = None

entries = sa.table(
    'pledge_entries',
    sa.column('id', sa.Integer),
    sa.column('pledge_id', sa.Integer),
    sa.column('amount_minor', sa.BigInteger),
    sa.column('value_date', sa.Date),
    sa.column('reporting_currency', sa.String),
    sa.column('reporting_minor', sa.BigInteger),
    sa.column('rate', sa.String),
    sa.column('rate_on', sa.Date),
)
pledges = sa.table('pledges', sa.column('id', sa.Integer), sa.column('currency', sa.String))
rates = sa.table(
    'exchange_rates',
    sa.column('currency', sa.String),
    sa.column('reporting_currency', sa.String),
    sa.column('rate', sa.String),
    sa.column('valid_on', sa.Date),
)


def upgrade():
    with op.batch_alter_table('pledge_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporting_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('reporting_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('rate', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('rate_on', sa.Date(), nullable=True))
        # Wider, to cover the sums of the summary pages (an index-only read of the ledger).
        batch_op.drop_index('ix_pledge_entries_pledge_date')
        batch_op.create_index(
            'ix_pledge_entries_pledge_date',
            ['pledge_id', 'value_date', 'kind', 'reporting_currency', 'reporting_minor'],
            unique=False,
        )
    convert_existing_entries(current_app.config['REPORTING_CURRENCY'])


def convert_existing_entries(reporting):
    connection = op.get_bind()
    dates, texts = defaultdict(list), defaultdict(list)
    for currency, valid_on, rate in connection.execute(
        sa.select(rates.c.currency, rates.c.valid_on, rates.c.rate)
        .where(rates.c.reporting_currency == reporting)
        .order_by(rates.c.currency, rates.c.valid_on)
    ):
        dates[currency].append(valid_on)
        texts[currency].append(rate)
    changes = []
    for entry_id, amount, currency, value_date in connection.execute(
        sa.select(entries.c.id, entries.c.amount_minor, pledges.c.currency, entries.c.value_date)
        .join(pledges, entries.c.pledge_id == pledges.c.id)
    ):
        found = {'reporting_minor': None, 'rate': None, 'rate_on': None}
        if currency == reporting:
            found = {'reporting_minor': amount, 'rate': '1', 'rate_on': value_date}
        else:
            index = bisect_right(dates.get(currency, []), value_date) - 1
            if index >= 0:
                rate = texts[currency][index]
                found = {
                    'reporting_minor': convert(amount, currency, Decimal(rate), reporting),
                    'rate': rate,
                    'rate_on': dates[currency][index],
                }
        changes.append({'entry_id': entry_id, 'reporting_currency': reporting, **found})
    if changes:
        connection.execute(
            entries.update()
            .where(entries.c.id == sa.bindparam('entry_id'))
            .values(
                reporting_currency=sa.bindparam('reporting_currency'),
                reporting_minor=sa.bindparam('reporting_minor'),
                rate=sa.bindparam('rate'),
                rate_on=sa.bindparam('rate_on'),
            ),
            changes,
        )


def downgrade():
    with op.batch_alter_table('pledge_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_entries_pledge_date')
        batch_op.create_index(
            'ix_pledge_entries_pledge_date', ['pledge_id', 'value_date'], unique=False
        )
        batch_op.drop_column('rate_on')
        batch_op.drop_column('rate')
        batch_op.drop_column('reporting_minor')
        batch_op.drop_column('reporting_currency')
