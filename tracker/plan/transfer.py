"""Import and export of a plan's goals, action points and activities: the rules, in one place.

The command line, the Import page and the API all call `preview_import` (read and check the whole
file, work out what would change) and then `apply_import`, which writes through the plan services,
so that every change is audited with its values before and after. Rows are keyed by plan and
code (goals by number, activities by action point and code): importing the same file again
changes nothing, and an import never deletes or retires anything.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import translated_names
from tracker.actors.models import Actor
from tracker.audit.services import By, jsonable
from tracker.db import StaleVersionError, db
from tracker.money import MoneyError, amount_text, parse_budget
from tracker.plan import services
from tracker.plan.fileformats import (
    MEDIA_TYPES,
    SHEETS,
    FileError,
    Row,
    format_of,
    optional_columns,
    read_plan_file,
    split_codes,
    write_plan_file,
    yaml_template,
)
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal

__all__ = ["MEDIA_TYPES", "FileError", "ImportPreview", "format_of"]

MAX_LENGTHS = {"title": 300, "code": 20, "action_point": 20, "description": 20_000}
KIND_LABELS = {
    "goals": _l("goal %(key)s"),
    "action_points": _l("action point %(key)s"),
    "activities": _l("activity %(key)s"),
}
# A goal's title in other languages: `title_ru` and the like (fileformats.TRANSLATED).
GOAL_TRANSLATED = ("title",)


@dataclass
class RowChange:
    """What importing one row does: create, update (with its changes) or nothing."""

    sheet: str
    key: str
    action: str  # "create" | "update" | "unchanged"
    values: dict
    changes: dict[str, list] = field(default_factory=dict)
    record: object | None = None
    parent: ActionPoint | None = None  # an activity's action point, when it exists already

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.sheet]) % {"key": self.key}


@dataclass
class ImportPreview:
    plan: Plan
    rows: list[RowChange]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def changed(self) -> list[RowChange]:
        return [row for row in self.rows if row.action != "unchanged"]

    def summary(self, done: bool = False) -> str:
        counts = {
            "plan": self.plan.code,
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
        }
        if done:
            return _(
                "%(plan)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                **counts,
            )
        return _(
            "%(plan)s: %(created)d to create, %(updated)d to update, %(unchanged)d unchanged.",
            **counts,
        )

    def lines(self) -> list[str]:
        """Each created or updated row, with its changes, in words (column names as the file
        writes them)."""
        out = []
        for row in self.changed:
            if row.action == "create":
                title = row.values.get("title", "")
                out.append(_("create %(what)s: %(title)s", what=row.label, title=title))
            else:
                changes = "; ".join(
                    f"{name} {_shown(before)} → {_shown(after)}"
                    for name, (before, after) in row.changes.items()
                )
                out.append(_("update %(what)s: %(changes)s", what=row.label, changes=changes))
        return out


def _shown(value) -> str:
    if value in (None, "", []):
        return _("(empty)")
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return repr(text if len(text) <= 60 else text[:57] + "…")


def resolve_plan(code: str | None, file_plan: str | None) -> Plan:
    """The plan to import into: the one asked for, else the file's own, else BP-CFA-2019."""
    if code and file_plan and code != file_plan:
        raise FileError(
            [_("The file is for plan %(file)s, not %(plan)s.", file=file_plan, plan=code)]
        )
    wanted = code or file_plan or "BP-CFA-2019"
    plan = services.get_plan(wanted)
    if plan is None:
        raise FileError([_("There is no plan %(plan)s.", plan=wanted)])
    return plan


def preview_import(data: bytes, filename: str, plan_code: str | None = None) -> ImportPreview:
    """Read and check a whole plan file; raise FileError listing every problem, by row and
    column, or return what importing it would change. Writes nothing."""
    plan_file = read_plan_file(data, filename)
    plan = resolve_plan(plan_code, plan_file.plan_code)
    return _Checker(plan).check(plan_file.rows)


def apply_import(preview: ImportPreview, *, by: By) -> ImportPreview:
    """Write a checked import through the plan services (each change audited); flush only.

    Goals go one by one (a plan has at most 99); action points and activities in batches of
    a few statements each, so that thousands of rows hold the database's write lock for a
    moment, not for seconds. Run `preview_import` outside the write transaction (see
    `tracker.db.reading`): the services check here again what may have changed since."""
    plan = preview.plan
    goals = {g.number: g for g in plan.goals}
    by_sheet: dict[tuple[str, bool], list[RowChange]] = {}
    for row in preview.changed:
        by_sheet.setdefault((row.sheet, row.record is None), []).append(row)
    rows: list[RowChange] = []  # the batch being written, for naming the row of an error

    def point_args(row: RowChange) -> dict:  # an action point's goal: the record, by its number
        return {**_args("action_points", row.values), "goal": goals[row.values["goal"]]}

    try:
        with db.session.begin_nested():  # all or nothing, even if a service refuses a row
            for row in by_sheet.get(("goals", True), []) + by_sheet.get(("goals", False), []):
                rows = [row]
                _apply_goal(plan, row, goals, by)
            rows = by_sheet.get(("action_points", True), [])
            new_ids = services.create_action_points(plan, [point_args(r) for r in rows], by=by)
            rows = by_sheet.get(("action_points", False), [])
            services.update_action_points([(r.record, point_args(r)) for r in rows], by=by)
            rows = by_sheet.get(("activities", True), [])
            services.create_activities(
                [
                    {**_args("activities", r.values), "action_point": _parent(r, new_ids)}
                    for r in rows
                ],
                by=by,
            )
            rows = by_sheet.get(("activities", False), [])
            services.update_activities(
                [(r.record, _args("activities", r.values)) for r in rows], by=by
            )
    except StaleVersionError as error:
        raise FileError(
            [
                _(
                    "%(error)s Nothing was imported: check the file against the plan and import "
                    "it again.",
                    error=error,
                )
            ]
        ) from None
    except services.PlanError as error:
        where = rows[error.index].values["where"] if error.index is not None else None
        if len(rows) == 1 and where is None:
            where = rows[0].values["where"]
        if where is None:
            raise FileError([str(error)]) from None
        raise FileError(
            [
                _(
                    "%(where)s, column '%(column)s': %(problem)s",
                    where=where,
                    column=error.field or "row",
                    problem=error,
                )
            ]
        ) from None
    return preview


def _parent(row: RowChange, new_ids: dict[str, int]) -> ActionPoint | services.Ref:
    if row.parent is not None:
        return row.parent
    code = row.values["action_point"]
    return services.Ref(new_ids[code], code)


def _apply_goal(plan: Plan, row: RowChange, goals: dict[int, PriorityGoal], by: By) -> None:
    v = row.values
    if row.record is None:
        goals[v["number"]] = services.create_goal(plan, **_args("goals", v), by=by)
    else:
        services.update_goal(row.record, version=row.record.version, **_args("goals", v), by=by)


# The service arguments a checked row of each sheet gives, taken from its values by name.
_DESCRIBED = ("code", "title", "description", "lead_actor")  # an action point's, an activity's
SERVICE_ARGUMENTS = {
    "goals": ("number", "title", "description", "translations"),
    "action_points": (*_DESCRIBED, "partners", "target_on"),
    "activities": (*_DESCRIBED, "starts_on", "ends_on", "budget_minor", "budget_currency"),
}


def _args(sheet: str, values: dict) -> dict:
    return {name: values[name] for name in SERVICE_ARGUMENTS[sheet]}


class _Checker:
    """Checks every row against the plan as it is and the rest of the file, collecting errors."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.errors: list[str] = []
        self.actors = {a.code: a for a in db.session.scalars(select(Actor))}
        self.goals = {g.number: g for g in plan.goals}
        self.action_points = {
            ap.code: ap
            for ap in db.session.scalars(
                select(ActionPoint)
                .where(ActionPoint.plan_id == plan.id)
                .options(
                    selectinload(ActionPoint.goal),
                    selectinload(ActionPoint.lead_actor),
                    selectinload(ActionPoint.partners),
                    selectinload(ActionPoint.activities).selectinload(Activity.lead_actor),
                )
            )
        }
        self.seen: dict[tuple[str, object], str] = {}

    def check(self, rows: list[Row]) -> ImportPreview:
        order = {sheet: index for index, sheet in enumerate(SHEETS)}
        # Goals first, then action points: a row may name a goal or action point the file adds.
        new_goals = {self._int(r, "number", quiet=True) for r in rows if r.sheet == "goals"}
        new_codes = {r.values["code"].strip() for r in rows if r.sheet == "action_points"}
        self.file_goals, self.file_codes = new_goals, new_codes
        changes = [self._row(row) for row in sorted(rows, key=lambda r: order[r.sheet])]
        if self.errors:
            raise FileError(self.errors)
        return ImportPreview(self.plan, [c for c in changes if c is not None])

    def _row(self, row: Row) -> RowChange | None:
        errors_before = len(self.errors)
        limits = {**MAX_LENGTHS, **dict.fromkeys(optional_columns(row.sheet), MAX_LENGTHS["title"])}
        for column, limit in limits.items():
            text = row.values.get(column) or ""
            if len(text) > limit:
                self._error(
                    row,
                    column,
                    _(
                        "at most %(max)s characters (%(given)s given).",
                        max=format(limit, ","),
                        given=format(len(text), ","),
                    ),
                )
        if len(self.errors) > errors_before:
            return None
        check = {"goals": self._goal, "action_points": self._action_point}.get(
            row.sheet, self._activity
        )
        values = {"where": row.where, **check(row)}
        if len(self.errors) > errors_before:
            return None
        return self._compare(row, values)

    def _error(self, row: Row, column: str, message: str) -> None:
        self.errors.append(_("%(where)s: %(problem)s", where=row.at(column), problem=message))

    def _required(self, row: Row, column: str) -> str:
        text = row.values[column].strip()
        if not text:
            self._error(row, column, _("required; it is empty."))
        return text

    def _int(self, row: Row, column: str, quiet: bool = False) -> int | None:
        text = row.values[column].strip()
        if text.isascii() and text.isdigit() and 0 < int(text) < 100:
            return int(text)
        if not quiet:
            self._error(
                row,
                column,
                _("%(value)s is not a number from 1 to 99.", value=repr(text or _("(empty)"))),
            )
        return None

    def _date(self, row: Row, column: str) -> date | None:
        text = row.values[column].strip()
        if not text:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            self._error(
                row,
                column,
                _("%(value)s is not a date written YYYY-MM-DD (2026-06-30).", value=repr(text)),
            )
            return None

    def _actor(self, row: Row, column: str, code: str) -> Actor | None:
        actor = self.actors.get(code.strip().upper())
        if actor is None:
            self._error(row, column, _("no actor with the code %(code)s.", code=repr(code.strip())))
        return actor

    def _code(self, row: Row, column: str, example: str) -> str:
        code = self._required(row, column)
        if code and not services.CODE_PATTERN.match(code):
            self._error(
                row,
                column,
                _(
                    "%(value)s is not a code: use letters, digits, dots or hyphens (e.g. "
                    "%(example)s).",
                    value=repr(code),
                    example=example,
                ),
            )
        return code

    def _unique(self, row: Row, key: tuple[str, object], label: str) -> None:
        if key in self.seen:
            self._error(
                row,
                key[0],
                _(
                    "%(what)s appears twice in the file (also %(where)s).",
                    what=label,
                    where=self.seen[key],
                ),
            )
        else:
            self.seen[key] = row.where

    def _goal(self, row: Row) -> dict:
        number = self._int(row, "number")
        if number is not None:
            self._unique(row, ("number", number), _("goal %(key)s", key=number))
        title = services.clean_title(self._required(row, "title"))
        return {
            "number": number,
            "title": title,
            "description": _text(row, "description"),
            # Only the columns the file has: a file without `title_ru` keeps what is stored.
            "translations": {
                column: " ".join(text.split()) or None
                for column in optional_columns(row.sheet)
                if (text := row.values.get(column)) is not None
            },
        }

    def _action_point(self, row: Row) -> dict:
        code = self._code(row, "code", "17 or 3.4")
        if code:
            self._unique(row, ("code", code), _("action point %(key)s", key=code))
        goal = self._int(row, "goal")
        if goal is not None and goal not in self.goals and goal not in self.file_goals:
            self._error(
                row,
                "goal",
                _("no priority goal %(number)s in %(plan)s.", number=goal, plan=self.plan.code),
            )
        partners = [self._actor(row, "partners", c) for c in split_codes(row.values["partners"])]
        return {
            "code": code,
            "goal": goal,
            **self._described(row),
            "partners": list(dict.fromkeys(p for p in partners if p is not None)),
            "target_on": self._date(row, "target_on"),
        }

    def _activity(self, row: Row) -> dict:
        ap_code = self._required(row, "action_point")
        if ap_code and ap_code not in self.action_points and ap_code not in self.file_codes:
            self._error(
                row,
                "action_point",
                _("no action point %(code)s in %(plan)s.", code=ap_code, plan=self.plan.code),
            )
        code = self._code(row, "code", "A1")
        if code:
            self._unique(
                row, ("code", (ap_code, code)), _("activity %(key)s", key=ap_code + "/" + code)
            )
        starts_on, ends_on = self._date(row, "starts_on"), self._date(row, "ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self._error(row, "ends_on", _("the end date is before the start date."))
        return {
            "action_point": ap_code,
            "code": code,
            **self._described(row),
            "starts_on": starts_on,
            "ends_on": ends_on,
            **self._budget(row),
        }

    def _described(self, row: Row) -> dict:
        """The title, description and lead actor an action point and an activity both have."""
        lead = row.values["lead_actor"].strip()
        return {
            "title": services.clean_title(self._required(row, "title")),
            "description": _text(row, "description"),
            "lead_actor": self._actor(row, "lead_actor", lead) if lead else None,
        }

    def _budget(self, row: Row) -> dict:
        amount = row.values["budget_amount"].strip()
        currency = row.values["budget_currency"].strip().upper()
        if not amount and not currency:
            return {"budget_minor": None, "budget_currency": None}
        if not amount or not currency:
            missing = "budget_currency" if amount else "budget_amount"
            self._error(row, missing, _("give a budget amount with its currency, or neither."))
            return {}
        try:
            budget_minor, currency = parse_budget(amount, currency)
        except MoneyError as error:
            self._error(row, f"budget_{error.field}", str(error))
            return {}
        return {"budget_minor": budget_minor, "budget_currency": currency}

    def _compare(self, row: Row, values: dict) -> RowChange:
        sheet = row.sheet
        translations: dict = {}
        if sheet == "goals":
            key, record = str(values["number"]), self.goals.get(values["number"])
            current = _args("goals", values)
            translations = current.pop("translations")
        elif sheet == "action_points":
            key, record = values["code"], self.action_points.get(values["code"])
            current = {**_args("action_points", values), "goal": values["goal"]}
        else:
            key = f"{values['action_point']}/{values['code']}"
            parent = self.action_points.get(values["action_point"])
            siblings = parent.activities if parent else []
            record = next((a for a in siblings if a.code == values["code"]), None)
            current = _args("activities", values)
        if record is None:
            parent = self.action_points.get(values.get("action_point"))
            return RowChange(sheet, key, "create", values, parent=parent)
        changes = {}
        for name, new in current.items():
            old = getattr(record, name)
            if name == "goal":
                old = record.goal.number
            if jsonable(old) != jsonable(new):
                changes[name] = [jsonable(old), jsonable(new)]
        stored = translated_names.translation_values(record, GOAL_TRANSLATED)
        for name, new in translations.items():
            if (stored.get(name) or None) != new:
                changes[name] = [stored.get(name) or None, new]
        return RowChange(sheet, key, "update" if changes else "unchanged", values, changes, record)


def _text(row: Row, column: str) -> str | None:
    return services.clean_text(row.values[column])


def export_rows(plan: Plan) -> dict[str, list[dict[str, str]]]:
    """The plan's current (not retired) goals, action points and activities as text rows."""
    action_points = list(
        db.session.scalars(
            select(ActionPoint)
            .where(ActionPoint.plan_id == plan.id, ActionPoint.retired_at.is_(None))
            .options(
                selectinload(ActionPoint.goal),
                selectinload(ActionPoint.lead_actor),
                selectinload(ActionPoint.partners),
                selectinload(ActionPoint.activities).selectinload(Activity.lead_actor),
            )
            .order_by(ActionPoint.sort_key, ActionPoint.id)
        )
    )
    goals = [g for g in plan.goals if g.retired_at is None]
    return {
        "goals": [
            {
                "number": str(g.number),
                "title": g.title,
                "description": g.description or "",
                **translated_names.translation_values(g, GOAL_TRANSLATED),
            }
            for g in goals
        ],
        "action_points": [
            {
                "code": ap.code,
                "goal": str(ap.goal.number),
                "title": ap.title,
                "description": ap.description or "",
                "lead_actor": ap.lead_actor.code if ap.lead_actor else "",
                "partners": "; ".join(a.code for a in ap.partners),
                "target_on": ap.target_on.isoformat() if ap.target_on else "",
            }
            for ap in action_points
        ],
        "activities": [
            {
                "action_point": ap.code,
                "code": a.code,
                "title": a.title,
                "description": a.description or "",
                "lead_actor": a.lead_actor.code if a.lead_actor else "",
                "starts_on": a.starts_on.isoformat() if a.starts_on else "",
                "ends_on": a.ends_on.isoformat() if a.ends_on else "",
                "budget_amount": amount_text(a.budget_minor, a.budget_currency),
                "budget_currency": a.budget_currency or "",
            }
            for ap in action_points
            for a in ap.activities
            if a.retired_at is None
        ],
    }


def export_plan(plan: Plan, fmt: str) -> bytes:
    """The plan as a file in `fmt` ("csv", "xlsx", "yaml") that imports back unchanged."""
    return write_plan_file(fmt, plan.code, export_rows(plan))


def template(fmt: str) -> bytes:
    """An empty plan file in `fmt`, with the columns (and, in XLSX, instructions)."""
    if fmt == "yaml":
        return yaml_template()
    return write_plan_file(fmt, "BP-CFA-2019", {})
