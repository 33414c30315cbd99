"""Add published reports: a round's progress report, frozen in four stored files

Revision ID: 38545f6c2085
Revises: a3c5e7f90b12
Create Date: 2026-12-05 04:56:51.741983
"""

import sqlalchemy as sa
from alembic import op

revision = "38545f6c2085"
down_revision = "a3c5e7f90b12"
branch_labels = None
depends_on = None

FILES = ("pdf", "xlsx", "csv", "json")


def upgrade():
    op.create_table(
        "published_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        *(sa.Column(f"{fmt}_file_id", sa.Integer(), nullable=False) for fmt in FILES),
        *(
            sa.ForeignKeyConstraint(
                [f"{fmt}_file_id"],
                ["stored_files.id"],
                name=op.f(f"fk_published_reports_{fmt}_file_id_stored_files"),
            )
            for fmt in FILES
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_published_reports_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_published_reports_published_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reporting_rounds.id"],
            name=op.f("fk_published_reports_round_id_reporting_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reports")),
        # One report per round: the database decides when two publish at once.
        sa.UniqueConstraint("round_id", name=op.f("uq_published_reports_round_id")),
    )
    with op.batch_alter_table("published_reports") as batch_op:
        batch_op.create_index("ix_published_reports_plan_id", ["plan_id"], unique=False)
        batch_op.create_index("ix_published_reports_published_at", ["published_at"], unique=False)
        batch_op.create_index(
            "ix_published_reports_published_by_id", ["published_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("published_reports") as batch_op:
        batch_op.drop_index("ix_published_reports_published_by_id")
        batch_op.drop_index("ix_published_reports_published_at")
        batch_op.drop_index("ix_published_reports_plan_id")
    op.drop_table("published_reports")
