"""The migrations build exactly the schema the models describe, and they run both ways."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tracker import MIGRATIONS_DIR
from tracker.db import db


def schema_differences(app) -> list:
    """What `alembic revision --autogenerate` would write, with the settings the app uses."""
    with app.app_context(), db.engine.connect() as connection:
        options = dict(app.extensions["migrate"].configure_args)  # compare_type, render_as_batch
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def table_names(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_builds_the_schema_of_the_models(scratch_app):
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS_DIR)

    assert schema_differences(scratch_app) == []
    assert set(db.metadata.tables) <= table_names(scratch_app)


def test_downgrade_to_base_and_upgrade_again(scratch_app):
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        downgrade(directory=MIGRATIONS_DIR, revision="base")

    assert table_names(scratch_app) <= {"alembic_version"}

    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS_DIR)

    assert schema_differences(scratch_app) == []
