"""The Notifications page, its header count, the settings page, and the API over them."""

from sqlalchemy import select

from tests import factories
from tests.api.test_basics import count_queries
from tracker.db import db
from tracker.notifications import services
from tracker.notifications.models import Delivery, Notification, NotificationKind


def give(user, count: int = 1, text: str = "Your update was returned") -> list[Notification]:
    update = factories.make_update()
    made = []
    for n in range(count):
        made += services.notify(
            [user],
            NotificationKind.UPDATE_RETURNED,
            subject=update,
            text=f"{text} {n}",
            detail="Reason: <script>alert(1)</script>",
            link=f"/progress/updates/{update.id}",
        )
    db.session.commit()
    return made


def test_the_page_lists_my_notifications_and_the_header_counts_the_unread(client, login):
    me = login.as_role("focal_point")
    other = factories.make_user(role="focal_point")
    give(me, 2)
    give(other, 1, text="Someone else's")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Your update was returned 0" in page and "Your update was returned 1" in page
    assert "Someone else" not in page
    assert "<script>alert(1)" not in page  # escaped
    assert '2<span class="visually-hidden"> unread</span>' in page


def test_mark_one_read_then_all(client, login):
    me = login.as_role("member", actor=factories.get_actor("HU"))
    first, second, third = give(me, 3)
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    response = client.post("/notifications/read", follow_redirects=True)
    assert "2 notification(s) marked read." in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.unread_count(me) == 0
    assert 'id="notifications-link"' in response.get_data(as_text=True)
    assert "unread</span>" not in response.get_data(as_text=True)


def test_another_users_notification_cannot_be_marked_read(client, login):
    login.as_role("admin")
    [theirs] = give(factories.make_user(role="viewer"))
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_the_settings_page_keeps_my_choice_and_refuses_another(client, login):
    me = login.as_role("viewer")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'checked class="form-check-input" id="delivery-0"' in page  # at once, the default
    response = client.post("/notifications/settings", data={"delivery": "daily"})
    assert response.status_code == 302
    assert services.get_delivery(me) == Delivery.DAILY
    response = client.post("/notifications/settings", data={"delivery": "hourly"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert services.get_delivery(me) == Delivery.DAILY


def test_the_pages_take_as_many_queries_with_many_notifications(app, client, login):
    me = login.as_role("focal_point")
    give(me, 2)
    few = count_queries(app, lambda: client.get("/notifications/"))
    header_few = count_queries(app, lambda: client.get("/notifications/settings"))
    give(me, 40)
    many = count_queries(app, lambda: client.get("/notifications/"))
    header_many = count_queries(app, lambda: client.get("/notifications/settings"))
    assert many == few > 0
    assert header_many == header_few > 0


def test_the_api_lists_marks_and_sets(api):
    me = api.as_role("focal_point")
    first, second = give(me, 2)
    [theirs] = give(factories.make_user(role="viewer"))
    body = api.get("/api/v1/notifications").get_json()
    assert body["total"] == 2 and body["items"][0]["id"] == second.id  # newest first
    assert body["items"][0]["kind"] == "update_returned"
    assert api.post(f"/api/v1/notifications/{theirs.id}/read").status_code == 404
    answer = api.post(f"/api/v1/notifications/{first.id}/read")
    assert answer.status_code == 200 and answer.get_json()["read_at"] is not None
    assert api.get("/api/v1/notifications?unread=true").get_json()["total"] == 1
    assert api.get("/api/v1/notifications?unread=maybe").status_code == 400
    assert api.post("/api/v1/notifications/read").get_json() == {"marked": 1}

    assert api.get("/api/v1/me/notification-settings").get_json() == {"delivery": "at_once"}
    answer = api.put("/api/v1/me/notification-settings", json={"delivery": "none"})
    assert answer.get_json() == {"delivery": "none"}
    refused = api.put("/api/v1/me/notification-settings", json={"delivery": "weekly"})
    assert refused.status_code == 422 and "delivery" in refused.get_json()["error"]["fields"]
    assert api.put("/api/v1/me/notification-settings", json={}).status_code == 422
    assert services.get_delivery(me) == Delivery.NONE
    still = db.session.scalar(select(Notification).where(Notification.id == theirs.id))
    assert still.read_at is None


def test_the_api_list_takes_as_many_queries_with_many_notifications(app, api):
    me = api.as_role("member", actor=factories.get_actor("AT"))
    give(me, 2)
    few = count_queries(app, lambda: api.get("/api/v1/notifications"))
    give(me, 30)
    many = count_queries(app, lambda: api.get("/api/v1/notifications"))
    assert many == few > 0


def test_the_profile_partial_shows_my_choice(app, client, login):
    me = login.as_role("viewer")
    services.set_delivery(me, Delivery.DAILY, by=me)
    give(me, 1)
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user

        login_user(me)
        html = render_template("auth/_profile_notifications.html")
    assert Delivery.DAILY.label in html and "1 unread" in html
