from email import message_from_string, policy

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.permissions import can_view_outbox, get_allowed, require
from tracker.mail import services
from tracker.mail.models import MailStatus, OutgoingMail
from tracker.mail.sender import MailConfigError, parse_mail_url
from tracker.query_args import list_page

bp = Blueprint("mail", __name__, url_prefix="/admin/mail")

PER_PAGE = 50


def _delivery() -> str:
    """How the outbox leaves the machine, in words (MAIL_URL without its password)."""
    url = current_app.config.get("MAIL_URL")
    if not url:
        return _("MAIL_URL is not set: messages stay here, nothing is sent.")
    try:
        return _("Delivered by `tracker mail send` to %(url)s.", url=parse_mail_url(url))
    except MailConfigError as error:
        return _("Nothing can be sent: %(error)s", error=error)


def _shown(part) -> str:
    """A part as text to read; a binary attachment by its name and size only."""
    content = part.get_content()
    if isinstance(content, bytes):
        return _(
            "(an attachment, %(name)s: %(size)s bytes)",
            name=part.get_filename() or _("no name"),
            size=len(content),
        )
    return content


@bp.get("/")
@login_required
def index():
    require(can_view_outbox(current_user))
    status = None
    if wanted := request.args.get("status"):
        try:
            status = MailStatus(wanted)
        except ValueError:
            flash(
                _("There is no status %(status)s; showing every message.", status=repr(wanted)),
                "warning",
            )
    messages = list_page(services.outbox_query(status), PER_PAGE)
    return render_template(
        "mail/index.html",
        messages=messages,
        status=status,
        counts=services.status_counts(),
        statuses=list(MailStatus),
        delivery=_delivery(),
    )


@bp.get("/<id:mail_id>")
@login_required
def show(mail_id: int):
    mail = get_allowed(can_view_outbox(current_user), OutgoingMail, mail_id)
    message = message_from_string(mail.content, policy=policy.default)
    parts = [
        (part.get_content_type(), _shown(part))
        for part in message.walk()
        if not part.is_multipart()
    ]
    headers = [(name, str(value)) for name, value in message.items()]
    return render_template(
        "mail/show.html", mail=mail, headers=headers, parts=parts, delivery=_delivery()
    )
