from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.auth import services, sessions
from tracker.auth.forms import PasswordChangeForm, SignInForm, TokenForm
from tracker.auth.permissions import get_revocable_token
from tracker.db import db

bp = Blueprint("auth", __name__, url_prefix="/auth")
bp.before_app_request(sessions.enforce_timeouts)


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the plans page (no open redirect)."""
    # Browsers drop tabs and newlines and read "\\" as "/": "/\t/evil.example" means
    # "//evil.example", another site. Refuse all of those, then anything with a host.
    fallback = url_for("reports.dashboard")
    if not target or any(c < " " or c in "\\\x7f" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("reports.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, address=request.remote_addr
            )
        except services.SignInThrottled as refusal:
            form.form_errors.append(str(refusal))
            page = render_template("auth/sign_in.html", form=form)
            return page, 429, {"Retry-After": str(refusal.retry_after)}
        db.session.commit()  # a failed attempt is kept (throttle, audit trail) like a good one
        if user is not None:
            sessions.start(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    services.sign_out(current_user._get_current_object(), address=request.remote_addr)
    db.session.commit()
    sessions.end()
    flash("You are signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_own_password(
                user,
                current=form.current_password.data,
                new=form.password.data,
                address=request.remote_addr,
            )
        except services.AuthError as error:
            db.session.commit()  # a wrong current password counts towards the throttle
            form[error.field or "password"].errors.append(str(error))
            status = 429 if isinstance(error, services.SignInThrottled) else 200
        else:
            db.session.commit()
            sessions.start(user)  # this session goes on, renewed; every other one has ended
            flash("Password changed. You are signed out everywhere else.")
            return redirect(url_for("reports.dashboard"))
    return render_template("auth/password.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = services.create_token(current_user, name=form.name.data, by=current_user)
        db.session.commit()
        form = TokenForm(formdata=None)
    mine = services.list_tokens(current_user)
    return render_template("auth/tokens.html", form=form, tokens=mine, new_token=new_token)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_revocable_token(token_id)
    services.revoke_token(token, by=current_user)
    db.session.commit()
    flash(f"Token {token.prefix}… revoked.")
    return redirect(url_for("auth.tokens"))
