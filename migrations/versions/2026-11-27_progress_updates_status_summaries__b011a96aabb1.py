"""Progress updates, evidence files, status summaries, reporting rounds, action point weight

Revision ID: b011a96aabb1
Revises: e45e0ed690f3
Create Date: 2026-11-27 21:48:12.948079
"""

import sqlalchemy as sa
from alembic import op

revision = 'b011a96aabb1'
down_revision = 'e45e0ed690f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reporting_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_reporting_rounds_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_rounds'))
    )
    with op.batch_alter_table('reporting_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_rounds_plan_id'), ['plan_id'], unique=False)

    op.create_table('progress_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'planned', 'in_progress', 'ongoing', 'completed', 'on_hold', 'discontinued', name='status', native_enum=False, length=32), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('evidence_links', sa.JSON(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('workflow', sa.Enum('draft', 'submitted', 'validated', 'returned', name='workflow', native_enum=False, length=32), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_progress_updates_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_progress_updates_activity_id_activities')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_progress_updates_actor_id_actors')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_progress_updates_created_by_id_users')),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_progress_updates_validated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_updates'))
    )
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_updates_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_progress_updates_actor_workflow', ['actor_id', 'workflow'], unique=False)
        batch_op.create_index('ix_progress_updates_workflow_submitted', ['workflow', 'submitted_at'], unique=False)
        batch_op.create_index('ix_progress_updates_ap_workflow', ['action_point_id', 'workflow'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_updates_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_updates_updated_at'), ['updated_at'], unique=False)

    op.create_table('update_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_update_evidence_file_id_stored_files')),
    sa.ForeignKeyConstraint(['update_id'], ['progress_updates.id'], name=op.f('fk_update_evidence_update_id_progress_updates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_update_evidence'))
    )
    with op.batch_alter_table('update_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_update_evidence_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_update_evidence_update_id'), ['update_id'], unique=False)

    op.create_table('action_point_statuses',
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'planned', 'in_progress', 'ongoing', 'completed', 'on_hold', 'discontinued', name='status', native_enum=False, length=32), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_action_point_statuses_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_action_point_statuses_actor_id_actors')),
    sa.ForeignKeyConstraint(['update_id'], ['progress_updates.id'], name=op.f('fk_action_point_statuses_update_id_progress_updates')),
    sa.PrimaryKeyConstraint('action_point_id', name=op.f('pk_action_point_statuses'))
    )
    op.create_table('actor_action_point_statuses',
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'planned', 'in_progress', 'ongoing', 'completed', 'on_hold', 'discontinued', name='status', native_enum=False, length=32), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_actor_action_point_statuses_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_action_point_statuses_actor_id_actors')),
    sa.ForeignKeyConstraint(['update_id'], ['progress_updates.id'], name=op.f('fk_actor_action_point_statuses_update_id_progress_updates')),
    sa.PrimaryKeyConstraint('actor_id', 'action_point_id', name=op.f('pk_actor_action_point_statuses'))
    )
    with op.batch_alter_table('actor_action_point_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_actor_action_point_statuses_ap', ['action_point_id'], unique=False)

    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.drop_column('weight')

    with op.batch_alter_table('actor_action_point_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_actor_action_point_statuses_ap')

    op.drop_table('actor_action_point_statuses')
    with op.batch_alter_table('update_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_update_evidence_update_id'))
        batch_op.drop_index(batch_op.f('ix_update_evidence_file_id'))

    op.drop_table('update_evidence')
    op.drop_table('action_point_statuses')
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_updates_updated_at'))
        batch_op.drop_index(batch_op.f('ix_progress_updates_created_by_id'))
        batch_op.drop_index('ix_progress_updates_ap_workflow')
        batch_op.drop_index('ix_progress_updates_workflow_submitted')
        batch_op.drop_index('ix_progress_updates_actor_workflow')
        batch_op.drop_index(batch_op.f('ix_progress_updates_activity_id'))

    op.drop_table('progress_updates')
    with op.batch_alter_table('reporting_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_rounds_plan_id'))

    op.drop_table('reporting_rounds')
