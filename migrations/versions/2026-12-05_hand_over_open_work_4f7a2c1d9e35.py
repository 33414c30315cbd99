"""Hand-over: who carries an open update or pledge on after its author left

Revision ID: 4f7a2c1d9e35
Revises: 6e1d2c9b7a40
Create Date: 2026-12-05 07:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "4f7a2c1d9e35"
down_revision = "6e1d2c9b7a40"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds each table to add its foreign key: dropping the old copy of a table that
    # other rows point at (pledge_entries → pledges) must not count as deleting their parent.
    # Outside a transaction, as PRAGMA foreign_keys requires; the tracker's connections turn
    # it on again when they open.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys=OFF")
    for table in ("progress_updates", "pledges"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("held_by_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_held_by_id"), ["held_by_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_held_by_id_users"), "users", ["held_by_id"], ["id"]
            )
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def downgrade():
    for table in ("pledges", "progress_updates"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_held_by_id_users"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_held_by_id"))
            batch_op.drop_column("held_by_id")
