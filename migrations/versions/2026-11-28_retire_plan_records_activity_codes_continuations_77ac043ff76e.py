"""Retire plan records, actors and working groups; activity codes; plan-to-plan continuations

Revision ID: 77ac043ff76e
Revises: 8227e8c89e5f
Create Date: 2026-11-27 21:42:23.614200
"""

import sqlalchemy as sa
from alembic import op

revision = '77ac043ff76e'
down_revision = '8227e8c89e5f'
branch_labels = None
depends_on = None


def upgrade():
    # Version columns keep their server default "1" (the models declare it too): it fills the
    # existing rows, and dropping it again would mean recreating tables on SQLite.
    op.create_table('action_point_continuations',
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('continued_in_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_action_point_continuations_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['continued_in_id'], ['action_points.id'], name=op.f('fk_action_point_continuations_continued_in_id_action_points')),
    sa.PrimaryKeyConstraint('action_point_id', 'continued_in_id', name=op.f('pk_action_point_continuations'))
    )
    with op.batch_alter_table('action_point_continuations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_point_continuations_continued_in_id'), ['continued_in_id'], unique=False)

    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))

    # Existing activities get a code from their id ("A12"): unique, and stable on re-export.
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE activities SET code = 'A' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_activities_action_point_id_code'), ['action_point_id', 'code'])

    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('priority_goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('working_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))



def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): recreating these tables would fail on the foreign keys
    # that point at their rows.
    with op.batch_alter_table('working_groups', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('priority_goals', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('actors', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_activities_action_point_id_code'), type_='unique')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('code')

    with op.batch_alter_table('action_points', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('action_point_continuations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_point_continuations_continued_in_id'))

    op.drop_table('action_point_continuations')
