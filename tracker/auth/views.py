from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from tracker.auth import services
from tracker.auth.forms import SignInForm, TokenForm
from tracker.auth.models import ApiToken
from tracker.auth.permissions import get_revocable_token
from tracker.db import db

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the plans page (no open redirect)."""
    # Browsers drop tabs and newlines and read "\\" as "/": "/\t/evil.example" means
    # "//evil.example", another site. Refuse all of those, then anything with a host.
    fallback = url_for("plan.index")
    if not target or any(c < " " or c in "\\\x7f" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("plan.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = services.create_token(current_user, name=form.name.data, by=current_user)
        db.session.commit()
        form = TokenForm(formdata=None)
    mine = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    )
    return render_template("auth/tokens.html", form=form, tokens=mine, new_token=new_token)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_revocable_token(token_id)
    services.revoke_token(token, by=current_user)
    db.session.commit()
    flash(f"Token {token.prefix}… revoked.")
    return redirect(url_for("auth.tokens"))
