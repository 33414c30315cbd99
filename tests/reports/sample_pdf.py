"""Progress reports built by hand, for the tests of each format (no database needed)."""

from datetime import UTC, date, datetime

from tracker.reports.model import (
    ActionPointLine,
    ActivityLine,
    Cover,
    FollowUpLine,
    Funding,
    GoalLine,
    MeetingLine,
    Narrative,
    ProgressReport,
    QuarterPoint,
    Reporter,
)

AS_OF = date(2024, 6, 30)
HOSTILE = "#let x = 1 $x$ *b* ] \\ @ref <script>alert(1)</script>"
SCRIPTS = {
    "arabic": "تقدم العمل في خطة عمل بودابست",
    "hebrew": "התקדמות בתוכנית",
    "russian": "Прогресс по плану действий",
    "turkish": "İstanbul ğ ş",
    "chinese": "布达佩斯进程",
}


def narrative(actor_code: str, text: str, **overrides) -> Narrative:
    values = {
        "actor_code": actor_code,
        "actor_name": f"Actor {actor_code}",
        "status": "in_progress",
        "percent": 50,
        "reported_on": date(2024, 5, 2),
        "validated_at": datetime(2024, 5, 3, 9, 30, tzinfo=UTC),
        "narrative": text,
        **overrides,
    }
    return Narrative(**values)


def action_point(code: str, narratives: list[Narrative], **overrides) -> ActionPointLine:
    values = {
        "id": abs(hash(code)) % 100_000,
        "code": code,
        "title": f"Action point {code}",
        "goal_number": int(code.split(".")[0]),
        "lead": "HU",
        "partners": ["AT", "TR"],
        "status": "in_progress" if narratives else "not_reported",
        "percent": 50.0 if narratives else 0.0,
        "reported_on": date(2024, 5, 2) if narratives else None,
        "weight": 1,
        "stale": not narratives,
        "narratives": narratives,
        "activities": [
            ActivityLine(f"{code}-A1", "Training of border officials", "HU", date(2024, 1, 1), None)
        ],
        "funding": Funding(
            need=250_000_000, pledged=120_000_000, committed=100_000_000, disbursed=40_000_00
        ),
        **overrides,
    }
    values["funding"].has_need = True
    return ActionPointLine(**values)


def report(goals: list[GoalLine], **overrides) -> ProgressReport:
    cover = Cover(
        plan_code="BP-TEST",
        plan_title="Call for Action (test)",
        plan_period="2019–2024",
        expected_action_points=41,
        defined_action_points=sum(len(g.action_points) for g in goals),
        as_of=AS_OF,
        is_historical=True,
        period_from=date(2024, 1, 1),
        period_to=AS_OF,
        filters={"goal": ["1"], "actor": []},
        generated_at=datetime(2024, 7, 1, 8, 0, tzinfo=UTC),
        generated_by="Test Secretariat",
    )
    funding = Funding()
    for goal in goals:
        funding.add(goal.funding)
    values = {
        "cover": cover,
        "currency": "EUR",
        "percent": 37.5,
        "counts": {"in_progress": 3, "not_reported": 1},
        "stale": 1,
        "funding": funding,
        "goals": goals,
        "over_time": [QuarterPoint(date(2024, 3, 31), "2024 Q1", 20.0)],
        "meetings": [
            MeetingLine(
                id=1,
                title="Reference Group meeting, Istanbul",
                kind="reference_group",
                starts_at=datetime(2024, 4, 10, 9, tzinfo=UTC),
                place="Istanbul",
                decisions=["Adopt the work plan"],
                follow_ups=[
                    FollowUpLine("Send the draft", "HU", date(2024, 5, 1), "open", overdue=True)
                ],
            )
        ],
        "reporters": [Reporter("HU", "Hungary", {"1.1": 2, "1.2": 1})],
        "notes": [],
        **overrides,
    }
    return ProgressReport(**values)


def goal(number: int, action_points: list[ActionPointLine]) -> GoalLine:
    funding = Funding()
    for ap in action_points:
        funding.add(ap.funding)
    return GoalLine(
        id=number,
        number=number,
        title=f"Priority goal {number}",
        percent=37.5,
        counts={"in_progress": len(action_points)},
        stale=0,
        funding=funding,
        action_points=action_points,
    )
