"""Add pledges, ledger entries, exchange rates and action point budgets

Revision ID: 8227e8c89e5f
Revises: 3eab9547042d
Create Date: 2026-11-27 21:45:11.883118

Money is BIGINT minor units; rates are exact decimal text (SQLite has no exact decimal).
"""

import sqlalchemy as sa
from alembic import op

revision = '8227e8c89e5f'
down_revision = '3eab9547042d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reporting_currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.String(length=32), nullable=False),
    sa.Column('valid_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('currency', 'reporting_currency', 'valid_on', name=op.f('uq_exchange_rates_currency_reporting_currency_valid_on'))
    )
    op.create_table('pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('action_point_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.Enum('plan', 'goal', 'action_point', 'activity', name='targetkind', native_enum=False, length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('pledged_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('pledged_minor', sa.BigInteger(), nullable=False),
    sa.Column('committed_minor', sa.BigInteger(), nullable=False),
    sa.Column('disbursed_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(target_kind = 'plan' AND goal_id IS NULL AND action_point_id IS NULL AND activity_id IS NULL) OR (target_kind = 'goal' AND goal_id IS NOT NULL AND action_point_id IS NULL AND activity_id IS NULL) OR (target_kind = 'action_point' AND goal_id IS NOT NULL AND action_point_id IS NOT NULL AND activity_id IS NULL) OR (target_kind = 'activity' AND goal_id IS NOT NULL AND action_point_id IS NOT NULL AND activity_id IS NOT NULL)", name=op.f('ck_pledges_one_target')),
    sa.CheckConstraint('disbursed_minor >= 0 AND committed_minor >= disbursed_minor AND pledged_minor >= committed_minor', name=op.f('ck_pledges_totals')),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_pledges_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_pledges_activity_id_activities')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_pledges_actor_id_actors')),
    sa.ForeignKeyConstraint(['goal_id'], ['priority_goals.id'], name=op.f('fk_pledges_goal_id_priority_goals')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_pledges_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledges'))
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledges_action_point_id'), ['action_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_plan_id'), ['plan_id'], unique=False)

    op.create_table('pledge_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pledged', 'committed', 'disbursed', name='entrykind', native_enum=False, length=32), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('agent', sa.String(length=100), nullable=True),
    sa.CheckConstraint('amount_minor <> 0', name=op.f('ck_pledge_entries_not_zero')),
    sa.CheckConstraint('amount_minor > 0 OR reason IS NOT NULL', name=op.f('ck_pledge_entries_reduction_reason')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pledge_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_pledge_entries_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_entries'))
    )
    with op.batch_alter_table('pledge_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_entries_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_pledge_entries_pledge_date', ['pledge_id', 'value_date'], unique=False)

    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('budget_currency', sa.String(length=3), nullable=True))



def downgrade():
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.drop_column('budget_currency')
        batch_op.drop_column('budget_minor')

    with op.batch_alter_table('pledge_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_entries_pledge_date')
        batch_op.drop_index(batch_op.f('ix_pledge_entries_created_by_id'))

    op.drop_table('pledge_entries')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledges_plan_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_goal_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_actor_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_activity_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_action_point_id'))

    op.drop_table('pledges')
    op.drop_table('exchange_rates')
