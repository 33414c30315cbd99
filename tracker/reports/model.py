"""The progress report as data: one object, built once per request, that every format renders.

The web page, PDF, XLSX, CSV and JSON all read a `ProgressReport`, so the five cannot disagree.
Money is in integer minor units of `report.currency` (the reporting currency); percents are
floats 0–100 rounded to one decimal; dates are `date`, moments `datetime` in UTC.
`to_json()` is the JSON format itself (money as exact strings, as everywhere in the API).
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from tracker.meetings.models import FollowUpStatus, MeetingKind
from tracker.money import format_minor
from tracker.progress.models import Status

NOT_REPORTED = "not_reported"  # the status bucket of action points with no validated update


def _enum_label(enum_class, value: str | None) -> str:
    try:
        return str(enum_class(value).label)
    except ValueError:  # a value an older report kept and the enum no longer has
        return str(value).replace("_", " ").capitalize()


def status_label(value: str | None) -> str:
    """An action point's status as every rendering of a report names it: the status's own label
    (Status.label, as the pages say it), and "Not reported" for the bucket without updates."""
    if value in (None, NOT_REPORTED):
        return _("Not reported")
    return _enum_label(Status, value)


def meeting_kind_label(value: str) -> str:
    return _enum_label(MeetingKind, value)


def follow_up_status_label(value: str) -> str:
    return _enum_label(FollowUpStatus, value)


@dataclass
class Funding:
    """Need, pledged, committed, disbursed in the reporting currency; gap = need - committed."""

    need: int = 0
    pledged: int = 0
    committed: int = 0
    disbursed: int = 0
    has_need: bool = False
    # Entries or budgets left out of the sums: no exchange rate on or before their date.
    missing: int = 0

    @property
    def gap(self) -> int:
        return self.need - self.committed

    def add(self, other: "Funding") -> None:
        self.need += other.need
        self.pledged += other.pledged
        self.committed += other.committed
        self.disbursed += other.disbursed
        self.has_need = self.has_need or other.has_need
        self.missing += other.missing


@dataclass
class Narrative:
    """One reporting actor's latest validated update on an action point."""

    actor_code: str
    actor_name: str
    status: str
    percent: int
    reported_on: date
    validated_at: datetime
    narrative: str  # Markdown as written: each format renders or trims it safely


@dataclass
class ActivityLine:
    code: str
    title: str
    lead: str | None  # actor code
    starts_on: date | None
    ends_on: date | None
    lead_name: str | None = None


@dataclass
class ActionPointLine:
    id: int
    code: str
    title: str
    goal_number: int
    lead: str | None  # actor code
    partners: list[str]  # actor codes
    status: str  # a Status value, or NOT_REPORTED
    percent: float
    reported_on: date | None
    weight: int
    stale: bool
    narratives: list[Narrative]
    activities: list[ActivityLine]
    funding: Funding
    lead_name: str | None = None
    partner_names: list[str] = field(default_factory=list)  # in the order of `partners`


@dataclass
class GoalLine:
    id: int
    number: int
    title: str
    percent: float
    counts: dict[str, int]  # status (or NOT_REPORTED) -> action points
    stale: int
    funding: Funding
    action_points: list[ActionPointLine]


@dataclass
class FollowUpLine:
    text: str
    owner: str  # actor code
    due_on: date
    status: str  # as of the report's date
    overdue: bool
    owner_name: str | None = None


@dataclass
class MeetingLine:
    id: int
    title: str
    kind: str
    starts_at: datetime
    place: str | None
    decisions: list[str]
    follow_ups: list[FollowUpLine]


@dataclass
class QuarterPoint:
    ends_on: date
    label: str  # "2024 Q2"
    percent: float


@dataclass
class Reporter:
    """A row of the annex: who reported on what in the period (validated updates)."""

    actor_code: str
    actor_name: str
    counts: dict[str, int]  # action point code -> validated updates in the period

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Cover:
    plan_code: str
    plan_title: str
    plan_period: str
    expected_action_points: int | None
    defined_action_points: int
    as_of: date
    is_historical: bool  # built from history ("as of" a past date), not the current summary rows
    period_from: date
    period_to: date
    filters: dict[str, list[str] | str]  # what the report is narrowed to, as the user named it
    generated_at: datetime
    generated_by: str
    published_for: str | None = None  # the round's title once published; None: DRAFT

    @property
    def state(self) -> str:
        """The state as the JSON data says it (English, as every key and code of the data)."""
        return f"Published for {self.published_for}" if self.published_for else "DRAFT"

    @property
    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters as a reader sees them: (name, what was chosen), in the report's language."""
        names = {
            "goals": _("Priority goals"),
            "actors": _("Actors"),
            "working_group": _("Working group"),
        }
        return [
            (names.get(key, key), value if isinstance(value, str) else ", ".join(value))
            for key, value in self.filters.items()
            if value
        ]

    @property
    def state_label(self) -> str:
        """The state as a reader sees it, in the report's language."""
        if self.published_for:
            return _("Published for %(round)s", round=self.published_for)
        return _("DRAFT")


@dataclass
class ProgressReport:
    cover: Cover
    currency: str
    percent: float
    counts: dict[str, int]
    stale: int
    funding: Funding
    goals: list[GoalLine]
    over_time: list[QuarterPoint]
    meetings: list[MeetingLine]
    reporters: list[Reporter]
    notes: list[str] = field(default_factory=list)  # what a reader must know (e.g. 0 of 41)

    @property
    def action_points(self) -> list[ActionPointLine]:
        return [ap for goal in self.goals for ap in goal.action_points]

    def money(self, amount_minor: int) -> str:
        return format_minor(amount_minor, self.currency)

    def to_json(self) -> dict:
        """The JSON format: this object, with money as exact strings and dates in ISO 8601."""
        return _jsonable(
            {
                "cover": {**asdict(self.cover), "state": self.cover.state},
                "currency": self.currency,
                "percent": self.percent,
                "counts": self.counts,
                "stale": self.stale,
                "funding": self._funding(self.funding),
                "goals": [
                    {
                        **{k: v for k, v in asdict(g).items() if k not in ("funding",)},
                        "funding": self._funding(g.funding),
                        "action_points": [
                            {**asdict(ap), "funding": self._funding(ap.funding)}
                            for ap in g.action_points
                        ],
                    }
                    for g in self.goals
                ],
                "over_time": [asdict(p) for p in self.over_time],
                "meetings": [asdict(m) for m in self.meetings],
                "reporters": [{**asdict(r), "total": r.total} for r in self.reporters],
                "notes": self.notes,
            }
        )

    def _funding(self, funding: Funding) -> dict:
        return {
            "need": self.money(funding.need) if funding.has_need else None,
            "pledged": self.money(funding.pledged),
            "committed": self.money(funding.committed),
            "disbursed": self.money(funding.disbursed),
            "gap": self.money(funding.gap) if funding.has_need else None,
            "missing": funding.missing,
        }


def roll_up(goals: list[GoalLine]) -> tuple[float, dict[str, int], int]:
    """Set each goal's percent (the weighted mean of its action points'), status counts and
    stale count from its action point lines; return the plan's three."""
    counts: dict[str, int] = {}
    weight = weighted = stale = 0
    for goal in goals:
        goal.counts, goal.stale = {}, 0
        g_weight = g_weighted = 0
        for ap in goal.action_points:
            goal.counts[ap.status] = goal.counts.get(ap.status, 0) + 1
            goal.stale += ap.stale
            g_weight += ap.weight
            g_weighted += ap.weight * ap.percent
        goal.percent = round(g_weighted / g_weight, 1) if g_weight else 0.0
        for status, n in goal.counts.items():
            counts[status] = counts.get(status, 0) + n
        weight, weighted, stale = weight + g_weight, weighted + g_weighted, stale + goal.stale
    return (round(weighted / weight, 1) if weight else 0.0), counts, stale


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
