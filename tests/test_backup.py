"""`tracker backup` / `tracker restore` on the backend under test (SQLite, or PostgreSQL with
pg_dump): a backup restored into an empty database holds every row; a damaged one is refused."""

import pytest
import sqlalchemy as sa

from tests.conftest import create_test_app, scratch_database_url
from tracker.db import db

PLAN_FILE = (
    "type,number,code,goal,action_point,title,description,lead_actor,partners,target_on,"
    "starts_on,ends_on,budget_amount,budget_currency\r\n"
    "action_point,,17,1,,Руководство,Göç,HU,AT; TR,2026-06-30,,,,\r\n"
    "activity,,A1,,17,Workshop,,TR,,,2026-01-15,2026-02-01,1250000.00,EUR\r\n"
)


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        tables = [*db.metadata.sorted_tables]
        with db.engine.connect() as connection:
            counts = {
                t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables
            }
            counts["alembic_version"] = connection.scalar(
                sa.text("SELECT count(*) FROM alembic_version")
            )
    return counts


def sample(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT ap.code, ap.title, ap.description, a.code, a.budget_minor "
                "FROM action_points ap JOIN activities a ON a.action_point_id = ap.id"
            )
        ).all()


@pytest.fixture
def loaded_app(scratch_app, tmp_path):
    runner = scratch_app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(PLAN_FILE, encoding="utf-8")
    result = runner.invoke(args=["import", "plan", str(plan_file)])
    assert result.exit_code == 0, result.output
    return scratch_app


def test_backup_restored_into_an_empty_database_has_every_row(loaded_app, tmp_path):
    path = tmp_path / "tracker.backup"
    result = loaded_app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    expected = table_counts(loaded_app)
    assert expected["action_points"] == 1 and expected["audit_events"] > 90

    with scratch_database_url() as url:
        target = create_test_app(url)
        try:
            result = target.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
            assert result.exit_code == 0, result.output
            assert table_counts(target) == expected
            assert (
                sample(target)
                == sample(loaded_app)
                == [("17", "Руководство", "Göç", "A1", 125_000_000)]
            )
        finally:
            with target.app_context():
                db.session.remove()
                db.engine.dispose()


def test_truncated_backup_is_refused_and_nothing_changes(loaded_app, tmp_path):
    runner = loaded_app.test_cli_runner()
    path = tmp_path / "tracker.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = table_counts(loaded_app)

    result = runner.invoke(args=["restore", "--yes", str(truncated)])

    assert result.exit_code == 1
    assert "The database was not changed." in result.output
    assert table_counts(loaded_app) == before


def test_a_file_that_is_not_a_backup_is_refused(loaded_app, tmp_path):
    path = tmp_path / "notes.backup"
    path.write_text("type,code\n", encoding="utf-8")
    result = loaded_app.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 1
    assert "is not" in result.output and "backup" in result.output


def test_restore_asks_before_replacing_the_database(loaded_app, tmp_path):
    path = tmp_path / "tracker.backup"
    runner = loaded_app.test_cli_runner()
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    result = runner.invoke(args=["restore", str(path)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
