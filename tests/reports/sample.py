"""A progress report built by hand (no database), for the tests of the file formats."""

from datetime import UTC, date, datetime

from tracker.reports.model import (
    NOT_REPORTED,
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

HOSTILE = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)"]
UNICODE = "Миграция · Göç · الهجرة · 移民"
STATUSES = ["in_progress", "completed", "planned", "on_hold"]


def sample_report(
    action_points: int = 5, narratives: int = 2, goals: int = 6, currency: str = "EUR"
) -> ProgressReport:
    """`action_points` spread over `goals`, each with `narratives` narratives; hostile and
    Unicode text in the first ones; one action point in four has no validated update."""
    lines = []
    for n in range(action_points):
        reported = n % 4 != 3
        lines.append(
            ActionPointLine(
                id=n + 1,
                code=str(n + 1) if n else "3.4",
                title=HOSTILE[n % 4] if n < 4 else f"{UNICODE} {n}",
                goal_number=n % goals + 1,
                lead="HU" if n % 2 else "=cmd|' /C calc'!A0",
                partners=["AT", "TR"] if n % 3 else [],
                status=STATUSES[n % 4] if reported else NOT_REPORTED,
                percent=[42.5, 100.0, 5.0, 0.0][n % 4],
                reported_on=date(2024, 6, n % 28 + 1) if reported else None,
                weight=1 + n % 2,
                stale=n % 5 == 0,
                narratives=[
                    Narrative(
                        actor_code=["HU", "TR", "ICMPD"][k % 3],
                        actor_name=f"{UNICODE} actor {k}",
                        status=STATUSES[n % 4],
                        percent=[50, 100, 5, 0][n % 4],
                        reported_on=date(2024, 5, k + 1),
                        validated_at=datetime(2024, 5, k + 2, 9, 30, tzinfo=UTC),
                        narrative=(HOSTILE[k % 4] + "\n- point\n# heading " + "x" * 600)
                        if n < 2
                        else f"Narrative {n}.{k} {UNICODE}",
                    )
                    for k in range(narratives if reported else 0)
                ],
                activities=[ActivityLine(f"A{n}", f"@activity {n}", "TR", date(2024, 1, 1), None)],
                funding=Funding(
                    need=250_000_000 + n if n % 2 else 0,
                    pledged=125_000_000 + n,
                    committed=100_000_001,
                    disbursed=-1 if n == 1 else 50_000_000,
                    has_need=bool(n % 2),
                    missing=int(n % 3 == 0),
                ),
            )
        )
    goal_lines = []
    for g in range(goals):
        mine = [ap for ap in lines if ap.goal_number == g + 1]
        funding = Funding()
        counts: dict[str, int] = {}
        for ap in mine:
            funding.add(ap.funding)
            counts[ap.status] = counts.get(ap.status, 0) + 1
        goal_lines.append(
            GoalLine(
                id=g + 1,
                number=g + 1,
                title=f"Goal {g + 1} {UNICODE}" if g else "=1+1 goal",
                percent=[37.3, 0.0, 100.0, 12.5, 66.7, 50.0][g % 6],
                counts=counts,
                stale=sum(ap.stale for ap in mine),
                funding=funding,
                action_points=mine,
            )
        )
    total, counts = Funding(), {}
    for goal in goal_lines:
        total.add(goal.funding)
        for status, count in goal.counts.items():
            counts[status] = counts.get(status, 0) + count
    return ProgressReport(
        cover=Cover(
            plan_code="BP-CFA-2019",
            plan_title=f"Call for Action {UNICODE}",
            plan_period="2019–2024",
            expected_action_points=41,
            defined_action_points=action_points,
            as_of=date(2024, 6, 30),
            is_historical=True,
            period_from=date(2024, 1, 1),
            period_to=date(2024, 6, 30),
            filters={"goals": ["1", "2"], "actor": "+HU"},
            generated_at=datetime(2024, 7, 1, 8, 15, tzinfo=UTC),
            generated_by="@secretariat",
        ),
        currency=currency,
        percent=41.2,
        counts=counts,
        stale=sum(g.stale for g in goal_lines),
        funding=total,
        goals=goal_lines,
        over_time=[QuarterPoint(date(2024, 6, 30), "2024 Q2", 41.2)],
        meetings=[
            MeetingLine(
                id=1,
                title="-Reference Group 12",
                kind="reference_group",
                starts_at=datetime(2024, 3, 5, 8, 0, tzinfo=UTC),
                place="Budapest",
                decisions=["=Adopt the plan", "Meet again"],
                follow_ups=[
                    FollowUpLine("+Send the figures", "HU", date(2024, 4, 1), "open", True),
                    FollowUpLine("Share the curriculum", "TR", date(2024, 9, 1), "done", False),
                ],
            )
        ],
        reporters=[
            Reporter("HU", "Hungary", {ap.code: 2 for ap in lines[:3]}),
            Reporter("=X", UNICODE, {ap.code: 1 for ap in lines[:1]}),
        ],
        notes=["0 of 41 action points are defined." if not action_points else "=note"],
    )
