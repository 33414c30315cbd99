"""Every validated update of a report's action points and period, streamed for the CSV zip."""

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select

from tracker.actors.models import Actor
from tracker.db import db
from tracker.plan.models import ActionPoint
from tracker.progress.models import ProgressUpdate, Workflow

BATCH_ROWS = 1000

# An update as a report shows it: the fields of model.Narrative, in their order.
NARRATIVE_COLUMNS = (
    Actor.code,
    Actor.name,
    ProgressUpdate.status,
    ProgressUpdate.percent,
    ProgressUpdate.reported_on,
    ProgressUpdate.validated_at,
    ProgressUpdate.narrative,
)


def validated_updates(
    *,
    action_point_ids: list[int],
    actor_ids: list[int] | None,
    period_from: date,
    period_to: date,
    validated_by: datetime,
) -> Iterator[tuple]:
    """(action point code, actor code, status, percent, reported_on, validated_at, narrative,
    actor name) of
    each update validated by `validated_by` and reported in the period, by action point (in code
    order) then reporting date; `actor_ids` None means every actor.

    Rows stream in batches of BATCH_ROWS: `yield_per` makes SQLAlchemy fetch in batches and,
    on PostgreSQL (psycopg), use a server-side cursor; SQLite's driver steps through the
    result as it is read. Memory stays flat however many updates there are.
    """
    if not action_point_ids or actor_ids == []:
        return
    query = (
        select(ActionPoint.code, *NARRATIVE_COLUMNS)
        .join(ActionPoint, ActionPoint.id == ProgressUpdate.action_point_id)
        .join(Actor, Actor.id == ProgressUpdate.actor_id)
        .where(
            ProgressUpdate.workflow == Workflow.VALIDATED,
            ProgressUpdate.action_point_id.in_(action_point_ids),
            ProgressUpdate.reported_on.between(period_from, period_to),
            ProgressUpdate.validated_at <= validated_by,
        )
        .order_by(
            ActionPoint.sort_key,
            ActionPoint.id,
            ProgressUpdate.reported_on,
            ProgressUpdate.validated_at,
            ProgressUpdate.id,
        )
    )
    if actor_ids is not None:
        query = query.where(ProgressUpdate.actor_id.in_(actor_ids))
    result = db.session.execute(query.execution_options(yield_per=BATCH_ROWS))
    try:
        for code, actor, name, status, percent, reported_on, validated_at, narrative in result:
            yield (
                code,
                actor,
                status.value,
                percent,
                reported_on,
                validated_at,
                narrative or "",
                name,
            )
    finally:
        # A caller that stops early (a client gone mid-download) closes the server-side cursor.
        result.close()
