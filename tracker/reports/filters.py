"""What a report or the dashboard is narrowed to, read from a query string (pages, API) or from
command-line options, with one set of messages for everything a user can get wrong."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tracker.actors.models import Actor, WorkingGroup
from tracker.db import db, utcnow
from tracker.i18n import languages
from tracker.plan.models import ActionPoint, Plan, PriorityGoal

FORMATS = ("html", "pdf", "xlsx", "csv", "json")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class ReportFilterError(ValueError):
    """Filters that name nothing real, or dates out of bounds: {field: message}."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass
class ReportFilters:
    plan: Plan
    goals: list[PriorityGoal] = field(default_factory=list)  # empty: every goal
    actors: list[Actor] = field(default_factory=list)  # empty: every actor
    working_group: WorkingGroup | None = None
    period_from: date | None = None  # None: a year before the report's day
    period_to: date | None = None  # None: the as-of date
    as_of: date | None = None  # None: now, from the current summary rows
    # The language the report is written in (a code of i18n.languages()); None: the reader's
    # interface language. Not a filter of the content: it changes the words, not the figures.
    language: str | None = None

    @property
    def day(self) -> date:
        """The day the report stands at."""
        return self.as_of or utcnow().date()

    @property
    def cutoff(self) -> datetime:
        """The end of that day (UTC): what happened before it counts."""
        return datetime.combine(self.day + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def start(self) -> date:
        """The period's first day: as asked, else a year before the report's day (a year of
        meetings and reporting is what a progress report covers), never before the plan."""
        if self.period_from is not None:
            return self.period_from
        day = self.day - timedelta(days=self.day.month == 2 and self.day.day == 29)
        year_before = day.replace(year=day.year - 1) + timedelta(days=1)
        return max(self.plan.starts_on, year_before)

    @property
    def end(self) -> date:
        return min(self.period_to or self.day, self.day)

    def described(self) -> dict[str, list[str] | str]:
        """The filters as the user named them (the report's cover): actors and working groups by
        name, as the filter lists offer them."""
        out: dict[str, list[str] | str] = {}
        if self.goals:
            out["goals"] = [str(goal.number) for goal in self.goals]
        if self.actors:
            out["actors"] = [actor.name for actor in self.actors]
        if self.working_group is not None:
            out["working_group"] = self.working_group.name
        return out

    def query_args(self) -> dict[str, list[str] | str]:
        """The filters as query-string arguments: a link that reproduces the view."""
        args: dict[str, list[str] | str] = {"plan": self.plan.code}
        if self.goals:
            args["goal"] = [str(goal.number) for goal in self.goals]
        if self.actors:
            args["actor"] = [actor.code for actor in self.actors]
        if self.working_group is not None:
            args["working_group"] = self.working_group.code
        if self.period_from is not None:
            args["from"] = self.period_from.isoformat()
        if self.period_to is not None:
            args["to"] = self.period_to.isoformat()
        if self.as_of is not None:
            args["as_of"] = self.as_of.isoformat()
        if self.language is not None:
            args["language"] = self.language
        return args


def default_plan() -> Plan | None:
    """The newest plan that has action points (the demo's DEMO), else the newest plan."""
    with_points = select(ActionPoint.plan_id).where(ActionPoint.retired_at.is_(None))
    newest = select(Plan).order_by(Plan.starts_on.desc(), Plan.id.desc()).limit(1)
    return db.session.scalar(newest.where(Plan.id.in_(with_points))) or db.session.scalar(newest)


def _date(args: MultiDict, name: str, errors: dict[str, str]) -> date | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("'%(text)s' is not a date: write it as YYYY-MM-DD.", text=text[:40])
        return None


def report_language(value: str | None) -> str | None:
    """A report's language from its argument: a code of i18n.languages(), or None when not
    given (the reader's interface language); ReportFilterError names the field otherwise."""
    code = (value or "").strip().lower()
    if not code:
        return None
    if code not in languages():
        raise ReportFilterError(
            {
                "language": _(
                    "No language '%(code)s': choose one of %(languages)s.",
                    code=code[:20],
                    languages=", ".join(languages()),
                )
            }
        )
    return code


def parse_filters(args: MultiDict, *, default_plan_code: str | None = None) -> ReportFilters:
    """ReportFilters from `plan`, `goal` (repeatable), `actor` (repeatable), `working_group`,
    `from`, `to`, `as_of` and `language`; every problem at once, by field."""
    errors: dict[str, str] = {}
    code = (args.get("plan") or default_plan_code or "").strip()
    plan = (
        db.session.scalar(select(Plan).where(func.upper(Plan.code) == code.upper()))
        if code
        else default_plan()
    )
    if plan is None:
        raise ReportFilterError(
            {"plan": _("No plan '%(code)s'.", code=code[:40]) if code else _("No plan yet.")}
        )
    filters = ReportFilters(plan=plan)
    filters.goals = _goals(plan, args.getlist("goal"), errors)
    filters.actors = _actors(args.getlist("actor"), errors)
    if wg_code := (args.get("working_group") or "").strip():
        filters.working_group = db.session.scalar(
            select(WorkingGroup).where(func.upper(WorkingGroup.code) == wg_code.upper())
        )
        if filters.working_group is None:
            errors["working_group"] = _("No working group '%(code)s'.", code=wg_code[:40])
    filters.as_of = _date(args, "as_of", errors)
    filters.period_from = _date(args, "from", errors)
    filters.period_to = _date(args, "to", errors)
    today = utcnow().date()
    if filters.as_of is not None:
        if filters.as_of > today:
            errors["as_of"] = _(
                "%(day)s is in the future: choose today or a past day.", day=filters.as_of
            )
        elif filters.as_of < plan.starts_on:
            errors["as_of"] = _(
                "%(plan)s starts on %(day)s: choose a date from then on.",
                plan=plan.code,
                day=plan.starts_on,
            )
        elif filters.as_of == today:
            filters.as_of = None  # today is "now": the current summary rows serve it
    if filters.period_from and filters.period_to and filters.period_from > filters.period_to:
        errors["to"] = _("The period ends before it starts.")
    try:
        filters.language = report_language(args.get("language"))
    except ReportFilterError as error:
        errors.update(error.fields)
    if errors:
        raise ReportFilterError(errors)
    return filters


def _goals(plan: Plan, numbers: list[str], errors: dict[str, str]) -> list[PriorityGoal]:
    wanted = [n.strip() for n in numbers if n.strip()]
    if not wanted:
        return []
    goals = {
        str(g.number): g
        for g in db.session.scalars(select(PriorityGoal).where(PriorityGoal.plan_id == plan.id))
    }
    unknown = [n for n in wanted if n not in goals]
    if unknown:
        errors["goal"] = _(
            "No priority goal %(numbers)s in %(plan)s.",
            numbers=", ".join(u[:10] for u in unknown[:5]),
            plan=plan.code,
        )
    return sorted({goals[n] for n in wanted if n in goals}, key=lambda g: g.number)


def _actors(codes: list[str], errors: dict[str, str]) -> list[Actor]:
    wanted = {c.strip().upper() for c in codes if c.strip()}
    if not wanted:
        return []
    actors = list(db.session.scalars(select(Actor).where(func.upper(Actor.code).in_(wanted))))
    unknown = wanted - {a.code.upper() for a in actors}
    if unknown:
        errors["actor"] = _(
            "No actor %(codes)s.", codes=", ".join(sorted(u[:16] for u in unknown)[:5])
        )
    return sorted(actors, key=lambda a: (a.name, a.code))
