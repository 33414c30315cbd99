from tests import factories


def test_health_route_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_shipped_plan_has_six_goals(app):
    plan = factories.get_plan("BP-CFA-2019")
    assert [g.number for g in plan.goals] == [1, 2, 3, 4, 5, 6]
    assert plan.expected_action_points == 41


def test_signed_in_admin_sees_plan_index(client, login):
    login.as_role("admin")
    page = client.get("/plans/").get_data(as_text=True)
    assert "Call for Action 2019–2024" in page and "0 of 41 action points defined" in page


def test_trivial_route_is_not_marked_private(client):
    assert "Cache-Control" not in client.get("/healthz").headers
