import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from tracker.actors.models import Actor
from tracker.audit.services import (
    By,
    add_and_record,
    apply_changes,
    changed_values,
    fields_in_words,
    record_change,
    record_event,
    record_events,
)
from tracker.db import MAX_ID, check_version, db, guarded_write, insert_many, utcnow
from tracker.money import MoneyError, check_amount
from tracker.plan.models import (
    ActionPoint,
    ActionPointDocument,
    Activity,
    Plan,
    PriorityGoal,
    action_point_partners,
    code_sort_key,
)
from tracker.translated_names import set_translations

CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")


def clean_text(text: str | None) -> str | None:
    """Text as it is stored: line breaks as LF (browsers send CRLF, spreadsheets keep LF, and a
    difference in line endings alone must not count as an edit); empty means none."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n") or None


def clean_title(text: str | None) -> str:
    return (clean_text(text) or "").strip()


class PlanError(Exception):
    """A broken plan rule; `field` names the form field it belongs to, and `index` the item of
    a batch (create_action_points and the like) that broke it."""

    def __init__(self, message: str, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.field = field
        self.index = index


class Ref(NamedTuple):
    """An action point as a batch of activities needs it: one created in the same batch has
    no loaded object yet."""

    id: int
    code: str


# The codes a batch may not take, read once instead of once per row: {code: id} for action
# points, {(action point id, code): id} for activities.
Taken = dict[Any, int]


def plans_query() -> Select:
    """Every plan: the real ones first, oldest first (a stable order, for paging)."""
    return select(Plan).order_by(Plan.is_demo, Plan.starts_on, Plan.id)


def list_plans() -> list[Plan]:
    return list(db.session.scalars(plans_query()))


def action_points_query(plan: Plan | None = None) -> Select:
    """Action points with what a summary shows, in plan and code order (stable, for paging)."""
    query = select(ActionPoint).options(
        selectinload(ActionPoint.plan),
        selectinload(ActionPoint.goal),
        selectinload(ActionPoint.lead_actor),
        selectinload(ActionPoint.partners),
    )
    if plan is not None:
        query = query.where(ActionPoint.plan_id == plan.id)
    return query.order_by(ActionPoint.plan_id, ActionPoint.sort_key, ActionPoint.id)


def get_plan(code_or_id: str | int) -> Plan | None:
    """A plan by its id or its code (`BP-CFA-2019`)."""
    text = str(code_or_id)
    if text.isascii() and text.isdigit():  # "²".isdigit() is true too, but int() refuses it
        return db.session.get(Plan, int(text)) if 0 < int(text) <= MAX_ID else None
    return db.session.scalar(select(Plan).where(Plan.code == text))


def get_plan_outline(plan: Plan) -> list[PriorityGoal]:
    """The plan's goals with their action points and lead actors, loaded in three queries."""
    query = (
        select(PriorityGoal)
        .where(PriorityGoal.plan_id == plan.id)
        .options(selectinload(PriorityGoal.action_points).selectinload(ActionPoint.lead_actor))
        .order_by(PriorityGoal.number)
    )
    return list(db.session.scalars(query))


def count_action_points() -> dict[int, int]:
    """{plan id: number of action points defined}, for every plan at once."""
    query = (
        select(ActionPoint.plan_id, func.count())
        .where(ActionPoint.retired_at.is_(None))
        .group_by(ActionPoint.plan_id)
    )
    return dict(db.session.execute(query).all())


def get_goal(plan: Plan, number: int) -> PriorityGoal | None:
    """A goal with its action points and their lead actors (a fixed number of queries)."""
    return db.session.scalar(
        select(PriorityGoal)
        .where(PriorityGoal.plan_id == plan.id, PriorityGoal.number == number)
        .options(selectinload(PriorityGoal.action_points).joinedload(ActionPoint.lead_actor))
    )


def get_action_point(action_point_id: int) -> ActionPoint | None:
    """An action point with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        select(ActionPoint)
        .where(ActionPoint.id == action_point_id)
        .options(
            joinedload(ActionPoint.plan),
            joinedload(ActionPoint.goal),
            joinedload(ActionPoint.lead_actor),
            selectinload(ActionPoint.partners),
            selectinload(ActionPoint.activities).joinedload(Activity.lead_actor),
            selectinload(ActionPoint.continued_in).joinedload(ActionPoint.plan),
            selectinload(ActionPoint.continues).joinedload(ActionPoint.plan),
            selectinload(ActionPoint.documents).joinedload(ActionPointDocument.file),
        )
    )


def _check_action_point(
    plan: Plan,
    goal: PriorityGoal,
    code: str,
    current: ActionPoint | None = None,
    taken: Taken | None = None,
) -> None:
    """The rules of an action point's goal and code; `taken` ({code: id}) spares a batch the
    query for a clash."""
    if goal.plan_id != plan.id:
        raise PlanError(
            _(
                "Goal %(number)s does not belong to plan %(plan)s.",
                number=goal.number,
                plan=plan.code,
            ),
            "goal",
        )
    if not CODE_PATTERN.match(code):
        raise PlanError(
            _(
                "Use 1 to 20 letters, digits, dots or hyphens, starting with a letter or digit "
                "(for example 17 or 3.4)."
            ),
            "code",
        )
    if taken is not None:
        clash_id = taken.get(code)
    else:
        clash_id = db.session.scalar(
            select(ActionPoint.id).where(ActionPoint.plan_id == plan.id, ActionPoint.code == code)
        )
    if clash_id is not None and (current is None or clash_id != current.id):
        raise _action_point_taken(plan, code)


def _action_point_taken(plan: Plan, code: str) -> PlanError:
    return PlanError(
        _("Plan %(plan)s already has an action point %(code)s.", plan=plan.code, code=code),
        "code",
    )


def _action_point_created(plan: Plan, code: str, title: str, goal: PriorityGoal):
    """The audit summary and changes of a new action point."""
    return (
        f"Created action point {code} in {plan.code}",
        {"code": [None, code], "title": [None, title], "goal": [None, goal.number]},
    )


def _action_point_changes(values: dict) -> dict:
    """An action point's editable values as apply_changes takes them."""
    return {
        "goal": values["goal"],
        "code": values["code"].strip(),
        "title": clean_title(values["title"]),
        "description": clean_text(values["description"]),
        "lead_actor": values["lead_actor"],
        "partners": list(values["partners"]),
        "target_on": values["target_on"],
    }


def create_action_point(
    plan: Plan,
    *,
    goal: PriorityGoal,
    code: str,
    title: str,
    description: str | None = None,
    lead_actor: Actor | None = None,
    partners: Iterable[Actor] = (),
    target_on: date | None = None,
    by: By,
) -> ActionPoint:
    """Add an action point to a plan under one of its goals."""
    code, title = code.strip(), clean_title(title)
    _check_action_point(plan, goal, code)
    # plan_id and goal_id, not plan= and goal=: their backrefs would add the new row to the
    # session before the savepoint below, so that it would be written outside the guard.
    action_point = ActionPoint(
        plan_id=plan.id,
        goal_id=goal.id,
        code=code,
        sort_key=code_sort_key(code),
        title=title,
        description=clean_text(description),
        lead_actor=lead_actor,
        partners=list(partners),
        target_on=target_on,
    )
    duplicate = _action_point_taken(plan, code)
    summary, changes = _action_point_created(plan, code, title, goal)
    with guarded_write(duplicate=duplicate):
        add_and_record(action_point, by=by, summary=summary, changes=changes)
    return action_point


def update_action_point(
    action_point: ActionPoint,
    *,
    version: int | None,
    goal: PriorityGoal,
    code: str,
    title: str,
    description: str | None,
    lead_actor: Actor | None,
    partners: Iterable[Actor],
    target_on: date | None,
    by: By,
) -> ActionPoint:
    """Change an action point edited at `version`; a newer saved version raises a conflict."""
    check_version(action_point, version)
    code = code.strip()
    _check_action_point(action_point.plan, goal, code, current=action_point)
    duplicate = _action_point_taken(action_point.plan, code)
    values = {
        "goal": goal,
        "code": code,
        "title": title,
        "description": description,
        "lead_actor": lead_actor,
        "partners": partners,
        "target_on": target_on,
    }
    with guarded_write(duplicate=duplicate, record=action_point, version=version):
        changes = apply_changes(action_point, _action_point_changes(values))
        if changes:
            action_point.sort_key = code_sort_key(code)
            # Only the action point's own row carries the version: a change of its partners
            # alone must move it on too, or two edits of one version would both be saved.
            flag_modified(action_point, "title")
            record_change(
                action_point, "update", f"Edited {fields_in_words(changes)}", by=by, changes=changes
            )
    return action_point


def _taken_codes(plan: Plan) -> Taken:
    return dict(
        db.session.execute(
            select(ActionPoint.code, ActionPoint.id).where(ActionPoint.plan_id == plan.id)
        ).all()
    )


def _batch_refused(what: str) -> PlanError:
    return PlanError(
        _(
            "Someone else changed %(what)s while these changes were being saved; nothing was "
            "saved. Try again.",
            what=what,
        ),
    )


def create_action_points(plan: Plan, items: Sequence[dict], *, by: By) -> dict[str, int]:
    """Add many action points to a plan at once (an import): each item holds the keyword
    arguments of create_action_point and passes its rules, all checked before anything is
    written; then one INSERT for them, one for their partners and one for their audit events.
    Returns {code: id}. A broken rule raises PlanError with the item's `index`."""
    if not items:
        return {}
    taken = _taken_codes(plan)
    rows, partners, created = [], [], []
    for index, item in enumerate(items):
        code, title = item["code"].strip(), clean_title(item["title"])
        goal = item["goal"]
        try:
            _check_action_point(plan, goal, code, taken=taken)
        except PlanError as error:
            error.index = index
            raise
        taken[code] = 0  # a later item with this code clashes
        rows.append(
            {
                "plan_id": plan.id,
                "goal_id": goal.id,
                "code": code,
                "sort_key": code_sort_key(code),
                "title": title,
                "description": clean_text(item.get("description")),
                "lead_actor_id": item["lead_actor"].id if item.get("lead_actor") else None,
                "target_on": item.get("target_on"),
            }
        )
        partners.append(item.get("partners") or ())
        created.append(_action_point_created(plan, code, title, goal))
    what = _("the action points of %(plan)s", plan=plan.code)
    with guarded_write(duplicate=_batch_refused(what)):
        ids = insert_many(ActionPoint, rows)
        _replace_partners(dict(zip(ids, partners, strict=True)))
        record_events(
            by=by,
            entity_type=ActionPoint.__tablename__,
            items=[("create", id_, *event) for id_, event in zip(ids, created, strict=True)],
        )
    return {row["code"]: id_ for row, id_ in zip(rows, ids, strict=True)}


def update_action_points(updates: Sequence[tuple[ActionPoint, dict]], *, by: By) -> int:
    """Change many action points at once (an import), each as update_action_point would with
    the values given (its keyword arguments; the version is the one loaded, and a record saved
    by someone else since refuses the whole batch): one UPDATE for them all, their partners
    replaced, one INSERT for the audit events. Returns how many changed. A broken rule raises
    PlanError with the item's `index`."""
    if not updates:
        return 0
    plan = updates[0][0].plan
    taken = _taken_codes(plan)
    rows, events, partners, written = [], [], {}, []
    for index, (action_point, values) in enumerate(updates):
        wanted = _action_point_changes(values)
        try:
            _check_action_point(plan, wanted["goal"], wanted["code"], action_point, taken)
        except PlanError as error:
            error.index = index
            raise
        taken.pop(action_point.code, None)
        taken[wanted["code"]] = action_point.id
        changes = changed_values(action_point, wanted)
        if not changes:
            continue
        events.append(("update", action_point.id, f"Edited {fields_in_words(changes)}", changes))
        written.append((action_point, wanted))
        if "partners" in changes:
            partners[action_point.id] = wanted["partners"]
        lead = wanted["lead_actor"]
        rows.append(
            {
                "b_id": action_point.id,
                "b_version": action_point.version,
                "goal_id": wanted["goal"].id,
                "code": wanted["code"],
                "sort_key": code_sort_key(wanted["code"]),
                "title": wanted["title"],
                "description": wanted["description"],
                "lead_actor_id": lead.id if lead else None,
                "target_on": wanted["target_on"],
            }
        )
    what, now = _("the action points of %(plan)s", plan=plan.code), utcnow()
    with guarded_write(duplicate=_batch_refused(what)):
        _update_versioned(ActionPoint, rows, what, updated_at=now)
        if partners:
            _replace_partners(partners)
        record_events(by=by, entity_type=ActionPoint.__tablename__, items=events)
    _show_written(written, updated_at=now)
    return len(events)


def _replace_partners(partners: dict[int, list[Actor]]) -> None:
    """{action point id: its partners}, written as such (two statements)."""
    links = action_point_partners
    db.session.execute(delete(links).where(links.c.action_point_id.in_(partners)))
    rows = [
        {"action_point_id": id_, "actor_id": actor.id}
        for id_, actors in partners.items()
        for actor in dict.fromkeys(actors)
    ]
    if rows:
        db.session.execute(insert(links), rows)


def _show_written(written: list[tuple[db.Model, dict]], **fixed) -> None:
    """Give the loaded records what a batch wrote past the ORM, as their saved values: they
    read as they are now in the database (one version further), and nothing is flushed again."""
    for record, values in written:
        version = record.version + 1
        for key, value in {**values, **fixed, "version": version}.items():
            set_committed_value(record, key, value)
            if key in ("goal", "lead_actor"):
                set_committed_value(record, f"{key}_id", value.id if value else None)
        if isinstance(record, ActionPoint):
            set_committed_value(record, "sort_key", code_sort_key(record.code))


def _update_versioned(model, rows: list[dict], what: str, **fixed) -> None:
    """One executemany UPDATE of the rows ({b_id, b_version, column: value}), each only if
    its version is still the one read, and one version further; a row saved by someone else
    meanwhile refuses the batch (PlanError)."""
    if not rows:
        return
    table = model.__table__
    columns = [name for name in rows[0] if not name.startswith("b_")]
    statement = (
        table.update()
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(version=table.c.version + 1, **fixed, **{c: bindparam(c) for c in columns})
    )
    if db.session.execute(statement, rows).rowcount != len(rows):
        raise _batch_refused(what)


def _check_activity(
    action_point: ActionPoint | Ref,
    code: str,
    starts_on: date | None,
    ends_on: date | None,
    budget_minor: int | None,
    budget_currency: str | None,
    current: Activity | None = None,
    taken: Taken | None = None,
) -> None:
    """The rules of an activity's code, dates and budget; `taken` ({(action point id, code):
    id}) spares a batch the query for a clash."""
    if not CODE_PATTERN.match(code):
        raise PlanError(
            _(
                "Use 1 to 20 letters, digits, dots or hyphens, starting with a letter or digit "
                "(for example A1)."
            ),
            "code",
        )
    if starts_on and ends_on and ends_on < starts_on:
        raise PlanError(_("The end date is before the start date."), "ends_on")
    if (budget_minor is None) != (budget_currency is None):
        raise PlanError(_("Give a budget with its currency, or neither."), "budget")
    if budget_minor is not None:
        try:
            check_amount(budget_minor, budget_currency)
        except MoneyError as error:
            raise PlanError(str(error), "budget") from None
    if taken is not None:
        clash_id = taken.get((action_point.id, code))
    else:
        clash_id = db.session.scalar(
            select(Activity.id).where(
                Activity.action_point_id == action_point.id, Activity.code == code
            )
        )
    if clash_id is not None and (current is None or clash_id != current.id):
        raise _activity_taken(action_point, code)


def _activity_taken(action_point: ActionPoint | Ref, code: str) -> PlanError:
    return PlanError(
        _(
            "Action point %(action_point)s already has an activity %(code)s.",
            action_point=action_point.code,
            code=code,
        ),
        "code",
    )


def _activity_changes(values: dict) -> dict:
    """An activity's editable values as apply_changes takes them."""
    return {
        "code": values["code"].strip(),
        "title": clean_title(values["title"]),
        "description": clean_text(values["description"]),
        "lead_actor": values["lead_actor"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
        "budget_minor": values["budget_minor"],
        "budget_currency": values["budget_currency"],
    }


def _check_activity_values(action_point, values: dict, current=None, taken=None) -> None:
    _check_activity(
        action_point,
        values["code"],
        values["starts_on"],
        values["ends_on"],
        values["budget_minor"],
        values["budget_currency"],
        current=current,
        taken=taken,
    )


def next_activity_code(action_point: ActionPoint) -> str:
    """The first free code of the form A<n> under an action point."""
    taken = set(
        db.session.scalars(select(Activity.code).where(Activity.action_point_id == action_point.id))
    )
    return next(f"A{n}" for n in range(1, len(taken) + 2) if f"A{n}" not in taken)


def create_activity(
    action_point: ActionPoint,
    *,
    code: str | None = None,
    title: str,
    description: str | None = None,
    lead_actor: Actor | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget_minor: int | None = None,
    budget_currency: str | None = None,
    by: By,
) -> Activity:
    """Add a concrete step under an action point; without a code it gets the next A<n>."""
    code = (code or "").strip()
    if not code:
        # Two at once without a code would both pick the same A<n>: the second waits for the
        # first and takes the next one, as it would a moment later.
        db.session.execute(
            select(ActionPoint.id).where(ActionPoint.id == action_point.id).with_for_update()
        )
        code = next_activity_code(action_point)
    _check_activity(action_point, code, starts_on, ends_on, budget_minor, budget_currency)
    activity = Activity(
        action_point_id=action_point.id,
        code=code,
        title=clean_title(title),
        description=clean_text(description),
        lead_actor_id=lead_actor.id if lead_actor else None,
        starts_on=starts_on,
        ends_on=ends_on,
        budget_minor=budget_minor,
        budget_currency=budget_currency,
    )
    duplicate = _activity_taken(action_point, code)
    summary, changes = _activity_created(action_point, code, activity.title)
    with guarded_write(duplicate=duplicate):
        add_and_record(activity, by=by, summary=summary, changes=changes)
    return activity


def _activity_created(action_point: ActionPoint | Ref, code: str, title: str):
    """The audit summary and changes of a new activity."""
    return (
        f"Created activity {code} under action point {action_point.code}",
        {"code": [None, code], "title": [None, title]},
    )


def update_activity(
    activity: Activity,
    *,
    version: int | None,
    code: str,
    title: str,
    description: str | None,
    lead_actor: Actor | None,
    starts_on: date | None,
    ends_on: date | None,
    budget_minor: int | None,
    budget_currency: str | None,
    by: By,
) -> Activity:
    """Change an activity edited at `version`; a newer saved version raises a conflict."""
    check_version(activity, version)
    code, ap = code.strip(), activity.action_point
    _check_activity(ap, code, starts_on, ends_on, budget_minor, budget_currency, current=activity)
    duplicate = _activity_taken(ap, code)
    values = {
        "code": code,
        "title": title,
        "description": description,
        "lead_actor": lead_actor,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "budget_minor": budget_minor,
        "budget_currency": budget_currency,
    }
    with guarded_write(duplicate=duplicate, record=activity, version=version):
        changes = apply_changes(activity, _activity_changes(values))
        if changes:
            record_change(
                activity, "update", _activity_edited(ap, code, changes), by=by, changes=changes
            )
    return activity


def _activity_edited(action_point: ActionPoint, code: str, changes: dict) -> str:
    return f"Edited activity {code} of action point {action_point.code}: {fields_in_words(changes)}"


def _taken_activity_codes(action_point_ids: Iterable[int]) -> Taken:
    ids = list(set(action_point_ids))
    rows = db.session.execute(
        select(Activity.action_point_id, Activity.code, Activity.id).where(
            Activity.action_point_id.in_(ids)
        )
    )
    return {(ap_id, code): id_ for ap_id, code, id_ in rows}


def create_activities(items: Sequence[dict], *, by: By) -> int:
    """Add many activities at once (an import): each item holds the keyword arguments of
    create_activity (its code given) and `action_point`, an ActionPoint or a Ref, and passes
    its rules, all checked before anything is written; then one INSERT for them and one for
    their audit events. Returns how many. A broken rule raises PlanError with the item's
    `index`."""
    if not items:
        return 0
    taken = _taken_activity_codes(item["action_point"].id for item in items)
    rows, created = [], []
    for index, item in enumerate(items):
        action_point = item["action_point"]
        values = _activity_changes({"description": None, "lead_actor": None, **item})
        try:
            _check_activity_values(action_point, values, taken=taken)
        except PlanError as error:
            error.index = index
            raise
        taken[(action_point.id, values["code"])] = 0
        lead = values.pop("lead_actor")
        rows.append(
            {**values, "action_point_id": action_point.id, "lead_actor_id": lead and lead.id}
        )
        created.append(_activity_created(action_point, values["code"], values["title"]))
    with guarded_write(duplicate=_batch_refused(_("these activities"))):
        ids = insert_many(Activity, rows)
        record_events(
            by=by,
            entity_type=Activity.__tablename__,
            items=[("create", id_, *event) for id_, event in zip(ids, created, strict=True)],
        )
    return len(ids)


def update_activities(updates: Sequence[tuple[Activity, dict]], *, by: By) -> int:
    """Change many activities at once (an import), each as update_activity would with the
    values given (the version is the one loaded, and a record saved by someone else since
    refuses the whole batch): one UPDATE for them all and one INSERT for the audit events.
    Returns how many changed. A broken rule raises PlanError with the item's `index`."""
    if not updates:
        return 0
    taken = _taken_activity_codes(activity.action_point_id for activity, _ in updates)
    rows, events, written = [], [], []
    for index, (activity, values) in enumerate(updates):
        wanted = _activity_changes(values)
        ap = activity.action_point
        try:
            _check_activity_values(ap, wanted, current=activity, taken=taken)
        except PlanError as error:
            error.index = index
            raise
        taken.pop((ap.id, activity.code), None)
        taken[(ap.id, wanted["code"])] = activity.id
        changes = changed_values(activity, wanted)
        if not changes:
            continue
        events.append(
            ("update", activity.id, _activity_edited(ap, wanted["code"], changes), changes)
        )
        written.append((activity, wanted))
        columns = {k: v for k, v in wanted.items() if k != "lead_actor"}
        lead = wanted["lead_actor"]
        rows.append(
            {
                "b_id": activity.id,
                "b_version": activity.version,
                **columns,
                "lead_actor_id": lead.id if lead else None,
            }
        )
    with guarded_write(duplicate=_batch_refused(_("these activities"))):
        _update_versioned(Activity, rows, _("these activities"))
        record_events(by=by, entity_type=Activity.__tablename__, items=events)
    _show_written(written)
    return len(events)


def create_goal(
    plan: Plan,
    *,
    number: int,
    title: str,
    description: str | None = None,
    translations: dict[str, str | None] | None = None,
    by: By,
) -> PriorityGoal:
    """Add a numbered priority goal to a plan; `translations` are its title in other languages
    (`{"title_ru": "…"}`)."""
    _check_goal(plan, number)
    goal = PriorityGoal(
        plan_id=plan.id,
        number=number,
        title=clean_title(title),
        description=clean_text(description),
    )
    changes = {
        "number": [None, number],
        "title": [None, goal.title],
        **set_translations(goal, translations or {}),
    }
    with guarded_write(duplicate=_goal_taken(plan, number)):
        add_and_record(goal, by=by, summary=f"Added goal {number} to {plan.code}", changes=changes)
    return goal


def update_goal(
    goal: PriorityGoal,
    *,
    version: int | None,
    number: int,
    title: str,
    description: str | None,
    translations: dict[str, str | None] | None = None,
    by: By,
) -> PriorityGoal:
    """Change a goal edited at `version`; a newer saved version raises a conflict. A title in
    another language left out of `translations` is kept."""
    check_version(goal, version)
    _check_goal(goal.plan, number, current=goal)
    with guarded_write(duplicate=_goal_taken(goal.plan, number), record=goal, version=version):
        changes = apply_changes(
            goal,
            {"number": number, "title": clean_title(title), "description": clean_text(description)},
        )
        changes.update(set_translations(goal, translations or {}))
        if changes:
            record_change(
                goal,
                "update",
                f"Edited goal {number} of {goal.plan.code}: {fields_in_words(changes)}",
                by=by,
                changes=changes,
            )
    return goal


def _goal_taken(plan: Plan, number: int) -> PlanError:
    return PlanError(
        _("Plan %(plan)s already has a goal %(number)s.", plan=plan.code, number=number), "number"
    )


def _check_goal(plan: Plan, number: int, current: PriorityGoal | None = None) -> None:
    if not 1 <= number <= 99:
        raise PlanError(_("A goal number is a whole number from 1 to 99."), "number")
    clash = db.session.scalar(
        select(PriorityGoal).where(PriorityGoal.plan_id == plan.id, PriorityGoal.number == number)
    )
    if clash is not None and clash is not current:
        raise _goal_taken(plan, number)


def link_continuation(action_point: ActionPoint, successor: ActionPoint, *, by: By) -> None:
    """Record that `successor`, of a later plan, continues `action_point`."""
    if successor.plan_id == action_point.plan_id or (
        successor.plan.starts_on <= action_point.plan.starts_on
    ):
        raise PlanError(
            _(
                "%(later)s is not in a later plan than %(earlier)s.",
                later=successor.reference,
                earlier=action_point.reference,
            ),
            "continued_in",
        )
    duplicate = PlanError(
        _(
            "%(earlier)s is already continued in %(later)s.",
            earlier=action_point.reference,
            later=successor.reference,
        ),
        "continued_in",
    )
    if successor in action_point.continued_in:
        raise duplicate
    before = [a.reference for a in action_point.continued_in]
    with guarded_write(duplicate=duplicate):
        action_point.continued_in.append(successor)
    _record_continuations(action_point, before, f"Continued in {successor.reference}", by)


def unlink_continuation(action_point: ActionPoint, successor: ActionPoint, *, by: By) -> bool:
    """Remove the "continued in" link from `action_point` to `successor`; False (and nothing
    recorded) when there is no such link, so that removing twice is harmless."""
    if successor not in action_point.continued_in:
        return False
    before = [a.reference for a in action_point.continued_in]
    action_point.continued_in.remove(successor)
    _record_continuations(action_point, before, f"No longer continued in {successor.reference}", by)
    return True


def _record_continuations(action_point: ActionPoint, before: list[str], summary: str, by: By):
    db.session.flush()
    after = [a.reference for a in action_point.continued_in]
    changes = {"continued_in": [sorted(before), sorted(after)]}
    record_event(by=by, action="update", entity=action_point, summary=summary, changes=changes)


def find_action_point(plan: Plan, code: str) -> ActionPoint | None:
    return db.session.scalar(
        select(ActionPoint).where(ActionPoint.plan_id == plan.id, ActionPoint.code == code.strip())
    )


def resolve_reference(reference: str, field: str) -> ActionPoint:
    """The action point a `PLAN:CODE` reference names (`BP-CFA-2025:3.1`), or an error."""
    plan_code, _colon, code = reference.strip().partition(":")
    plan = get_plan(plan_code) if code else None
    action_point = find_action_point(plan, code) if plan else None
    if action_point is None:
        raise PlanError(
            _(
                "No action point %(reference)s; write PLAN:CODE, e.g. BP-CFA-2025:3.",
                reference=repr(reference.strip()),
            ),
            field,
        )
    return action_point


def resolve_goal(plan: Plan, goal_id: int | None) -> PriorityGoal:
    goal = db.session.get(PriorityGoal, goal_id) if goal_id is not None else None
    if goal is None or goal.plan_id != plan.id:
        raise PlanError(
            _("Choose one of the priority goals of %(plan)s.", plan=plan.code), "goal_id"
        )
    return goal


def resolve_actors(codes: Iterable[str], field: str) -> list[Actor]:
    """The actors with these codes, in order; an unknown code is an error at `field`."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    if not codes:
        return []
    found = {a.code: a for a in db.session.scalars(select(Actor).where(Actor.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise PlanError(_("Unknown actor code: %(codes)s.", codes=", ".join(unknown)), field)
    return [found[c] for c in dict.fromkeys(codes)]
