import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.actors.models import Actor, ActorKind, WorkingGroup
from tracker.audit.models import AuditEvent
from tracker.db import StaleVersionError, db
from tracker.plan import services
from tracker.plan.models import ActionPoint, code_sort_key
from tracker.plan.shipped import load_shipped_data, read_shipped_data


def test_codes_sort_naturally():
    codes = ["10", "2", "3.10", "3.4", "1"]
    assert sorted(codes, key=code_sort_key) == ["1", "2", "3.4", "3.10", "10"]


def test_shipped_2019_plan_has_its_goals_in_2019_order_and_five_commitments():
    plan = factories.get_plan("BP-CFA-2019")
    assert plan.goals[0].title.startswith("Irregular migration")
    assert plan.goals[1].title.startswith("Legal migration")
    assert len(plan.commitments) == 5
    assert all(goal.sources for goal in plan.goals)


def test_shipped_2025_plan_has_six_goals_and_no_action_points():
    plan = factories.get_plan("BP-CFA-2025")
    assert len(plan.goals) == 6 and plan.action_points == []


def test_shipped_2025_goals_carry_their_official_wording():
    goals = factories.get_plan("BP-CFA-2025").goals
    assert goals[0].description.startswith("Prevent irregular migration and fight against")
    assert all(goal.description for goal in goals)


def test_an_older_database_gets_the_official_wording_once_and_keeps_the_secretariats():
    first, second = factories.get_plan("BP-CFA-2025").goals[:2]
    first.description, second.description = None, "Written by the Secretariat."
    db.session.flush()
    load_shipped_data()
    assert first.description.startswith("Prevent irregular migration")
    assert second.description == "Written by the Secretariat."
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    load_shipped_data()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_shipped_actors_match_the_reference_counts():
    def count(kind):
        return db.session.scalar(select(func.count()).where(Actor.kind == kind))

    assert count(ActorKind.PARTICIPATING_STATE) == 52
    assert count(ActorKind.OBSERVER_STATE) == len(
        [a for a in read_shipped_data()["actors"] if a["kind"] == "observer_state"]
    )
    assert factories.get_actor("TR").name == "Türkiye"
    assert db.session.scalar(select(func.count()).select_from(WorkingGroup)) == 3


def test_loading_shipped_data_again_changes_nothing():
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert load_shipped_data() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_no_action_point_wording_is_shipped():
    assert db.session.scalar(select(func.count()).select_from(ActionPoint)) == 0


def test_update_with_stale_version_raises_and_changes_nothing():
    ap = factories.make_action_point(title="First")
    with pytest.raises(StaleVersionError):
        services.update_action_point(
            ap,
            version=ap.version + 1,
            goal=ap.goal,
            code=ap.code,
            title="Second",
            description=None,
            lead_actor=None,
            partners=[],
            target_on=None,
            by="tests",
        )
    assert ap.title == "First"


def test_update_records_only_changed_fields():
    ap = factories.make_action_point(title="First", lead_actor=factories.get_actor("HU"))
    services.update_action_point(
        ap,
        version=ap.version,
        goal=ap.goal,
        code=ap.code,
        title="Second",
        description=None,
        lead_actor=factories.get_actor("TR"),
        partners=[],
        target_on=None,
        by="tests",
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == ap.id).order_by(AuditEvent.id.desc())
    ).first()
    assert event.changes == {"title": ["First", "Second"], "lead_actor": ["HU", "TR"]}


def test_unknown_actor_codes_are_named_in_the_error():
    with pytest.raises(services.PlanError) as error:
        services.resolve_actors(["HU", "XX", "YY"], "partners")
    assert error.value.field == "partners"
    assert "XX, YY" in str(error.value)


def test_audit_events_cannot_be_rewritten():
    factories.make_action_point()
    event = db.session.scalars(select(AuditEvent)).first()
    event.summary = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_duplicate_that_slips_past_the_check_is_refused_by_the_constraint(monkeypatch):
    # As when two writers pass the duplicate check at once: the unique constraint decides.
    factories.make_action_point(code="9")
    monkeypatch.setattr(services, "_check_action_point", lambda *args, **kwargs: None)
    with pytest.raises(services.PlanError, match="already has an action point 9") as error:
        factories.make_action_point(code="9")
    assert error.value.field == "code"
    codes = db.session.scalars(select(ActionPoint.code).where(ActionPoint.code == "9")).all()
    assert codes == ["9"]
