"""Pages of an account's life by mail, on the auth blueprint: forgotten password, the links
mailed for an invitation, a reset or an email change, and the profile page."""

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.auth import lifecycle, services
from tracker.auth.forms import (
    EmailChangeForm,
    EmailConfirmForm,
    ForgotPasswordForm,
    NewPasswordForm,
    ProfileForm,
)
from tracker.auth.lifecycle import BaseUrlMissing, LinkError
from tracker.auth.views import bp
from tracker.db import db
from tracker.pages import commit_and_go

LINK_ENDPOINTS = {"auth.reset_password", "auth.accept_invitation", "auth.confirm_email"}


@bp.after_request
def keep_links_private(response):
    """A page whose address holds a link's token: never cached, and never named to another
    site in a Referer header."""
    if request.endpoint in LINK_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_problem(error: Exception):
    status = error.status if isinstance(error, LinkError) else 503
    return render_template("auth/link_problem.html", message=str(error)), status


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            lifecycle.request_password_reset(form.email.data, address=request.remote_addr)
        except services.SignInThrottled as refusal:
            form.email.errors.append(str(refusal))
            page = render_template("auth/forgot_password.html", form=form)
            return page, 429, {"Retry-After": str(refusal.retry_after)}
        except services.AuthError as error:
            form.email.errors.append(str(error))
            return render_template("auth/forgot_password.html", form=form)
        except BaseUrlMissing as error:
            return _link_problem(error)
        db.session.commit()
        # The same answer either way, after a redirect (a reload must not ask again).
        session[RESET_ASKED] = form.email.data
        return redirect(url_for("auth.forgot_password"))
    asked = session.pop(RESET_ASKED, None) if request.method == "GET" else None
    if asked:
        form.email.data = asked
    return render_template("auth/forgot_password.html", form=form, asked=bool(asked))


RESET_ASKED = "password_reset_asked"


# The two mailed links that end with a new password: how each is found, then used, and what
# is said once it is.
_PASSWORD_LINKS = {
    "reset": (
        lifecycle.reset_link,
        lifecycle.reset_password,
        _l("Your new password is set, and you are signed out everywhere. Sign in with it."),
    ),
    "invitation": (
        lifecycle.invitation_link,
        lifecycle.accept_invitation,
        _l("Welcome! Your password is set: sign in with your email and it."),
    ),
}


@bp.route("/reset/<reset_token>", methods=["GET", "POST"])
def reset_password(reset_token: str):
    return _choose_password(reset_token, "reset")


@bp.route("/invitation/<invitation_token>", methods=["GET", "POST"])
def accept_invitation(invitation_token: str):
    return _choose_password(invitation_token, "invitation")


def _choose_password(token: str, purpose: str):
    """A password chosen through a mailed link (a reset's, or an invitation's first one): the
    link is checked on opening and used on the POST, which may find it used up meanwhile."""
    find_link, use_link, done = _PASSWORD_LINKS[purpose]
    try:
        link = find_link(token)
    except LinkError as error:
        return _link_problem(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            use_link(link, form.password.data, address=request.remote_addr)
        except services.AuthError as error:
            form.password.errors.append(str(error))
        except LinkError as error:
            return _link_problem(error)
        else:
            return commit_and_go(done, url_for("auth.sign_in"))
    return render_template(
        "auth/new_password.html", form=form, user=link.user, invitation=purpose == "invitation"
    )


def _profile_page(name_form=None, email_form=None, status: int = 200):
    user = current_user._get_current_object()
    return render_template(
        "auth/profile.html",
        user=user,
        name_form=name_form or ProfileForm(formdata=None, data={"name": user.name}),
        email_form=email_form or EmailChangeForm(formdata=None),
        pending_email=lifecycle.pending_email_change(user),
        feed=services.get_calendar_feed(user),
        tokens=sum(1 for t in services.list_tokens(user) if t.is_active),
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            changed = lifecycle.update_own_name(
                current_user._get_current_object(), form.name.data or ""
            )
        except services.AuthError as error:
            form.name.errors.append(str(error))
        else:
            return commit_and_go(
                _("Name saved.") if changed else _("Nothing to change."), url_for("auth.profile")
            )
        return _profile_page(name_form=form)
    return _profile_page()


@bp.post("/profile/email")
@login_required
def change_email():
    form = EmailChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            new_email = lifecycle.request_email_change(
                current_user._get_current_object(),
                form.new_email.data,
                password=form.current_password.data,
                address=request.remote_addr,
            )
        except services.AuthError as error:
            db.session.commit()  # a wrong password counts towards the throttle
            form[error.field or "new_email"].errors.append(str(error))
            status = 429 if isinstance(error, services.SignInThrottled) else 200
        except BaseUrlMissing as error:
            return _link_problem(error)
        else:
            return commit_and_go(
                _(
                    "A link was mailed to %(email)s: your address changes when you open it.",
                    email=new_email,
                ),
                url_for("auth.profile"),
            )
    return _profile_page(email_form=form, status=status)


@bp.route("/email/<email_token>", methods=["GET", "POST"])
@login_required
def confirm_email(email_token: str):
    user = current_user._get_current_object()
    try:
        link = lifecycle.email_change_link(email_token, user)
    except LinkError as error:
        return _link_problem(error)
    form = EmailConfirmForm()
    if form.validate_on_submit():
        try:
            lifecycle.confirm_email_change(link, address=request.remote_addr)
        except services.AuthError as error:  # the address was taken meanwhile
            return _link_problem(LinkError(str(error), 409))
        except LinkError as error:
            return _link_problem(error)
        return commit_and_go(
            _("Your email address is now %(email)s.", email=user.email), url_for("auth.profile")
        )
    return render_template("auth/confirm_email.html", form=form, link=link)
