"""The API's notifications: one's own list, marking them read, and one's choice of delivery.

The same services as the pages; another user's notification is a 404, never shown."""

from flask import request
from flask_babel import gettext as _

from tracker.api.errors import ApiError
from tracker.api.input import read_json_object, valid_json_form
from tracker.api.pagination import page_of
from tracker.api.serializers import iso
from tracker.api.views import acting_user, answer, bp, own_record
from tracker.notifications import services
from tracker.notifications.forms import NotificationSettingsForm
from tracker.notifications.models import Notification

_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}


def notification_detail(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind.value,
        "subject": {"type": notification.subject_type, "id": notification.subject_id},
        "text": notification.text,
        "detail": notification.detail,
        "link": notification.link,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
        "emailed_at": iso(notification.emailed_at),
    }


def settings_detail(user) -> dict:
    return {"delivery": services.get_delivery(user).value}


@bp.get("/notifications")
def list_notifications():
    unread = request.args.get("unread", "").strip().lower()
    if unread not in _FLAGS:
        message = _("unread must be true or false.")
        raise ApiError(400, message, fields={"unread": message}, code="bad_request")
    query = services.notifications_query(acting_user(), unread_only=_FLAGS[unread])
    return page_of(query, notification_detail)


@bp.post("/notifications/<id:notification_id>/read")
def mark_notification_read(notification_id: int):
    missing = _("You have no notification %(notification_id)s.", notification_id=notification_id)
    notification = own_record(services.get_own_notification, notification_id, missing)
    services.mark_read(notification)
    return answer(notification_detail(notification))


@bp.post("/notifications/read")
def mark_all_notifications_read():
    return answer({"marked": services.mark_all_read(acting_user())})


@bp.get("/me/notification-settings")
def get_notification_settings():
    return settings_detail(acting_user())


@bp.put("/me/notification-settings")
def set_notification_settings():
    form = valid_json_form(NotificationSettingsForm, read_json_object(), required={"delivery"})
    user = acting_user()
    services.set_delivery(user, form.delivery.data, by=user)
    return answer(settings_detail(user))
