"""An account's life by mail: invitations, password resets and email changes, each through a
single-use link (tracker/auth/links.py), and the notices that follow them.

Every message goes through the outbox (tracker/mail), in the caller's transaction: a link is
mailed if and only if it was committed.
"""

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.actors.models import Actor
from tracker.audit.services import By, record_change, record_event
from tracker.auth import links, throttle
from tracker.auth.links import BaseUrlMissing, LinkError  # noqa: F401  (callers catch them here)
from tracker.auth.models import AccountLink, LinkPurpose, Role, User, normalise_email
from tracker.auth.services import (
    AuthError,
    SignInThrottled,
    _check_name,
    _store_password,
    check_password_policy,
    confirm_own_password,
    create_user,
    get_user_by_email,
    is_plausible_email,
)
from tracker.db import db, guarded_write, utcnow
from tracker.i18n import language_of
from tracker.mail.services import queue_mail


def _mail(user: User, template: str, subject: str, *, to: str | None = None, **context) -> None:
    """Queue one of the account messages (templates/auth/mail/<template>.txt) to the user, in
    their language (`subject` is lazy: it is written in that language too)."""
    with force_locale(language_of(user)):
        text = render_template(f"auth/mail/{template}.txt", user=user, **context)
        subject = str(subject)
    # The name goes into the To: header; names are checked to be one line when they are saved
    # (services._check_name), and an older one that is not is simply left out.
    name = user.name if user.name.isprintable() else ""
    queue_mail(to or user.email, subject, text, to_name=name)


def _hours(purpose: LinkPurpose) -> int:
    return current_app.config[links.LIFETIME_SETTINGS[purpose]]


def _send_invitation(user: User, *, by: By) -> str:
    link, plain = links.issue_link(user, LinkPurpose.INVITATION)
    url = links.external_url("auth.accept_invitation", invitation_token=plain)
    inviter = by.name if isinstance(by, User) else _l("The Secretariat")
    _mail(
        user,
        "invitation",
        _l("Your account on the Budapest Process tracker"),
        url=url,
        hours=_hours(LinkPurpose.INVITATION),
        inviter=inviter,
        expires_at=link.expires_at,
    )
    return url


def invite_user(
    *, email: str, name: str, role: Role, actor: Actor | None = None, by: By
) -> tuple[User, str]:
    """Make an account without a password and mail its person a link to set one; returns the
    account and the link (the command line prints it, for a machine without mail)."""
    links.base_url()  # before anything is written: no account without a link that works
    user = create_user(email=email, name=name, role=role, password=None, actor=actor, by=by)
    return user, _send_invitation(user, by=by)


def _check_invitable(user: User) -> None:
    if user.has_password:
        raise AuthError(
            _(
                "%(email)s has set a password already: an invitation is for a new account. "
                "A forgotten password is reset from the sign-in page.",
                email=user.email,
            )
        )


def reinvite_user(user: User, *, by: By) -> str:
    """Mail a new invitation (the earlier link stops working); reactivates a revoked one."""
    links.base_url()
    _check_invitable(user)
    if not user.is_active:
        user.is_active = True
    url = _send_invitation(user, by=by)
    record_event(by=by, action="invite", entity=user, summary=f"Invited {user.email} again")
    return url


def revoke_invitation(user: User, *, by: By) -> None:
    """Withdraw the invitation: its link stops working and the account is deactivated."""
    _check_invitable(user)
    links.void_links(user, LinkPurpose.INVITATION, reason="withdrawn")
    user.is_active = False
    record_change(
        user,
        "revoke_invitation",
        f"Withdrew the invitation of {user.email}; the account is deactivated",
        by=by,
    )


def invitation_states(users: list[User], *, now: datetime | None = None) -> dict[int, str]:
    """{user id: "pending", "expired" or "revoked"} for the accounts whose person has not set a
    password yet (one query, for a whole list)."""
    now = now or utcnow()
    invited = [u for u in users if not u.has_password]
    if not invited:
        return {}
    live = set(
        db.session.scalars(
            select(AccountLink.user_id).where(
                AccountLink.user_id.in_([u.id for u in invited]),
                AccountLink.purpose == LinkPurpose.INVITATION,
                AccountLink.used_at.is_(None),
                AccountLink.voided_at.is_(None),
                AccountLink.expires_at > now,
            )
        )
    )
    return {
        u.id: "revoked" if not u.is_active else "pending" if u.id in live else "expired"
        for u in invited
    }


def invitation_link(plain: str) -> AccountLink:
    """The usable invitation link `plain` is (LinkError otherwise)."""
    link = links.find_link(plain, LinkPurpose.INVITATION)
    if link.user.has_password:
        raise LinkError(_("This invitation was accepted already: sign in with your password."))
    return link


def accept_invitation(link: AccountLink, password: str, *, address: str | None) -> User:
    """The invited person sets their password (the policy applies); the link is used up."""
    user = link.user
    check_password_policy(password, email=user.email, name=user.name)
    links.use_link(link)
    _store_password(user, password)
    record_event(
        by=user,
        action="accept_invitation",
        entity=user,
        address=address,
        summary=f"{user.email} accepted the invitation and set a password",
    )
    return user


def _reset_key(email: str) -> str:
    # Its own key in the sign-in throttle: reset requests do not count against the account's
    # password, and each is counted whether or not the account exists.
    return f"(password reset) {email}"


def request_password_reset(email: str, *, address: str | None, now: datetime | None = None):
    """Mail a reset link if `email` is an active account's; the same work, answer and time
    otherwise (nothing is queued). SignInThrottled when too many were asked for."""
    now = now or utcnow()
    links.base_url()  # a missing setting fails alike for every email
    email = normalise_email(email)
    if not is_plausible_email(email):  # says nothing about accounts: only the address's form
        raise AuthError(_("Enter a valid email address."), "email")
    key, where = _reset_key(email), throttle.address_key(address)
    if throttle.failures(key, where, now=now).refusal():
        raise SignInThrottled("email")
    throttle.record(key, where, succeeded=False, now=now)
    user = get_user_by_email(email)
    plain = links.new_token()  # made either way: the two paths take the same time
    if user is None or not user.is_active:
        render_template("auth/mail/password_reset.txt", user=None, url=plain, minutes=0)
        return
    _link, plain = links.issue_link(user, LinkPurpose.PASSWORD_RESET, now=now)
    url = links.external_url("auth.reset_password", reset_token=plain)
    _mail(
        user,
        "password_reset",
        _l("Reset your password"),
        url=url,
        minutes=_hours(LinkPurpose.PASSWORD_RESET) * 60,
    )
    record_event(
        by=None,
        action="password_reset_asked",
        entity=user,
        address=address,
        summary=f"A password reset link was mailed to {user.email}",
    )


def reset_link(plain: str) -> AccountLink:
    return links.find_link(plain, LinkPurpose.PASSWORD_RESET)


def reset_password(link: AccountLink, password: str, *, address: str | None) -> User:
    """Set the new password through a reset link: every session ends, and a notice goes to the
    account. A second factor stays on: signing in still asks for its code."""
    user = link.user
    check_password_policy(password, email=user.email, name=user.name)
    links.use_link(link)
    _store_password(user, password)
    _mail(user, "password_changed", _l("Your password was changed"), address=address)
    record_event(
        by=user,
        action="password_reset",
        entity=user,
        address=address,
        summary=f"{user.email} set a new password through a reset link; every session ended",
    )
    return user


def update_own_name(user: User, name: str) -> bool:
    """The user's own display name (empty: the email); False if it did not change."""
    name = name.strip()
    _check_name(name)
    name = name or user.email
    if name == user.name:
        return False
    before, user.name = user.name, name
    record_change(
        user,
        "update",
        f"{user.email} changed their name",
        by=user,
        changes={"name": [before, name]},
    )
    return True


def _taken(email: str) -> AuthError:
    return AuthError(_("Another account has the email %(email)s.", email=email), "new_email")


def request_email_change(user: User, new_email: str, *, password: str, address: str | None) -> str:
    """Mail a confirmation link to the new address (the change happens when it is opened);
    the current password is needed, as for a password change. Returns the new address."""
    new_email = normalise_email(new_email)
    if not is_plausible_email(new_email):
        raise AuthError(_("Enter a valid email address."), "new_email")
    if new_email == user.email:
        raise AuthError(_("That is your email address already."), "new_email")
    links.base_url()
    confirm_own_password(user, password, address=address)
    if get_user_by_email(new_email) is not None:
        raise _taken(new_email)
    link, plain = links.issue_link(user, LinkPurpose.EMAIL_CHANGE, new_email=new_email)
    _mail(
        user,
        "email_change",
        _l("Confirm your new email address"),
        to=new_email,
        url=links.external_url("auth.confirm_email", email_token=plain),
        new_email=new_email,
        hours=_hours(LinkPurpose.EMAIL_CHANGE),
    )
    record_event(
        by=user,
        action="email_change_asked",
        entity=user,
        address=address,
        summary=f"{user.email} asked to change their email to {new_email}",
    )
    return new_email


def pending_email_change(user: User) -> AccountLink | None:
    """The email change the user asked for and has not confirmed yet, while its link works."""
    link = links.pending_link(user, LinkPurpose.EMAIL_CHANGE)
    return link if link is not None and link.expires_at > utcnow() else None


def email_change_link(plain: str, user: User) -> AccountLink:
    """The usable email-change link `plain` is, of the signed-in `user` (LinkError otherwise):
    whoever else opens it (a typo in the address) cannot move the account to their mailbox."""
    link = links.find_link(plain, LinkPurpose.EMAIL_CHANGE)
    if link.user_id != user.id:
        raise LinkError(
            _("This link is for another account: sign in as the account that asked for it."), 403
        )
    return link


def confirm_email_change(link: AccountLink, *, address: str | None) -> User:
    """Change the email to the one the link was mailed to; a notice goes to the old address,
    and reset links mailed to it stop working."""
    user, new_email = link.user, link.new_email or ""
    if get_user_by_email(new_email) is not None:
        raise _taken(new_email)
    links.use_link(link)
    old_email = user.email
    with guarded_write(duplicate=_taken(new_email)):
        user.email = new_email
        db.session.flush()
    links.void_links(user, LinkPurpose.PASSWORD_RESET, reason="withdrawn")
    _mail(
        user,
        "email_changed",
        _l("Your email address was changed"),
        to=old_email,
        old_email=old_email,
        new_email=new_email,
    )
    record_event(
        by=user,
        action="email_change",
        entity=user,
        address=address,
        summary=f"{old_email} changed their email to {new_email}",
        changes={"email": [old_email, new_email]},
    )
    return user
