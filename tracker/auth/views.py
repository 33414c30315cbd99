import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.auth import services, sessions, two_factor
from tracker.auth.forms import (
    ConfirmPasswordForm,
    PasswordChangeForm,
    SecondFactorForm,
    SignInForm,
    TokenForm,
    TwoFactorSetupForm,
)
from tracker.auth.models import User
from tracker.auth.permissions import get_revocable_token
from tracker.db import db
from tracker.pages import commit_and_go
from tracker.redirects import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")
bp.before_app_request(sessions.enforce_timeouts)


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
        if user is not None and user.has_second_factor:
            session.clear()
            session[PENDING] = {
                "user": user.get_id(),
                "at": int(time.time()),
                "next": safe_next(request.args.get("next")),
            }
            return redirect(url_for("auth.second_factor"))
        if user is not None:
            sessions.start(user)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/sign_in.html", form=form)


# The password step, passed, waiting for the second factor: the user's session id (which a
# password change or an admin's reset invalidates), when, and where to go afterwards.
PENDING = "second_factor_pending"


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None, {}
    timeout = current_app.config["TWO_FACTOR_STEP_TIMEOUT"].total_seconds()
    if time.time() - pending["at"] > timeout:
        return None, {}
    user = services.load_session_user(str(pending.get("user", "")))
    if user is None or not user.has_second_factor:
        return None, {}
    return user, pending


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again: the code was not given in time."))
        return redirect(url_for("auth.sign_in"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            accepted = two_factor.check_code(user, form.code.data, address=request.remote_addr)
        except services.SignInThrottled as refusal:
            form.code.errors.append(str(refusal))
            page = render_template("auth/second_factor.html", form=form)
            return page, 429, {"Retry-After": str(refusal.retry_after)}
        db.session.commit()
        if accepted:
            sessions.start(user)
            return redirect(pending["next"])
        form.code.errors.append(_("Wrong code, or one used already. Type the code shown now."))
    return render_template("auth/second_factor.html", form=form)


SETUP_SECRET = "two_factor_setup"
NEW_RECOVERY_CODES = "recovery_codes"


def _two_factor_page(
    setup_form: TwoFactorSetupForm | None = None,
    password_form: ConfirmPasswordForm | None = None,
    status: int = 200,
):
    """The two-factor page: set-up (QR code, key, code) when off; recovery codes and turning
    off when on. A refused POST shows it again with its form's errors."""
    user = current_user._get_current_object()
    context: dict = {"user": user, "required": two_factor.required_for(user)}
    if user.has_second_factor:
        context["codes_left"] = two_factor.recovery_codes_left(user)
        context["password_form"] = password_form or ConfirmPasswordForm(formdata=None)
    else:
        if not two_factor.is_secret(session.get(SETUP_SECRET)):
            session[SETUP_SECRET] = two_factor.new_secret()
        secret = session[SETUP_SECRET]
        # segno's own SVG: path data and a fixed title, no text from the user.
        context["qr_code"] = Markup(two_factor.qr_code_svg(user, secret))  # nosec B704
        context["secret"] = two_factor.grouped(secret)
        context["form"] = setup_form or TwoFactorSetupForm(formdata=None)
    return render_template("auth/two_factor.html", **context), status


@bp.get("/two-factor")
@login_required
def two_factor_page():
    return _two_factor_page()


@bp.post("/two-factor")
@login_required
def two_factor_on():
    user = current_user._get_current_object()
    form = TwoFactorSetupForm()
    if user.has_second_factor:
        return redirect(url_for("auth.two_factor_page"))
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, session.get(SETUP_SECRET, ""), form.code.data)
        except services.AuthError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            session[NEW_RECOVERY_CODES] = codes
            return redirect(url_for("auth.recovery_codes"))
    return _two_factor_page(setup_form=form)


@bp.get("/two-factor/recovery-codes")
@login_required
def recovery_codes():
    codes = session.pop(NEW_RECOVERY_CODES, None)
    if not codes:
        return redirect(url_for("auth.two_factor_page"))
    return render_template("auth/recovery_codes.html", codes=codes)


def _password_confirmed(form: ConfirmPasswordForm) -> int | None:
    """None if the posted password is the user's; else the status to answer with, the error at
    the field (a wrong password is committed: it counts towards the throttle)."""
    if not form.validate_on_submit():
        return 200
    try:
        services.confirm_own_password(
            current_user._get_current_object(),
            form.current_password.data,
            address=request.remote_addr,
        )
    except services.AuthError as error:
        db.session.commit()
        form.current_password.errors.append(str(error))
        return 429 if isinstance(error, services.SignInThrottled) else 200
    return None


def _change_second_factor(change, *, turning_off: bool = False):
    """A change to the user's second factor, made once the password is typed again: `change(user)`
    answers. Without a second factor there is nothing to change; the Secretariat may not turn a
    required one off."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("auth.two_factor_page"))
    if turning_off and user.is_admin and current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"]:
        flash(_("Two-factor sign-in is required for the Secretariat: it cannot be turned off."))
        return redirect(url_for("auth.two_factor_page"))
    form = ConfirmPasswordForm()
    if (status := _password_confirmed(form)) is not None:
        return _two_factor_page(password_form=form, status=status)
    return change(user)


@bp.post("/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    def replace(user):
        session[NEW_RECOVERY_CODES] = two_factor.replace_recovery_codes(user)
        db.session.commit()
        return redirect(url_for("auth.recovery_codes"))

    return _change_second_factor(replace)


@bp.post("/two-factor/off")
@login_required
def two_factor_off():
    def turn_off(user):
        two_factor.turn_off(user, by=user)
        return commit_and_go(
            _("Two-factor sign-in is off. Signing in now asks for your password only."),
            url_for("auth.two_factor_page"),
        )

    return _change_second_factor(turn_off, turning_off=True)


# What an admin who must set up a second factor may still open.
_ALLOWED_BEFORE_SETUP = {
    "auth.two_factor_page",
    "auth.two_factor_on",
    "auth.recovery_codes",
    "auth.sign_out",
    "static",
    "bootstrap.static",
}


@bp.before_app_request
def require_second_factor():
    """With TWO_FACTOR_REQUIRED_FOR_ADMINS, an admin without a second factor sets one up first."""
    if request.blueprint == "api" or request.endpoint in _ALLOWED_BEFORE_SETUP:
        return None
    if current_user.is_authenticated and two_factor.required_for(current_user):
        flash(_("The Secretariat must use two-factor sign-in: set it up to go on."))
        return redirect(url_for("auth.two_factor_page"))
    return None


@bp.post("/sign-out")
@login_required
def sign_out():
    services.sign_out(current_user._get_current_object(), address=request.remote_addr)
    db.session.commit()
    sessions.end()
    flash(_("You are signed out."))
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
            flash(_("Password changed. You are signed out everywhere else."))
            return redirect(url_for("reports.dashboard"))
    return render_template("auth/password.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = services.create_token(
            current_user, name=form.name.data, by=current_user
        )
        db.session.commit()
        form = TokenForm(formdata=None)
    mine = services.list_tokens(current_user)
    return render_template("auth/tokens.html", form=form, tokens=mine, new_token=new_token)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_revocable_token(token_id)
    services.revoke_token(token, by=current_user)
    return commit_and_go(
        _("Token %(prefix)s… revoked.", prefix=token.prefix), url_for("auth.tokens")
    )
