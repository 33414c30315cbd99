from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.db import db
from tracker.notifications import services
from tracker.notifications.forms import NotificationSettingsForm
from tracker.pages import commit_and_go, save_form
from tracker.query_args import list_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
# The profile page (auth/_profile_notifications.html) shows the choice without its view's help.
bp.add_app_template_global(services.get_delivery, "notification_delivery")

PER_PAGE = 50


@bp.app_context_processor
def unread_notifications():
    """The header's unread count: one query per page, for signed-in users only."""

    def count() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": count}


@bp.get("/")
@login_required
def index():
    notifications = list_page(services.notifications_query(current_user), PER_PAGE)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
    )


@bp.post("/<id:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    # Another user's notification is not acknowledged to exist: 404, as for API tokens.
    notification = services.get_own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    return redirect(url_for(".index"))


@bp.post("/read")
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user)
    return commit_and_go(
        ngettext(
            "%(num)d notification(s) marked read.",
            "%(num)d notification(s) marked read.",
            count,
        ),
        url_for(".index"),
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = NotificationSettingsForm(delivery=services.get_delivery(current_user).value)
    saved = save_form(
        form,
        lambda: services.set_delivery(current_user, form.delivery.data, by=current_user),
        services.NotificationError,
        lambda delivery: _("Notifications: %(delivery)s.", delivery=delivery.label),
        url_for(".settings"),
        default_field="delivery",
    )
    return saved or render_template("notifications/settings.html", form=form)
