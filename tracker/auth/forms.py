import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from tracker.actors.models import Actor
from tracker.auth.models import ROLE_LABELS, Role, User
from tracker.db import MAX_ID
from tracker.fields import text_field
from tracker.i18n import localized

PASSWORD_HELP = _l(
    "At least 12 characters; a passphrase of a few words is easiest. Not a common password, "
    "nor your email or name."
)
PASSWORD_RESET_HELP = _l(
    "At least 12 characters; a passphrase of a few words is easiest. Not a common password, "
    "nor your email or name. Every session of the account ends."
)


NEW_PASSWORD = {"autocomplete": "new-password"}
EMAIL = _l("Email")
NEW_PASSWORD_LABEL = _l("New password")


def email_field(label=EMAIL, **options) -> EmailField:
    """An email address, as long as one may be (RFC 5321)."""
    return EmailField(label, validators=[DataRequired(), Length(max=254)], **options)


def current_password_field(label) -> PasswordField:
    """The user's password, typed again to confirm who is acting."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(description=PASSWORD_HELP, label=NEW_PASSWORD_LABEL):
    # The length rules live in services.check_password_policy, with the others.
    return PasswordField(
        label, validators=[DataRequired()], description=description, render_kw=NEW_PASSWORD
    )


def password_again_field() -> PasswordField:
    return PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw=NEW_PASSWORD,
    )


class SignInForm(FlaskForm):
    email = email_field(render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class TokenForm(FlaskForm):
    name = text_field(
        _l("Token name"),
        max_length=100,
        description=_l("What the token is for, e.g. 'reporting script'."),
    )


class PasswordChangeForm(FlaskForm):
    current_password = current_password_field(_l("Current password"))
    password = new_password_field()
    confirm = password_again_field()


class PasswordResetForm(FlaskForm):
    password = new_password_field(PASSWORD_RESET_HELP)


class _AccountFields(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role])
    actor = SelectField(
        _l("State or organisation"),
        description=_l("Required for a focal point."),
        default="",  # none, when the API leaves it out
    )

    def set_actor_choices(self, actors: list[Actor]) -> None:
        self.actor.choices = [("", _("— none —"))] + [
            (a.code, f"{localized(a, 'name')} ({a.code})") for a in actors
        ]


class NewUserForm(_AccountFields):
    email = email_field()
    password = new_password_field(label=_l("Password"))


class UserForm(_AccountFields):
    is_active = BooleanField(_l("Active"), description=_l("An inactive account cannot sign in."))
    # The values as the page showed them: only what this admin changed is saved, so that an edit
    # made meanwhile by someone else to another field is not silently undone.
    loaded = HiddenField()


def user_data(user: User) -> dict:
    """An account's editable values, as the form and the API show them."""
    return {
        "name": user.name,
        "role": user.role.value,
        "actor": user.actor.code if user.actor else "",
        "is_active": user.is_active,
    }


def changed_values(form: UserForm, user: User) -> dict:
    """The form's values where this admin changed them, the account's current ones elsewhere."""
    try:
        loaded = json.loads(form.loaded.data or "")
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        loaded = {}  # unknown: every submitted value counts as a change
    current = user_data(user)
    submitted = {
        "name": form.name.data or "",
        "role": form.role.data,
        "actor": form.actor.data or "",
        "is_active": bool(form.is_active.data),
    }
    return {
        field: current[field] if field in loaded and loaded[field] == value else value
        for field, value in submitted.items()
    }


class SecondFactorForm(FlaskForm):
    code = text_field(
        _l("Code"),
        max_length=32,
        description=_l(
            "The six digits your authenticator app shows, or one of your recovery codes."
        ),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )


class TwoFactorSetupForm(FlaskForm):
    code = text_field(
        _l("Code from the app"),
        max_length=32,
        description=_l("After adding the account, type the six digits the app shows for it."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmPasswordForm(FlaskForm):
    current_password = current_password_field(_l("Your password"))


class ForgotPasswordForm(FlaskForm):
    email = email_field(
        description=_l("The address you sign in with."), render_kw={"autocomplete": "username"}
    )


class NewPasswordForm(FlaskForm):
    """A password chosen through a link: an invitation's first one, or a reset's."""

    password = new_password_field()
    confirm = password_again_field()


class InviteForm(_AccountFields):
    email = email_field(description=_l("The invitation goes here; the person signs in with it."))


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[Length(max=200)],
        description=_l("Empty: your email address is shown."),
    )


class EmailChangeForm(FlaskForm):
    new_email = email_field(
        _l("New email address"),
        description=_l("A link goes there; the address changes when you open it."),
    )
    current_password = current_password_field(_l("Your password"))


class EmailConfirmForm(FlaskForm):
    """The button that confirms a new email address (a GET changes nothing: mail scanners open
    links)."""


class HandOverForm(FlaskForm):
    # Any id is taken here: auth/handover.check_hand_over says why one is refused (another
    # actor's, deactivated, oneself), which "Not a valid choice" would not.
    successor = SelectField(
        _l("Hand over to"),
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired(),
            NumberRange(min=1, max=MAX_ID, message=_l("No such account.")),
        ],
        description=_l("An active focal point or member of the same state or organisation."),
    )

    def set_successor_choices(self, users: list[User]) -> None:
        self.successor.choices = [
            (u.id, f"{u.name} ({u.email}, {u.role.label.lower()})") for u in users
        ]
