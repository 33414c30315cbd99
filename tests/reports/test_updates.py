"""The validated updates that feed the CSV zip's updates.csv: which ones, in which order, and
streamed (a server-side cursor on PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from tests import factories
from tracker.db import db, utcnow
from tracker.progress.models import ProgressUpdate
from tracker.reports.updates import BATCH_ROWS, validated_updates

PERIOD = {"period_from": date(2024, 1, 1), "period_to": date(2024, 6, 30)}


def later() -> datetime:
    return utcnow() + timedelta(minutes=1)


def rows(action_points, actor_ids=None, validated_by=None, **period):
    return list(
        validated_updates(
            action_point_ids=[ap.id for ap in action_points],
            actor_ids=actor_ids,
            validated_by=validated_by or later(),
            **(period or PERIOD),
        )
    )


def test_only_validated_updates_of_the_period_come_in_code_then_date_order():
    ten = factories.make_action_point(code="10")
    two = factories.make_action_point(code="2")
    hu, tr = factories.get_actor("HU"), factories.get_actor("TR")
    factories.make_update(ten, workflow="validated", reported_on=date(2024, 3, 1), actor=hu)
    factories.make_update(
        two,
        workflow="validated",
        reported_on=date(2024, 6, 30),
        actor=tr,
        status="completed",
        narrative="=SUM(A1) and Миграция",
    )
    factories.make_update(two, workflow="validated", reported_on=date(2024, 1, 1), actor=hu)
    factories.make_update(two, workflow="validated", reported_on=date(2023, 12, 31), actor=hu)
    factories.make_update(two, workflow="validated", reported_on=date(2024, 7, 1), actor=hu)
    for workflow in ("draft", "submitted", "returned"):
        factories.make_update(ten, workflow=workflow, reported_on=date(2024, 2, 1), actor=hu)

    got = rows([ten, two])

    assert [(r[0], r[4]) for r in got] == [
        ("2", date(2024, 1, 1)),
        ("2", date(2024, 6, 30)),
        ("10", date(2024, 3, 1)),
    ]
    code, actor, status, percent, reported_on, validated_at, narrative, name = got[1]
    assert (actor, status, percent, narrative) == ("TR", "completed", 100, "=SUM(A1) and Миграция")
    assert name == factories.get_actor("TR").name  # the code for machines, the name for people
    assert type(status) is str and validated_at.tzinfo is not None
    assert got[0][6] == ""  # no narrative: empty text, not None


def test_actors_action_points_and_the_validation_moment_narrow_the_rows():
    first, second = factories.make_action_point(), factories.make_action_point()
    hu, tr = factories.get_actor("HU"), factories.get_actor("TR")
    early = factories.make_update(
        first, workflow="validated", reported_on=date(2024, 2, 1), actor=hu
    )
    early.validated_at = datetime(2024, 2, 2, 12, 0, tzinfo=UTC)
    factories.make_update(first, workflow="validated", reported_on=date(2024, 3, 1), actor=tr)
    factories.make_update(second, workflow="validated", reported_on=date(2024, 3, 1), actor=hu)
    db.session.flush()

    assert len(rows([first, second])) == 3
    assert [r[1] for r in rows([first, second], actor_ids=[tr.id])] == ["TR"]
    assert rows([first, second], actor_ids=[]) == []
    assert rows([]) == []
    assert [r[0] for r in rows([second])] == [second.code]
    as_of = rows([first, second], validated_by=datetime(2024, 2, 2, 12, 0, tzinfo=UTC))
    assert [(r[1], r[4]) for r in as_of] == [("HU", date(2024, 2, 1))]
    assert rows([first], validated_by=datetime(2024, 2, 2, 11, 59, tzinfo=UTC)) == []


def test_updates_stream_in_batches_through_a_server_side_cursor_on_postgresql():
    ap = factories.make_action_point()
    hu = factories.get_actor("HU")
    count = 2 * BATCH_ROWS + 7
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    db.session.execute(
        insert(ProgressUpdate),
        [
            {
                "action_point_id": ap.id,
                "actor_id": hu.id,
                "status": "in_progress",
                "percent": n % 101,
                "narrative": f"Update {n}",
                "reported_on": date(2024, 1, 1) + timedelta(days=n % 180),
                "workflow": "validated",
                "validated_at": moment + timedelta(minutes=n),
            }
            for n in range(count)
        ],
    )
    stream = validated_updates(
        action_point_ids=[ap.id], actor_ids=None, validated_by=later(), **PERIOD
    )
    first = next(stream)
    if db.session.get_bind().dialect.name == "postgresql":
        # The rows are still on the server: a cursor is open on this very connection.
        cursors = db.session.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one()
        assert cursors == 1
    rest = list(stream)
    assert 1 + len(rest) == count
    dates = [first[4]] + [r[4] for r in rest]
    assert dates == sorted(dates)
    if db.session.get_bind().dialect.name == "postgresql":
        assert db.session.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one() == 0


def test_a_reader_that_stops_early_closes_the_cursor():
    ap = factories.make_action_point()
    for day in (1, 2):
        factories.make_update(ap, workflow="validated", reported_on=date(2024, 5, day))
    stream = validated_updates(
        action_point_ids=[ap.id], actor_ids=None, validated_by=later(), **PERIOD
    )
    assert next(stream)[4] == date(2024, 5, 1)
    stream.close()
    # The session is usable at once (on PostgreSQL, no cursor is left open).
    if db.session.get_bind().dialect.name == "postgresql":
        assert db.session.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one() == 0
    assert len(rows([ap])) == 2
