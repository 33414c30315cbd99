"""Sign-in attempts, token last use, stored files, action point documents, audit address

Revision ID: 3eab9547042d
Revises: 724939cd4301
Create Date: 2026-11-27 21:38:59.901521
"""

import sqlalchemy as sa
from alembic import op

revision = '3eab9547042d'
down_revision = '724939cd4301'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_attempts_address_time', ['address', 'occurred_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_email_time', ['email', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stored_files_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_files_sha256'), ['sha256'], unique=False)

    op.create_table('action_point_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_point_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['action_point_id'], ['action_points.id'], name=op.f('fk_action_point_documents_action_point_id_action_points')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_action_point_documents_file_id_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_point_documents'))
    )
    with op.batch_alter_table('action_point_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_point_documents_action_point_id'), ['action_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_point_documents_file_id'), ['file_id'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=45), nullable=True))
        batch_op.alter_column('entity_type',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.alter_column('entity_id',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade():
    # Security events recorded since (failed sign-ins, denied requests) have no entity and would
    # break the NOT NULL below: a downgrade drops them first, on purpose, as the old schema did
    # not keep them.
    op.execute("DELETE FROM audit_events WHERE entity_type IS NULL OR entity_id IS NULL")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('entity_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('entity_type',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.drop_column('address')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')

    with op.batch_alter_table('action_point_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_point_documents_file_id'))
        batch_op.drop_index(batch_op.f('ix_action_point_documents_action_point_id'))

    op.drop_table('action_point_documents')
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_sha256'))
        batch_op.drop_index(batch_op.f('ix_stored_files_created_by_id'))

    op.drop_table('stored_files')
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_occurred_at'))
        batch_op.drop_index('ix_sign_in_attempts_email_time')
        batch_op.drop_index('ix_sign_in_attempts_address_time')

    op.drop_table('sign_in_attempts')
