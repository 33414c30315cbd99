import json

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
from tracker.auth.models import Role, User
from tracker.db import MAX_ID

PASSWORD_HELP = (
    "At least 12 characters; a passphrase of a few words is easiest. Not a common password, "
    "nor your email or name."
)


NEW_PASSWORD = {"autocomplete": "new-password"}


def email_field(label: str = "Email", **options) -> EmailField:
    """An email address, as long as one may be (RFC 5321)."""
    return EmailField(label, validators=[DataRequired(), Length(max=254)], **options)


def current_password_field(label: str) -> PasswordField:
    """The user's password, typed again to confirm who is acting."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(description: str = PASSWORD_HELP, label: str = "New password"):
    # The length rules live in services.check_password_policy, with the others.
    return PasswordField(
        label, validators=[DataRequired()], description=description, render_kw=NEW_PASSWORD
    )


def password_again_field() -> PasswordField:
    return PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw=NEW_PASSWORD,
    )


class SignInForm(FlaskForm):
    email = email_field(render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=100)],
        description="What the token is for, e.g. 'reporting script'.",
    )


class PasswordChangeForm(FlaskForm):
    current_password = current_password_field("Current password")
    password = new_password_field()
    confirm = password_again_field()


class PasswordResetForm(FlaskForm):
    password = new_password_field(PASSWORD_HELP + " Every session of the account ends.")


class _AccountFields(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    actor = SelectField(
        "State or organisation",
        description="Required for a focal point.",
        default="",  # none, when the API leaves it out
    )

    def set_actor_choices(self, actors: list[Actor]) -> None:
        self.actor.choices = [("", "— none —")] + [(a.code, f"{a.name} ({a.code})") for a in actors]


class NewUserForm(_AccountFields):
    email = email_field()
    password = new_password_field(label="Password")


class UserForm(_AccountFields):
    is_active = BooleanField("Active", description="An inactive account cannot sign in.")
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
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=32)],
        description="The six digits your authenticator app shows, or one of your recovery codes.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(), Length(max=32)],
        description="After adding the account, type the six digits the app shows for it.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmPasswordForm(FlaskForm):
    current_password = current_password_field("Your password")


class ForgotPasswordForm(FlaskForm):
    email = email_field(
        description="The address you sign in with.", render_kw={"autocomplete": "username"}
    )


class NewPasswordForm(FlaskForm):
    """A password chosen through a link: an invitation's first one, or a reset's."""

    password = new_password_field()
    confirm = password_again_field()


class InviteForm(_AccountFields):
    email = email_field(description="The invitation goes here; the person signs in with it.")


class ProfileForm(FlaskForm):
    name = StringField(
        "Name", validators=[Length(max=200)], description="Empty: your email address is shown."
    )


class EmailChangeForm(FlaskForm):
    new_email = email_field(
        "New email address",
        description="A link goes there; the address changes when you open it.",
    )
    current_password = current_password_field("Your password")


class EmailConfirmForm(FlaskForm):
    """The button that confirms a new email address (a GET changes nothing: mail scanners open
    links)."""


class HandOverForm(FlaskForm):
    # Any id is taken here: auth/handover.check_hand_over says why one is refused (another
    # actor's, deactivated, oneself), which "Not a valid choice" would not.
    successor = SelectField(
        "Hand over to",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ID, message="No such account.")],
        description="An active focal point or member of the same state or organisation.",
    )

    def set_successor_choices(self, users: list[User]) -> None:
        self.successor.choices = [
            (u.id, f"{u.name} ({u.email}, {u.role.label.lower()})") for u in users
        ]
