from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from tracker.auth import services
from tracker.auth.forms import SignInForm, TokenForm
from tracker.auth.models import ApiToken
from tracker.db import db

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil.example" or "https://…" would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("plan.index")


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


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)  # someone else's token: do not even confirm it exists
    services.revoke_token(token, by=current_user)
    db.session.commit()
    flash(f"Token {token.prefix}… revoked.")
    return redirect(url_for("auth.tokens"))
