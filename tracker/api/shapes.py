"""What the API's serializers return, as types: the OpenAPI document's response schemas.

tracker/api/openapi.py turns these into JSON Schema (msgspec), and tests/api's Schemathesis run
checks every answer against them, so a serializer and its declaration cannot drift apart.
Dates and times are ISO 8601 strings on the wire; `date` and `datetime` here say which.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec
from msgspec import Meta


class ErrorDetail(TypedDict):
    code: Annotated[str, Meta(examples=["invalid", "conflict"])]
    message: str
    fields: NotRequired[Annotated[dict[str, str], Meta(description="Each field's problem.")]]
    current: NotRequired[Annotated[Any, Meta(description="On 409: the record as it is now.")]]
    errors: NotRequired[Annotated[list[str], Meta(description="A refused file's problems.")]]
    rows: NotRequired[Annotated[dict[str, Any], Meta(description="A refused row's problems.")]]


class Error(TypedDict):
    """Every error answer (tracker/api/errors.py)."""

    error: ErrorDetail


class Page(TypedDict):
    """A page of a list (tracker/api/pagination.py)."""

    items: list[Any]
    page: Annotated[int, Meta(ge=1)]
    per_page: Annotated[int, Meta(ge=1)]
    total: Annotated[int, Meta(ge=0)]


class Money(TypedDict):
    """An exact amount: a string with the currency's ISO 4217 minor digits. Responses write it
    plainly; a request may also group thousands as people write them (250,000.00, 250.000,00,
    250 000), read by the same rule as the pages (tracker/money.py)."""

    amount: Annotated[str, Meta(pattern=r"^-?\d+(\.\d+)?$", examples=["1250000.00"])]
    currency: Annotated[str, Meta(pattern="^[A-Z]{3}$", examples=["EUR"])]


class PlanSummary(TypedDict):
    id: int
    code: str
    title: str
    short_title: str | None
    starts_on: date
    ends_on: date
    expected_action_points: int | None
    defined_action_points: int
    sources: Annotated[list[str], Meta(description="Public sources.")]
    source_confidence: Literal["high", "medium", "low"] | None


class Plan(PlanSummary):
    goals: list[Goal]


class Goal(TypedDict):
    id: int
    plan: NotRequired[Annotated[str, Meta(description="Plan code (not inside a Plan).")]]
    number: int
    title: str
    description: str | None
    version: int
    retired_at: datetime | None
    sources: Annotated[list[str], Meta(description="Public sources.")]
    source_confidence: Literal["high", "medium", "low"] | None
    action_points: list[ActionPointBrief]


class ActionPointBrief(TypedDict):
    id: int
    code: str
    title: str
    lead_actor: str | None
    target_on: date | None
    version: int


class ActionPointSummaryGoal(TypedDict):
    id: int
    number: int


class ActionPointSummary(TypedDict):
    id: int
    plan: str
    goal: ActionPointSummaryGoal
    code: str
    title: str
    lead_actor: str | None
    partners: list[str]
    target_on: date | None
    version: int
    retired_at: datetime | None


class Reference(TypedDict):
    id: int
    reference: Annotated[str, Meta(examples=["BP-CFA-2025:3"])]


class ActionPoint(ActionPointSummary):
    description: str | None
    created_at: datetime
    updated_at: datetime
    activities: list[Activity]
    continued_in: list[Reference]
    continues: list[Reference]


class ActivityActionPoint(TypedDict):
    id: int
    code: str


class Activity(TypedDict):
    id: int
    action_point: ActivityActionPoint
    code: str
    title: str
    description: str | None
    lead_actor: str | None
    starts_on: date | None
    ends_on: date | None
    budget: Money | None
    version: int
    retired_at: datetime | None
    created_at: datetime


class Actor(TypedDict):
    id: int
    code: str
    name: str
    kind: Literal["participating_state", "observer_state", "organisation"]
    region: str | None
    note: str | None
    version: int
    retired_at: datetime | None
    sources: Annotated[list[str], Meta(description="Public sources.")]
    source_confidence: Literal["high", "medium", "low"] | None


class UpdateActionPoint(TypedDict):
    id: int
    code: str
    plan: str


class EvidenceFile(TypedDict):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str


class Update(TypedDict):
    evidence_files: NotRequired[list[EvidenceFile]]
    id: int
    action_point: UpdateActionPoint
    activity_id: int | None
    actor: str
    status: Literal[
        "not_started", "planned", "in_progress", "ongoing", "completed", "on_hold", "discontinued"
    ]
    percent: int
    narrative: str | None
    evidence_links: list[str]
    reported_on: date
    workflow: Literal["draft", "submitted", "validated", "returned"]
    return_reason: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    validated_at: datetime | None
    version: int


class Round(TypedDict):
    id: int
    plan: str
    title: str
    opens_on: date
    deadline: date
    closed_at: datetime | None


class WorkingGroup(TypedDict):
    id: int
    code: str
    name: str
    chair: Annotated[str | None, Meta(description="Actor code.")]
    note: str | None
    members: Annotated[list[str], Meta(description="Actor codes.")]
    version: Annotated[int, Meta(description="The version you read and edited.")]
    retired_at: datetime | None


class Seat(TypedDict):
    id: int
    actor: str
    role: str
    joined_on: date | None
    left_on: date | None


class ImportResult(TypedDict):
    plan: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    changes: list[str]


class Totals(TypedDict):
    """Sums in the reporting currency. Entries with no rate on or before their value date are left
    out (never guessed) and counted; `complete` is false then."""

    pledged: Money
    committed: Money
    disbursed: Money
    complete: bool
    entries_without_rate: int
    currencies_without_rate: list[str]


class PledgeTarget(TypedDict):
    kind: Literal["plan", "goal", "action_point", "activity"]
    id: int
    label: str


class Pledge(TypedDict):
    id: int
    actor: str
    plan: str
    target: PledgeTarget
    currency: str
    pledged_on: date
    purpose: str
    reference: str | None
    pledged: Money
    committed: Money
    disbursed: Money
    version: int


class LedgerEntry(TypedDict):
    id: int
    kind: Literal["pledged", "committed", "disbursed"]
    amount: Money
    value_date: date
    reason: str | None
    rate: Annotated[
        str | None,
        Meta(
            description=(
                "Reporting currency per unit, the latest rate on or before the value "
                "date; null: no rate."
            )
        ),
    ]
    rate_date: date | None
    converted: Money | None
    recorded_by: NotRequired[str]
    recorded_at: NotRequired[datetime]


class PledgeDetail(Pledge):
    entries: list[LedgerEntry]
    in_reporting_currency: Totals


class ExchangeRate(TypedDict):
    id: int
    currency: str
    reporting_currency: str
    rate: Annotated[str, Meta(description="Reporting currency per unit.")]
    valid_on: date
    source: str | None


class FundingNeed(TypedDict):
    id: int | None
    label: str
    need: Money | None
    budgets_without_rate: int
    committed: Totals
    gap: Money | None
    coverage_percent: str | None


class DocumentActionPoint(TypedDict):
    id: int
    code: str


class Document(TypedDict):
    id: int
    action_point: DocumentActionPoint
    title: str
    filename: Annotated[str, Meta(description="The uploader's name for it, cleaned.")]
    media_type: Annotated[str, Meta(description="Detected from the content.")]
    size: Annotated[int, Meta(description="Bytes.")]
    sha256: str
    created_at: datetime
    retired_at: datetime | None
    download_url: str


class AuditEventUser(TypedDict):
    id: int
    email: str
    name: str


class AuditEventEntity(TypedDict):
    type: str
    id: int


class AuditEvent(TypedDict):
    id: int
    occurred_at: datetime
    user: AuditEventUser | None
    agent: Annotated[str | None, Meta(description="Who acted when no user did.")]
    address: Annotated[str | None, Meta(description="Client address (security events).")]
    action: str
    entity: AuditEventEntity | None
    summary: str
    changes: Annotated[dict[str, list[Any]], Meta(description="{field: [before, after]}")]


class User(TypedDict):
    id: int
    email: str
    name: str
    role: Literal["admin", "member", "focal_point", "viewer"]
    actor: Annotated[str | None, Meta(description="Code of its state or organisation.")]
    is_active: bool
    has_password: Annotated[
        bool,
        Meta(
            description=(
                "False for an invited account whose person has not chosen a password "
                "yet (nobody can sign in to it until then)."
            )
        ),
    ]
    created_at: datetime
    last_sign_in_at: datetime | None


class HandOverResultMoved(TypedDict):
    """Ids of what now rests with the successor."""

    updates: list[int]
    pledges: list[int]


class HandOverResult(TypedDict):
    user: Annotated[User, Meta(description="The departing account, now deactivated.")]
    successor: User
    moved: Annotated[
        HandOverResultMoved, Meta(description="Ids of what now rests with the successor.")
    ]


class Token(TypedDict):
    id: int
    name: str
    prefix: Annotated[str, Meta(description="The token's first 12 characters.")]
    created_at: datetime
    last_used_at: Annotated[datetime | None, Meta(description="To the minute.")]
    revoked_at: datetime | None
    is_active: bool


class NotificationSubject(TypedDict):
    """The record it is about: its table and id."""

    type: str
    id: int


class Notification(TypedDict):
    id: int
    kind: Literal[
        "update_returned",
        "update_validated",
        "update_submitted",
        "round_opened",
        "round_deadline",
        "follow_up_due",
        "follow_up_overdue",
        "meeting_scheduled",
        "meeting_moved",
        "meeting_cancelled",
        "decision_recorded",
        "minutes_recorded",
    ]
    subject: Annotated[
        NotificationSubject, Meta(description="The record it is about: its table and id.")
    ]
    text: str
    detail: Annotated[str | None, Meta(description="A returned update's reason, …")]
    link: Annotated[str, Meta(description="The page it is about (a path).")]
    created_at: datetime
    read_at: datetime | None
    emailed_at: Annotated[datetime | None, Meta(description="When its mail was queued.")]


class NotificationSettings(TypedDict):
    delivery: Annotated[
        Literal["at_once", "daily", "none"],
        Meta(description="By mail at once (the default), in a daily digest, or not at all."),
    ]


class MeetingSummary(TypedDict):
    id: int
    kind: Literal[
        "ministerial_conference",
        "senior_officials_meeting",
        "reference_group",
        "working_group",
        "joint_working_group",
        "thematic",
    ]
    series: Annotated[str, Meta(description="Series key, e.g. reference-group.")]
    number: Annotated[int | None, Meta(description="Number in the series.")]
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: Annotated[str | None, Meta(description="IANA name, e.g. Europe/Budapest.")]
    place: str | None
    is_virtual: bool
    url: Annotated[str | None, Meta(description="http(s) link to join.")]
    host_actor: Annotated[str | None, Meta(description="Actor code.")]
    plan: str
    cancelled_at: Annotated[
        datetime | None, Meta(description="When the meeting was cancelled (null: it was not).")
    ]
    version: int


class FollowUp(TypedDict):
    id: int
    meeting_id: int
    decision_id: int | None
    text: str
    owner: Annotated[str, Meta(description="Actor code.")]
    due_on: date
    status: Literal["open", "in_progress", "done", "dropped"]
    overdue: bool
    version: int
    notes: list[FollowUpNote]


class FollowUpNote(TypedDict):
    status: Literal["open", "in_progress", "done", "dropped"]
    note: str
    created_at: datetime


class Participant(TypedDict):
    actor: str
    attendance: Literal["invited", "attended", "excused", "absent"]


class AgendaItem(TypedDict):
    id: int
    position: int
    title: str
    action_point: Annotated[str | None, Meta(description="Action point code.")]
    goal: Annotated[int | None, Meta(description="Goal number.")]
    carried_from: Annotated[int | None, Meta(description="The agenda item it was carried from.")]


class MinutesVersion(TypedDict):
    version: int
    created_at: datetime


class Minutes(MinutesVersion):
    text: str


class Attachment(TypedDict):
    id: int
    filename: str
    size: int


class Meeting(MeetingSummary):
    participants: list[Participant]
    agenda_items: list[AgendaItem]
    minutes: Minutes | None
    minutes_versions: list[MinutesVersion]
    attachments: list[Attachment]
    decisions: list[Decision]
    follow_ups: list[FollowUp]


class Decision(TypedDict):
    id: int
    text: str
    action_points: Annotated[
        list[str], Meta(description="Codes of action points of the meeting's plan.")
    ]
    version: Annotated[int, Meta(description="The version you read and edited.")]


class CalendarFeed(TypedDict):
    active: bool
    created_at: datetime | None
    last_used_at: Annotated[datetime | None, Meta(description="Noted to the minute.")]


class CalendarFeedCreated(TypedDict):
    active: bool
    created_at: datetime | None
    last_used_at: Annotated[datetime | None, Meta(description="Noted to the minute.")]
    url: Annotated[
        str,
        Meta(
            description=(
                "The subscription address, e.g. https://host/meetings/feed/bpf_….ics; "
                "shown once. Keep it secret."
            )
        ),
    ]


# Every figure of ReportFunding is one of these.
ReportAmount = Annotated[
    str | None,
    Meta(description="An exact amount in the report's currency; null: no need was set."),
]


class ReportFunding(TypedDict):
    """In the reporting currency; gap = need - committed. `missing`: entries or budgets left out
    for want of an exchange rate on or before their date."""

    need: ReportAmount
    pledged: ReportAmount
    committed: ReportAmount
    disbursed: ReportAmount
    gap: ReportAmount
    missing: int


class ProgressReportCover(TypedDict):
    plan_code: str
    plan_title: str
    as_of: date
    is_historical: bool
    period_from: date
    period_to: date
    filters: dict[str, Any]
    generated_at: datetime
    generated_by: str
    published_for: str | None
    state: str


class ProgressReportGoalsItemActionPointsItem(TypedDict):
    id: int
    code: str
    title: str
    status: Annotated[
        str,
        Meta(
            description=(
                "A progress status (not_started, planned, in_progress, ongoing, "
                "completed, on_hold, discontinued), or not_reported: no validated "
                "update."
            )
        ),
    ]
    percent: float
    stale: bool
    narratives: list[dict[str, Any]]
    funding: ReportFunding


class ProgressReportGoalsItem(TypedDict):
    id: int
    number: int
    title: str
    percent: float
    funding: ReportFunding
    action_points: list[ProgressReportGoalsItemActionPointsItem]


class ProgressReport(TypedDict):
    """The progress report's data object, which the PDF, XLSX and CSV render too. Only validated
    updates appear; percents are 0-100 with one decimal."""

    cover: ProgressReportCover
    currency: str
    percent: float
    counts: dict[str, int]
    stale: int
    funding: ReportFunding
    goals: list[ProgressReportGoalsItem]
    over_time: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    reporters: list[dict[str, Any]]
    notes: list[str]


class PublishedFile(TypedDict):
    filename: str
    media_type: str
    size: int
    sha256: str
    url: Annotated[str, Meta(description="Where to download it, byte for byte.")]


class PublishedReportFiles(TypedDict):
    pdf: PublishedFile
    xlsx: PublishedFile
    csv: PublishedFile
    json: PublishedFile


class PublishedReport(TypedDict):
    """A round's progress report as published: four files, never made again."""

    id: int
    plan: str
    round: Round
    as_of: Annotated[
        date,
        Meta(
            description=(
                "The round's deadline if it had passed when published, else the day published."
            )
        ),
    ]
    published_at: datetime
    published_by: str
    files: PublishedReportFiles
    url: str


class Change(TypedDict):
    """The value in each report; change: new - old (null when not a number)."""

    old: Any
    new: Any
    change: Any


class ReportComparisonActionPointsItemNarrativesItem(TypedDict):
    actor_code: str
    change: Literal["changed", "added", "removed"]
    old: str | None
    new: str | None
    diff: Annotated[
        list[Any] | None,
        Meta(
            description=(
                "Word runs [op, text], op one of equal, delete, insert; long "
                "unchanged runs cut to a few words."
            )
        ),
    ]


class ReportComparisonActionPointsItem(TypedDict):
    id: int
    code: str
    title: str
    status: Change | None
    percent: Change | None
    funding: Annotated[
        dict[str, Change], Meta(description="need, pledged, committed, disbursed: where changed.")
    ]
    narratives: list[ReportComparisonActionPointsItemNarrativesItem]


_ComparisonEnds = TypedDict(
    "_ComparisonEnds", {"from": PublishedReport, "to": PublishedReport | Literal["now"]}
)


class ReportComparison(_ComparisonEnds):
    """What changed from one published report to another, or to now."""

    covers: Annotated[dict[str, Any], Meta(description="Both reports' as-of dates and states.")]
    plan_code: str
    currency: str
    notes: list[str]
    plan: Annotated[
        Change,
        Meta(description="The value in each report; change: new - old (null when not a number)."),
    ]
    funding: dict[str, Change]
    counts: Annotated[
        dict[str, Any], Meta(description="Action points per status, where it changed.")
    ]
    goals: list[Change]
    action_points: Annotated[
        list[ReportComparisonActionPointsItem], Meta(description="Only those that changed.")
    ]
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    unchanged: int


Status = Literal[
    "not_started", "planned", "in_progress", "ongoing", "completed", "on_hold", "discontinued"
]


class OverallStatus(TypedDict):
    update_id: int
    status: Status
    percent: int
    reported_on: date
    validated_at: datetime


class ActionPointProgress(TypedDict):
    overall: OverallStatus | None


class PlanProgress(TypedDict):
    percent: Annotated[float, Meta(description="Weighted mean of the action points' percents.")]
    action_points: list[ActionPointProgress]
    stale: int
    counts: Annotated[
        dict[str, int],
        Meta(description="Action points per overall status (not_reported: none validated)."),
    ]
    goals: list[Any]


class Timeline(TypedDict):
    items: list[dict[str, Any]]
    next_before: Annotated[int | None, Meta(description="`before` for the next 100.")]


class Weight(TypedDict):
    id: int
    weight: int


class FundingNeedSet(TypedDict):
    budget: Money | None


class Marked(TypedDict):
    marked: Annotated[int, Meta(ge=0)]


# Bodies that views check without a form (the others: tracker/api/schema.py reads the forms).
class Step(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[
        int | None, Meta(description="Optional: the version you saw; a newer one gives 409.")
    ] = None


class ReturnReason(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=5000)]
    version: int | None = None


class WeightInput(msgspec.Struct, forbid_unknown_fields=True):
    weight: Annotated[int, Meta(ge=0, le=100)]


class BulkRow(msgspec.Struct):
    action_point: Annotated[str, Meta(description="Action point code")]
    status: Status
    percent: int | None = None
    narrative: str | None = None
    evidence_links: list[str] = []


class BulkUpdates(msgspec.Struct):
    reported_on: date
    rows: list[BulkRow]
    actor: str | None = None
    submit: bool = False


class RoundCreate(msgspec.Struct):
    plan: str
    title: Annotated[str, Meta(max_length=200)]
    opens_on: date
    deadline: date


class Remind(msgspec.Struct, forbid_unknown_fields=True):
    actor: Annotated[str, Meta(max_length=20)] | None = None


class PledgeTargetInput(msgspec.Struct):
    kind: Literal["plan", "goal", "action_point", "activity"]
    id: int


class PledgeCreate(msgspec.Struct, forbid_unknown_fields=True):
    actor: Annotated[str, Meta(description="Actor code; a focal point: its own.")]
    target: PledgeTargetInput
    amount: Money
    pledged_on: date
    purpose: Annotated[str, Meta(max_length=500)]
    reference: Annotated[str, Meta(max_length=100)] | None = None


class EntryCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A negative amount is a reduction or cancellation and needs a reason. Rules:
    0 <= disbursed <= committed <= pledged."""

    kind: Literal["pledged", "committed", "disbursed"]
    amount: Money
    value_date: date
    reason: Annotated[str, Meta(max_length=500)] | None = None


class ExchangeRateCreate(msgspec.Struct, forbid_unknown_fields=True):
    currency: str
    rate: Annotated[str, Meta(examples=["0.9245"])]
    valid_on: date
    source: str | None = None


class FundingNeedInput(msgspec.Struct, forbid_unknown_fields=True):
    budget: Annotated[Money | None, Meta(description="null clears the budget.")] = None
