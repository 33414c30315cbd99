"""The `tracker` command line, run through Flask's CLI runner.

Commands run inside the test's rolled-back transaction (their commits become savepoints), except
`tracker init`, whose migrations open their own connection: it runs on a scratch database.
"""

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.actors.models import Actor
from tracker.audit.models import AuditEvent
from tracker.auth.models import ApiToken, Role, User
from tracker.auth.services import user_for_token
from tracker.db import db
from tracker.demo import DEMO_ACCOUNTS
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal

PASSWORD = "a-long-cli-password"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def users_with(email: str) -> int:
    return count(User, User.email == email)


def create_user(runner, email, *options, password=PASSWORD):
    return runner.invoke(
        args=["user", "create", email, *options, "--password-stdin"], input=f"{password}\n"
    )


# tracker init ------------------------------------------------------------------------------------


def test_init_creates_the_schema_and_loads_the_shipped_data_once(scratch_app):
    runner = scratch_app.test_cli_runner()

    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "loaded" in first.output
    with scratch_app.app_context():
        actors, events = count(Actor), count(AuditEvent)
        plans = set(db.session.scalars(select(Plan.code)))
    assert actors > 0 and events > 0
    assert {"BP-CFA-2019", "BP-CFA-2025"} <= plans

    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    with scratch_app.app_context():
        assert (count(Actor), count(AuditEvent)) == (actors, events)


# tracker user create -----------------------------------------------------------------------------


def test_user_create_reads_the_password_from_stdin(runner):
    result = create_user(runner, "New.Person@Example.org", "--role", "member", "--name", "N. P.")

    assert result.exit_code == 0, result.output
    assert "Created member new.person@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert (user.role, user.name) == (Role.MEMBER, "N. P.")


def test_user_create_prompts_for_the_password_when_not_on_stdin(runner):
    result = runner.invoke(
        args=["user", "create", "prompted@example.org", "--role", "viewer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert users_with("prompted@example.org") == 1


def test_user_create_focal_point_with_actor(runner):
    result = create_user(runner, "fp@example.org", "--role", "focal_point", "--actor", "HU")

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "fp@example.org"))
    assert user.actor.code == "HU"


def test_user_create_refuses_a_duplicate_email(runner):
    assert create_user(runner, "twice@example.org", "--role", "viewer").exit_code == 0

    result = create_user(runner, "Twice@example.org", "--role", "admin")

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert users_with("twice@example.org") == 1


def test_user_create_refuses_an_unknown_role(runner):
    result = create_user(runner, "role@example.org", "--role", "superuser")

    assert result.exit_code != 0
    assert "superuser" in result.output
    assert users_with("role@example.org") == 0


def test_user_create_refuses_a_focal_point_without_actor(runner):
    result = create_user(runner, "lonely@example.org", "--role", "focal_point")

    assert result.exit_code != 0
    assert "focal point must belong" in result.output
    assert users_with("lonely@example.org") == 0


def test_user_create_refuses_an_unknown_actor_code(runner):
    result = create_user(runner, "nowhere@example.org", "--role", "member", "--actor", "XX")

    assert result.exit_code != 0
    assert "No actor with the code 'XX'" in result.output
    assert users_with("nowhere@example.org") == 0


def test_user_create_refuses_a_short_password(runner):
    result = create_user(runner, "short@example.org", "--role", "viewer", password="short")

    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert users_with("short@example.org") == 0


# tracker token create / revoke -------------------------------------------------------------------


def test_token_create_prints_a_working_token_on_the_last_line(runner):
    assert create_user(runner, "api@example.org", "--role", "member").exit_code == 0

    result = runner.invoke(args=["token", "create", "api@example.org"])

    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[-1]
    assert token == token.strip() and " " not in token
    assert user_for_token(token).email == "api@example.org"

    revoked = runner.invoke(args=["token", "revoke", token[:12]])

    assert revoked.exit_code == 0, revoked.output
    assert user_for_token(token) is None
    assert count(ApiToken, ApiToken.prefix == token[:12], ApiToken.revoked_at.is_not(None)) == 1


def test_token_create_refuses_an_unknown_user(runner):
    result = runner.invoke(args=["token", "create", "nobody@example.org"])

    assert result.exit_code != 0
    assert "No user with the email" in result.output
    assert count(ApiToken) == 0


def test_token_revoke_refuses_an_unknown_prefix(runner):
    result = runner.invoke(args=["token", "revoke", "bpt_nosuchtok"])

    assert result.exit_code != 0
    assert "No single token" in result.output


# tracker demo ------------------------------------------------------------------------------------


@pytest.fixture
def demo_runner(app, runner, tmp_path, monkeypatch):
    """The demo saves its accounts in the instance folder: keep that out of the checkout."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return runner


def demo_counts() -> dict:
    plan_id = db.session.scalar(select(Plan.id).where(Plan.code == "DEMO"))
    emails = [email for email, _, _ in DEMO_ACCOUNTS]
    return {
        "plans": count(Plan, Plan.code == "DEMO"),
        "goals": count(PriorityGoal, PriorityGoal.plan_id == plan_id),
        "action_points": count(ActionPoint, ActionPoint.plan_id == plan_id),
        "activities": count(
            Activity,
            Activity.action_point_id.in_(
                select(ActionPoint.id).where(ActionPoint.plan_id == plan_id)
            ),
        ),
        "users": count(User, User.email.in_(emails)),
        "audit_events": count(AuditEvent),
    }


def test_demo_loads_a_separate_plan_once_and_reset_makes_it_anew(demo_runner, tmp_path):
    first = demo_runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    loaded = demo_counts()
    assert loaded["plans"] == 1
    assert loaded["goals"] == 6
    assert loaded["action_points"] == 41
    assert loaded["users"] == len(DEMO_ACCOUNTS) == 4
    for email, _, _ in DEMO_ACCOUNTS:
        assert email in first.output
    saved = (tmp_path / "demo-accounts.txt").read_text()
    assert all(email in saved for email, _, _ in DEMO_ACCOUNTS)

    again = demo_runner.invoke(args=["demo"])

    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    assert demo_counts() == loaded
    for email, _, _ in DEMO_ACCOUNTS:  # the sign-in is printed again
        assert email in again.output

    reset = demo_runner.invoke(args=["demo", "--reset"])

    assert reset.exit_code == 0, reset.output
    assert "nothing changed" not in reset.output
    assert (tmp_path / "demo-accounts.txt").read_text() != saved  # new passwords
    assert {k: v for k, v in demo_counts().items() if k != "audit_events"} == {
        k: v for k, v in loaded.items() if k != "audit_events"
    }


def test_demo_years_adds_a_year_of_activities_per_action_point(demo_runner):
    result = demo_runner.invoke(args=["demo", "--years", "2"])  # one more than the default

    assert result.exit_code == 0, result.output
    assert demo_counts()["activities"] == 41 * 2


def test_demo_reset_keeps_the_history_of_real_records(demo_runner):
    assert demo_runner.invoke(args=["demo"]).exit_code == 0
    demo_admin = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
    real = factories.make_action_point(code="3", by=demo_admin)
    about_real = (AuditEvent.entity_type == "action_points") & (AuditEvent.entity_id == real.id)
    events = count(AuditEvent, about_real)

    assert demo_runner.invoke(args=["demo", "--reset"]).exit_code == 0

    assert count(AuditEvent, about_real) == events == 1
    assert db.session.get(User, demo_admin.id) is not None


def test_demo_reset_gives_new_passwords_and_ends_old_sessions(demo_runner, app, tmp_path):
    demo_runner.invoke(args=["demo"])
    email, password, _ = (tmp_path / "demo-accounts.txt").read_text().splitlines()[-1].split("\t")
    browser = app.test_client()
    browser.post("/auth/sign-in", data={"email": email, "password": password})
    assert browser.get("/plans/").status_code == 200

    reset = demo_runner.invoke(args=["demo", "--reset"])

    assert reset.exit_code == 0, reset.output
    assert browser.get("/plans/").status_code == 302
    refused = app.test_client().post("/auth/sign-in", data={"email": email, "password": password})
    assert refused.status_code == 200  # the form again: the old password no longer works


def test_import_pledges_and_rates_from_the_command_line(runner, tmp_path):
    from tracker.pledges.models import ExchangeRate, Pledge

    pledges = tmp_path / "pledges.csv"
    pledges.write_text(
        "actor,plan,currency,kind,amount,value_date,purpose\n"
        "HU,BP-CFA-2019,EUR,pledged,100.00,2024-01-02,Training\n"
    )
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate,valid_on,source\nUSD,0.9,2024-01-02,ECB\n")
    before = count(Pledge), count(ExchangeRate)
    for command, path in ((["import", "pledges"], pledges), (["rates", "import"], rates)):
        result = runner.invoke(args=[*command, str(path)])
        assert result.exit_code == 0, result.output
    assert (count(Pledge), count(ExchangeRate)) == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize("command", [["import", "pledges"], ["rates", "import"]])
def test_a_file_too_large_to_import_is_refused_and_changes_nothing(runner, tmp_path, command):
    from tracker.pledges.models import ExchangeRate, PledgeEntry
    from tracker.tables import MAX_FILE_BYTES

    big = tmp_path / "big.csv"
    big.write_bytes(b"currency,rate,valid_on\n" + b"x" * MAX_FILE_BYTES)
    before = count(PledgeEntry), count(ExchangeRate)
    result = runner.invoke(args=[*command, str(big)])
    assert result.exit_code != 0
    assert "Nothing imported" in result.output and "5 MB" in result.output
    assert (count(PledgeEntry), count(ExchangeRate)) == before
