"""Create plans, actors, accounts and audit tables

Revision ID: 724939cd4301
Revises: 
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = '724939cd4301'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('participating_state', 'observer_state', 'organisation', name='actorkind', native_enum=False, length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('code', name=op.f('uq_actors_code'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('short_title', sa.String(length=120), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('expected_action_points', sa.Integer(), nullable=True),
    sa.Column('adopted_at', sa.String(length=200), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_plans_code'))
    )
    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_commitments_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_commitments_plan_id_number'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_plan_id'), ['plan_id'], unique=False)

    op.create_table('priority_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_priority_goals_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_goals')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_priority_goals_plan_id_number'))
    )
    with op.batch_alter_table('priority_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_priority_goals_plan_id'), ['plan_id'], unique=False)

    op.create_table('reference_group_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_reference_group_memberships_actor_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_group_memberships'))
    )
    with op.batch_alter_table('reference_group_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_group_memberships_actor_id'), ['actor_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'member', 'focal_point', 'viewer', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_users_actor_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_actor_id'), ['actor_id'], unique=False)

    op.create_table('working_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('source_confidence', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['chair_id'], ['actors.id'], name=op.f('fk_working_groups_chair_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_working_groups_code'))
    )
    op.create_table('action_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('sort_key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lead_actor_id', sa.Integer(), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['priority_goals.id'], name=op.f('fk_action_points_goal_id_priority_goals')),
    sa.ForeignKeyConstraint(['lead_actor_id'], ['actors.id'], name=op.f('fk_action_points_lead_actor_id_actors')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_action_points_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_points')),
    sa.UniqueConstraint('plan_id', 'code', name=op.f('uq_action_points_plan_id_code'))
    )
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_points_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_points_lead_actor_id'), ['lead_actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_points_plan_id'), ['plan_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('agent', sa.String(length=100), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_user_id'), ['user_id'], unique=False)

    op.create_table('working_group_members',
    sa.Column('working_group_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_working_group_members_actor_id_actors')),
    sa.ForeignKeyConstraint(['working_group_id'], ['working_groups.id'], name=op.f('fk_working_group_members_working_group_id_working_groups')),
    sa.PrimaryKeyConstraint('working_group_id', 'actor_id', name=op.f('pk_working_group_members'))
    )
    with op.batch_alter_table('working_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_members_actor_id'), ['actor_id'], unique=False)

    op.create_table('action_point_partners',
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_action_point_partners_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_action_point_partners_actor_id_actors')),
    sa.PrimaryKeyConstraint('action_point_id', 'actor_id', name=op.f('pk_action_point_partners'))
    )
    with op.batch_alter_table('action_point_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_point_partners_actor_id'), ['actor_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lead_actor_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('budget_minor', sa.BigInteger(), nullable=True),
    sa.Column('budget_currency', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_activities_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['lead_actor_id'], ['actors.id'], name=op.f('fk_activities_lead_actor_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_action_point_id'), ['action_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_lead_actor_id'), ['lead_actor_id'], unique=False)



def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_lead_actor_id'))
        batch_op.drop_index(batch_op.f('ix_activities_action_point_id'))

    op.drop_table('activities')
    with op.batch_alter_table('action_point_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_point_partners_actor_id'))

    op.drop_table('action_point_partners')
    with op.batch_alter_table('working_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_group_members_actor_id'))

    op.drop_table('working_group_members')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_id'))
        batch_op.drop_index('ix_audit_events_entity')

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_points_plan_id'))
        batch_op.drop_index(batch_op.f('ix_action_points_lead_actor_id'))
        batch_op.drop_index(batch_op.f('ix_action_points_goal_id'))

    op.drop_table('action_points')
    op.drop_table('working_groups')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_actor_id'))

    op.drop_table('users')
    with op.batch_alter_table('reference_group_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_group_memberships_actor_id'))

    op.drop_table('reference_group_memberships')
    with op.batch_alter_table('priority_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_priority_goals_plan_id'))

    op.drop_table('priority_goals')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_plan_id'))

    op.drop_table('commitments')
    op.drop_table('plans')
    op.drop_table('actors')
