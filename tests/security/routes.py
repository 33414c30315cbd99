"""The one registry of the attack tests: what each route needs to be walked, fuzzed and attacked.

A new route fails tests/security until it has what the walkers need here; the failure says what
to add. In short:
- a URL argument (`<id:user_id>`): a value in URL_ARGS, made from a World record (add the record
  kind to World if it is new, and to World.restore if a fuzzed request can spoil it); where the
  same name means something else for one endpoint, ENDPOINT_ARGS;
- a page POST: PAGE_FORMS[endpoint] = PageForm(form class, valid data) — its fields are fuzzed by
  type (FIELD_STRATEGIES; a new field type needs a strategy there) and its text fields get the
  stored-XSS payloads (XSS_REFUSED says why a field may refuse them all);
- an API write: its request body in tracker/api/openapi.py (JSON or multipart), and a valid body
  in API_BODIES (or the endpoint in API_WITHOUT_BODY);
- a GET or a refused write that may still write something: an Allowed entry in GET_MAY_WRITE or
  REFUSED_WRITE_MAY_WRITE, with the reason; a signed-in GET that may be cached: CACHEABLE.
The tests: test_csrf, test_get_is_safe, test_fuzz, test_xss, test_headers; test_walkers_can_fail
shows each of them failing on a throwaway app broken on purpose.
"""

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import sqlalchemy as sa
import wtforms
from flask_wtf import FlaskForm
from sqlalchemy.orm.attributes import set_committed_value

from tests import factories
from tests.security import strategies as hostile
from tests.security.checks import Allowed
from tracker.actors import services as actor_services
from tracker.actors.forms import ActorForm, EndSeatForm, SeatForm, WorkingGroupForm
from tracker.actors.models import Actor, WorkingGroup
from tracker.auth import lifecycle, links
from tracker.auth import services as auth_services
from tracker.auth.forms import (
    ConfirmPasswordForm,
    EmailChangeForm,
    EmailConfirmForm,
    ForgotPasswordForm,
    HandOverForm,
    InviteForm,
    NewPasswordForm,
    NewUserForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SecondFactorForm,
    SignInForm,
    TokenForm,
    TwoFactorSetupForm,
    UserForm,
)
from tracker.auth.models import LinkPurpose, Role
from tracker.db import db
from tracker.i18n import LanguageForm
from tracker.meetings.forms import (
    AgendaItemForm,
    AgendaMoveForm,
    AttachmentForm,
    DecisionEditForm,
    DecisionForm,
    FollowUpEditForm,
    FollowUpForm,
    FollowUpStatusForm,
    MeetingPageForm,
    MinutesForm,
    ParticipantForm,
    ParticipantGroupForm,
)
from tracker.meetings.forms import StepForm as MeetingStepForm
from tracker.meetings.models import Decision, FollowUp, Meeting
from tracker.notifications.forms import NotificationSettingsForm
from tracker.notifications.models import NotificationKind
from tracker.plan import documents
from tracker.plan import services as plan_services
from tracker.plan.fileformats import CSV_COLUMNS
from tracker.plan.forms import (
    ActionPointForm,
    ActivityForm,
    ConfirmImportForm,
    ContinuationForm,
    GoalForm,
    PlanImportForm,
)
from tracker.plan.models import ActionPoint, Activity, PriorityGoal
from tracker.pledges.forms import (
    EntryForm,
    NeedForm,
    PledgeEditForm,
    PledgeForm,
    RateForm,
    UploadForm,
)
from tracker.pledges.models import Pledge
from tracker.progress import services as progress_services
from tracker.progress.forms import (
    BulkForm,
    EvidenceForm,
    RemindForm,
    ReturnForm,
    RoundForm,
    StepForm,
    UpdateForm,
    WeightForm,
)
from tracker.progress.forms import UploadForm as ProgressUploadForm
from tracker.progress.models import ProgressUpdate
from tracker.uploads.forms import DocumentForm

PASSWORD = "a-long-test-password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_serial = itertools.count(1)


class World:
    """One record of each kind, for real ids in URLs and forms. `build()` makes them all."""

    @cached_property
    def admin(self):
        return factories.make_user(role="admin", name="World admin", password=PASSWORD)

    @cached_property
    def viewer(self):
        return factories.make_user(role="viewer", name="World viewer", password=PASSWORD)

    @cached_property
    def leaver(self):
        """A focal point of the world's actor whose work is handed over (and who comes back)."""
        return factories.make_user(role="focal_point", name="World leaver", password=PASSWORD)

    @cached_property
    def heir(self):
        """The leaver's successor: a focal point of the same actor."""
        return factories.make_user(role="focal_point", name="World heir", password=PASSWORD)

    @cached_property
    def plan(self):
        return factories.get_plan()

    @cached_property
    def goal(self):
        return self.plan.goals[0]

    @cached_property
    def actor(self):
        return factories.get_actor("HU")

    @cached_property
    def action_point(self):
        return factories.make_action_point(
            self.plan,
            goal=self.goal,
            code="W1",
            title="World action point",
            description="**World** description",
            lead_actor=self.actor,
            partners=[factories.get_actor("AT")],
            target_on=date(2026, 6, 30),
        )

    @cached_property
    def activity(self):
        return plan_services.create_activity(
            self.action_point,
            title="World activity",
            lead_actor=self.actor,
            budget_minor=125_000,
            budget_currency="EUR",
            by="tests",
        )

    @cached_property
    def update(self):
        """A draft of the world's actor (for edit and submit)."""
        return factories.make_update(
            self.action_point, by=self.admin, actor=self.actor, narrative="World **draft**"
        )

    @cached_property
    def submitted_update(self):
        """A submitted update (for validate and return)."""
        return factories.make_update(
            self.action_point, by=self.admin, actor=self.actor, workflow="submitted"
        )

    @cached_property
    def evidence(self):
        """An evidence file on the world's draft."""
        return factories.make_evidence(self.update, by=self.admin)

    @cached_property
    def round(self):
        return progress_services.create_round(
            self.plan,
            title="World round",
            opens_on=self.plan.starts_on,
            deadline=date.today(),
            by=self.admin,
        )

    @cached_property
    def published_report(self):
        """A published report, of a round of its own: the world's round stays publishable."""
        round_ = progress_services.create_round(
            self.plan,
            title="World published round",
            opens_on=self.plan.starts_on,
            deadline=date.today(),
            by=self.admin,
        )
        return factories.make_published_report(round_, by=self.admin)

    @cached_property
    def successor(self):
        """An action point of the later plan, that the world's action point may continue in."""
        return factories.make_action_point(
            factories.get_plan("BP-CFA-2025"), code="W2", title="World successor"
        )

    @cached_property
    def working_group(self):
        return db.session.scalars(db.select(WorkingGroup).order_by(WorkingGroup.id)).first()

    @cached_property
    def seat(self):
        return (
            self.actor.reference_group_memberships[0]
            if (self.actor.reference_group_memberships)
            else actor_services.seat_in_reference_group(
                self.actor, role="member", joined_on=None, by="tests"
            )
        )

    @cached_property
    def document(self):
        from tracker.uploads.services import store_upload

        upload = store_upload(PDF, "world.pdf", by="tests")
        return documents.attach_document(
            self.action_point, upload, title="World document", by="tests"
        )

    @cached_property
    def pledge(self):
        return factories.make_pledge(actor=self.actor, amount_minor=10**12)

    @cached_property
    def meeting(self):
        return factories.make_meeting(self.plan, title="World meeting")

    @cached_property
    def follow_up(self):
        return factories.make_follow_up(self.meeting, owner=self.actor)

    @cached_property
    def meeting_attachment(self):
        from tracker.meetings import services as meeting_services
        from tracker.uploads.services import store_upload

        upload = store_upload(PDF, "annex.pdf", by="tests")
        return meeting_services.attach_file(self.meeting, upload, by="tests")

    @cached_property
    def minutes(self):
        from tracker.meetings import services as meeting_services

        meeting_services.record_minutes(self.meeting, text="First draft.", by="tests")
        return meeting_services.record_minutes(
            self.meeting, text="First draft, corrected.", by="tests"
        )

    @cached_property
    def agenda_item(self):
        from tracker.meetings import agenda

        return agenda.add_agenda_item(self.meeting, title="World item", by="tests")

    @cached_property
    def decision(self):
        from tracker.meetings import follow_ups

        return follow_ups.record_decision(
            self.meeting, text="World decision.", action_points=[self.action_point], by="tests"
        )

    @cached_property
    def ids(self) -> dict:
        """Ids of the records a fuzzed request may delete (an agenda item, an attachment, a
        decision, a follow-up): read once, while they exist, so that the later examples get
        their 404."""
        return {
            "item_id": self.agenda_item.id,
            "attachment_id": self.meeting_attachment.id,
            "decision_id": self.decision.id,
            "follow_up_id": self.follow_up.id,
        }

    @cached_property
    def participant(self):
        from tracker.meetings import services as meeting_services

        return meeting_services.set_participant(
            self.meeting, actor=self.actor, attendance="invited", by="tests"
        )

    @cached_property
    def mail(self):
        return factories.make_mail(
            to="world@example.org", subject="World mail", html="<p>World <b>mail</b></p>"
        )

    @cached_property
    def notification(self):
        """A notification of the world admin (the walkers sign in as it): one to mark read."""
        from tracker.notifications.services import notify

        [made] = notify(
            [self.admin],
            NotificationKind.UPDATE_SUBMITTED,
            subject=self.submitted_update,
            text="World notification",
            link="/",
        )
        return made

    @cached_property
    def _token(self):
        return auth_services.create_token(self.admin, name="World token", by="tests")

    @property
    def token(self):
        return self._token[0]

    @property
    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self._token[1]}"}

    @cached_property
    def _feed(self):
        return auth_services.create_calendar_feed(self.admin, by="tests")

    @property
    def feed_token(self) -> str:
        """The plain token of the admin's calendar feed address."""
        return self._feed[1]

    @cached_property
    def invitation_token(self) -> str:
        """The link of an invited account, waiting for its password."""
        _, url = lifecycle.invite_user(
            email=f"invited{next(_serial)}@example.org", name="", role=Role.VIEWER, by="tests"
        )
        return url.rpartition("/")[2]

    @cached_property
    def reset_token(self) -> str:
        """A password reset link of the viewer (whose password nobody signs in with)."""
        return links.issue_link(self.viewer, LinkPurpose.PASSWORD_RESET)[1]

    @cached_property
    def email_token(self) -> str:
        """An email change of the admin, the user the walkers sign in as (World.restore undoes
        it)."""
        return links.issue_link(
            self.admin, LinkPurpose.EMAIL_CHANGE, new_email=f"moved{next(_serial)}@example.org"
        )[1]

    def build(self) -> "World":
        kinds = (
            "admin",
            "viewer",
            "leaver",
            "heir",
            "plan",
            "goal",
            "actor",
            "action_point",
            "activity",
            "successor",
            "working_group",
            "seat",
            "document",
            "pledge",
            "update",
            "submitted_update",
            "evidence",
            "round",
            "published_report",
            "meeting",
            "follow_up",
            "meeting_attachment",
            "minutes",
            "agenda_item",
            "participant",
            "decision",
            "ids",
            "mail",
            "invitation_token",
            "reset_token",
            "email_token",
            "notification",
        )
        for name in kinds:
            getattr(self, name)
        self._token  # noqa: B018
        self._feed  # noqa: B018
        db.session.commit()
        self.admin_password_hash = self.admin.password_hash
        self.admin_email = self.admin.email
        self.feed_hash = self._feed[0].token_hash
        return self

    def restore(self) -> bool:
        """Undo what a fuzzed request that succeeded may have done to the world's admin, token,
        calendar feed and document (a password or email change, a deactivation, a revocation or
        replacement, a retirement) and to its leaver (handed over), so that the next example can
        sign in and find them. True if anything had to be undone."""
        db.session.expire_all()  # requests run in sessions of their own
        User, Token, Feed, Document = (  # noqa: N806 (the records' classes)
            type(r) for r in (self.admin, self.token, self._feed[0], self.document)
        )
        spoiled_when = [  # one query: it runs before every fuzzed example and every sign-in
            sa.select(User.id).where(
                User.id == self.admin.id,
                (User.password_hash != self.admin_password_hash)
                | (User.email != self.admin_email)
                | ~User.is_active,
            ),
            sa.select(User.id).where(User.id == self.leaver.id, ~User.is_active),
            sa.select(Token.id).where(Token.id == self.token.id, Token.revoked_at.is_not(None)),
            sa.select(Feed.id).where(
                Feed.id == self._feed[0].id,
                (Feed.token_hash != self.feed_hash) | Feed.revoked_at.is_not(None),
            ),
            sa.select(Document.id).where(
                Document.id == self.document.id, Document.retired_at.is_not(None)
            ),
        ]
        spoiled = db.session.scalar(sa.select(sa.or_(*(q.exists() for q in spoiled_when))))
        if spoiled:
            admin = db.session.get(User, self.admin.id)
            leaver = db.session.get(User, self.leaver.id)
            token = db.session.get(Token, self.token.id)
            feed = db.session.get(Feed, self._feed[0].id)
            document = db.session.get(Document, self.document.id)
            admin.password_hash, admin.is_active = self.admin_password_hash, True
            admin.email = self.admin_email
            leaver.is_active = True
            token.revoked_at = document.retired_at = feed.revoked_at = None
            feed.token_hash = self.feed_hash
            db.session.commit()
        return spoiled

    def reloaded(self) -> "World":
        """This world with its records in the current `db.session`, read again at their first
        use: a module builds one world and each test gets its records in a session of its own,
        as when it was just built (tests/security/conftest.py)."""
        copy = object.__new__(World)
        copy.__dict__.update({name: _reload(value) for name, value in vars(self).items()})
        return copy

    def fresh(self, model, record_id: int):
        """A record as the database holds it now (requests run in sessions of their own)."""
        db.session.expire_all()
        return db.session.get(model, record_id)


def _reload(value):
    """A record (or a tuple holding records) in `db.session`, read again at its first use (a test
    uses a few of the world's records: reading them all for each of a thousand tests was a
    tenth of the security suite's queries); other values as is."""
    if isinstance(value, tuple):
        return tuple(_reload(item) for item in value)
    if hasattr(value, "_sa_instance_state"):
        record = db.session.merge(value, load=False)
        # Its id without a query: a view of the walkers' test apps reads world ids mid-request,
        # when a query of the test's session would step on the request's savepoint.
        mapper = sa.inspect(type(value))
        for column, key in zip(mapper.primary_key, sa.inspect(value).identity, strict=True):
            set_committed_value(record, mapper.get_property_by_column(column).key, key)
        return record
    return value


# <argument> of a route -> its value in the world. ENDPOINT_ARGS wins for one endpoint.
URL_ARGS: dict[str, Callable[[World], object]] = {
    "action_point_id": lambda w: w.action_point.id,
    "activity_id": lambda w: w.activity.id,
    "actor_id": lambda w: w.actor.id,
    "goal_id": lambda w: w.goal.id,
    "token_id": lambda w: w.token.id,
    "document_id": lambda w: w.document.id,
    "user_id": lambda w: w.viewer.id,
    "code": lambda w: w.plan.code,
    "code_or_id": lambda w: w.plan.code,
    "number": lambda w: w.goal.number,
    "update_id": lambda w: w.update.id,
    "round_id": lambda w: w.round.id,
    "evidence_id": lambda w: w.evidence.id,
    "successor_id": lambda w: w.successor.id,
    "group_id": lambda w: w.working_group.id,
    "seat_id": lambda w: w.seat.id,
    "record_id": lambda w: w.activity.id,
    "kind": lambda w: "activities",
    "change": lambda w: "retire",
    "fmt": lambda w: "csv",
    "pledge_id": lambda w: w.pledge.id,
    "meeting_id": lambda w: w.meeting.id,
    "follow_up_id": lambda w: w.ids["follow_up_id"],
    "decision_id": lambda w: w.ids["decision_id"],
    "attachment_id": lambda w: w.ids["attachment_id"],
    "item_id": lambda w: w.ids["item_id"],
    "actor_code": lambda w: w.actor.code,  # the world's participant
    "version": lambda w: w.minutes.number,
    "feed_token": lambda w: w.feed_token,
    "report_id": lambda w: w.published_report.id,
    "mail_id": lambda w: w.mail.id,
    "invitation_token": lambda w: w.invitation_token,
    "reset_token": lambda w: w.reset_token,
    "email_token": lambda w: w.email_token,
    "notification_id": lambda w: w.notification.id,
}
ENDPOINT_ARGS: dict[tuple[str, str], Callable[[World], object]] = {
    ("static", "filename"): lambda w: "tracker.css",
    ("bootstrap.static", "filename"): lambda w: "css/bootstrap.min.css",
    ("plan.download_document", "filename"): lambda w: w.document.file.filename,
    ("progress.validate", "update_id"): lambda w: w.submitted_update.id,
    ("progress.return_update", "update_id"): lambda w: w.submitted_update.id,
    ("api.validate_update", "update_id"): lambda w: w.submitted_update.id,
    ("progress.withdraw", "update_id"): lambda w: w.submitted_update.id,
    ("api.withdraw_update", "update_id"): lambda w: w.submitted_update.id,
    ("api.return_update", "update_id"): lambda w: w.submitted_update.id,
    ("users.hand_over", "user_id"): lambda w: w.leaver.id,
    ("api.hand_over_user", "user_id"): lambda w: w.leaver.id,
}


@dataclass(frozen=True)
class PageForm:
    """A page POST: its form class (None: a button with no fields) and data that it accepts."""

    form: type[FlaskForm] | None
    valid: Callable[[World], dict]
    signed_in: bool = True  # False: the route is for anonymous users (sign-in)


def _new_code() -> str:
    return f"F{next(_serial)}"


def _action_point_data(w: World, **overrides) -> dict:
    return {
        "goal_id": w.goal.id,
        "code": _new_code(),
        "title": "Joint training for border guards",
        "description": "Two sessions a year.",
        "lead_actor": "HU",
        "partners": ["AT", "TR"],
        "target_on": "2026-06-30",
        **overrides,
    }


def _edit_action_point_data(w: World) -> dict:
    current = w.fresh(ActionPoint, w.action_point.id)
    return _action_point_data(w, code=current.code, version=current.version)


def _goal_data(w: World, **overrides) -> dict:
    return {"number": 90 + next(_serial) % 9, "title": "A goal", "description": "Why.", **overrides}


def _edit_goal_data(w: World) -> dict:
    current = w.fresh(PriorityGoal, w.goal.id)
    return _goal_data(w, number=current.number, version=current.version)


def _activity_data(w: World, **overrides) -> dict:
    return {
        "code": _new_code(),
        "title": "Workshop",
        "description": "Two days.",
        "lead_actor": "HU",
        "starts_on": "2026-01-15",
        "ends_on": "2026-02-01",
        "budget_amount": "1250.00",
        "budget_currency": "EUR",
        **overrides,
    }


def _edit_activity_data(w: World) -> dict:
    current = w.fresh(Activity, w.activity.id)
    return _activity_data(w, code=current.code, version=current.version)


def _actor_data(w: World, **overrides) -> dict:
    return {
        "kind": "organisation",
        "code": _new_code(),
        "name": "An organisation",
        "region": "europe",
        "note": "A note.",
        **overrides,
    }


def _edit_actor_data(w: World) -> dict:
    current = w.fresh(Actor, w.actor.id)
    return _actor_data(w, kind=current.kind.value, code=current.code, version=current.version)


def _group_data(w: World, **overrides) -> dict:
    return {
        "code": _new_code(),
        "name": "A group",
        "chair": "HU",
        "note": "A note.",
        "members": ["HU", "AT"],
        **overrides,
    }


def _edit_group_data(w: World) -> dict:
    current = w.fresh(WorkingGroup, w.working_group.id)
    return _group_data(w, code=current.code, version=current.version)


def _plan_file(w: World) -> dict:
    row = "action_point,,W3,1,,Imported,,HU,AT,2026-06-30,,,,"
    header = ",".join(CSV_COLUMNS)
    return {"file": (io.BytesIO(f"{header}\r\n{row}\r\n".encode()), "plan.csv")}


def _update_data(w: World, **overrides) -> dict:
    return {
        "actor": "HU",
        "status": "in_progress",
        "percent": "40",
        "reported_on": date.today().isoformat(),
        "narrative": "Two workshops held.",
        "evidence_links": "https://example.org/report",
        **overrides,
    }


def _edit_update_data(w: World) -> dict:
    return _update_data(w, version=w.fresh(ProgressUpdate, w.update.id).version)


def _bulk_data(w: World) -> dict:
    return {
        "actor": "HU",
        "reported_on": date.today().isoformat(),
        "rows-0-action_point": w.action_point.code,
        "rows-0-status": "planned",
        "rows-0-percent": "10",
        "rows-0-narrative": "Planned for next year.",
    }


def _upload_data(w: World) -> dict:
    content = f"action_point,status,percent\n{w.action_point.code},planned,5\n".encode()
    return {
        "actor": "HU",
        "reported_on": date.today().isoformat(),
        "file": (io.BytesIO(content), "report.csv"),
    }


NEW_PASSWORD = "another long test passphrase"


def _new_user_data() -> dict:
    n = next(_serial)
    return {
        "email": f"new{n}@example.org",
        "name": f"New person {n}",
        "role": "viewer",
        "actor": "",
        "password": NEW_PASSWORD,
    }


def _document_data() -> dict:
    return {"file": (io.BytesIO(PDF), "concept note.pdf"), "title": "Concept note"}


PAGE_FORMS: dict[str, PageForm] = {
    "auth.sign_in": PageForm(
        SignInForm, lambda w: {"email": w.admin.email, "password": PASSWORD}, signed_in=False
    ),
    "auth.sign_out": PageForm(None, lambda w: {}),
    "language": PageForm(LanguageForm, lambda w: {"language": "ru", "next": "/"}),
    "auth.tokens": PageForm(TokenForm, lambda w: {"name": "reporting script"}),
    "auth.revoke_token": PageForm(None, lambda w: {}),
    "auth.change_password": PageForm(
        PasswordChangeForm,
        lambda w: {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "users.new": PageForm(NewUserForm, lambda w: _new_user_data()),
    "users.edit": PageForm(
        UserForm, lambda w: {"name": "World viewer", "role": "viewer", "is_active": "y"}
    ),
    "users.reset_password": PageForm(PasswordResetForm, lambda w: {"password": NEW_PASSWORD}),
    "users.reset_two_factor": PageForm(None, lambda w: {}),
    "users.hand_over": PageForm(HandOverForm, lambda w: {"successor": str(w.heir.id)}),
    # Without a password step passed (the walkers' world has none), it sends to sign-in.
    "auth.second_factor": PageForm(SecondFactorForm, lambda w: {"code": "123456"}),
    "auth.two_factor_on": PageForm(TwoFactorSetupForm, lambda w: {"code": "123456"}),
    "auth.new_recovery_codes": PageForm(
        ConfirmPasswordForm, lambda w: {"current_password": PASSWORD}
    ),
    "auth.two_factor_off": PageForm(ConfirmPasswordForm, lambda w: {"current_password": PASSWORD}),
    "auth.forgot_password": PageForm(
        ForgotPasswordForm, lambda w: {"email": w.viewer.email}, signed_in=False
    ),
    "auth.reset_password": PageForm(
        NewPasswordForm, lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, False
    ),
    "auth.accept_invitation": PageForm(
        NewPasswordForm, lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, False
    ),
    "auth.confirm_email": PageForm(EmailConfirmForm, lambda w: {}),
    "auth.profile": PageForm(ProfileForm, lambda w: {"name": "World admin"}),
    "auth.change_email": PageForm(
        EmailChangeForm,
        lambda w: {"new_email": f"moved{next(_serial)}@example.org", "current_password": PASSWORD},
    ),
    "users.invite": PageForm(
        InviteForm,
        lambda w: (
            {"email": f"invited{next(_serial)}@example.org", "name": "An invitee"}
            | {"role": "viewer", "actor": ""}
        ),
    ),
    "users.reinvite": PageForm(None, lambda w: {}),
    "users.revoke_invitation": PageForm(None, lambda w: {}),
    "plan.new_action_point": PageForm(ActionPointForm, _action_point_data),
    "plan.upload_document": PageForm(DocumentForm, lambda w: _document_data()),
    "plan.retire_document": PageForm(None, lambda w: {}),
    "plan.edit_action_point": PageForm(ActionPointForm, _edit_action_point_data),
    "progress.new": PageForm(UpdateForm, _update_data),
    "progress.edit": PageForm(UpdateForm, _edit_update_data),
    "progress.submit": PageForm(StepForm, lambda w: {}),
    "progress.withdraw": PageForm(StepForm, lambda w: {}),
    "progress.validate": PageForm(StepForm, lambda w: {}),
    "progress.return_update": PageForm(ReturnForm, lambda w: {"reason": "Add the report."}),
    "progress.weight": PageForm(WeightForm, lambda w: {"weight": "2"}),
    "progress.new_round": PageForm(
        RoundForm,
        lambda w: {"title": "SOM 2027", "opens_on": "2026-01-01", "deadline": "2026-03-31"},
    ),
    "progress.close_round": PageForm(None, lambda w: {}),
    "progress.remind": PageForm(RemindForm, lambda w: {"actor": "AT"}),
    "reports.publish": PageForm(None, lambda w: {}),
    "progress.bulk": PageForm(BulkForm, _bulk_data),
    "progress.add_evidence": PageForm(
        EvidenceForm, lambda w: {"file": (io.BytesIO(factories.PDF_BYTES), "report.pdf")}
    ),
    "progress.upload": PageForm(ProgressUploadForm, _upload_data),
    "plan.new_goal": PageForm(GoalForm, _goal_data),
    "plan.edit_goal": PageForm(GoalForm, _edit_goal_data),
    "plan.new_activity": PageForm(ActivityForm, _activity_data),
    "plan.edit_activity": PageForm(ActivityForm, _edit_activity_data),
    "plan.add_continuation": PageForm(
        ContinuationForm, lambda w: {"continued_in": "BP-CFA-2025:W2"}
    ),
    "plan.remove_continuation": PageForm(None, lambda w: {}),
    "plan.retire": PageForm(None, lambda w: {}),
    "plan.import_plan": PageForm(PlanImportForm, _plan_file),
    "plan.confirm_import": PageForm(ConfirmImportForm, lambda w: {"upload": "x" * 32}),
    "actors.new": PageForm(ActorForm, _actor_data),
    "actors.edit": PageForm(ActorForm, _edit_actor_data),
    "actors.new_working_group": PageForm(WorkingGroupForm, _group_data),
    "actors.edit_working_group": PageForm(WorkingGroupForm, _edit_group_data),
    "actors.new_seat": PageForm(SeatForm, lambda w: {"actor": "TR", "role": "observer"}),
    "actors.end_seat": PageForm(EndSeatForm, lambda w: {"left_on": "2026-01-01"}),
    "pledges.set_need": PageForm(NeedForm, lambda w: {"currency": "EUR", "amount": "1000.00"}),
    "pledges.new": PageForm(
        PledgeForm,
        lambda w: {
            "actor": "HU",
            "target": f"action_point:{w.action_point.id}",
            "currency": "EUR",
            "amount": "1250.50",
            "pledged_on": "2024-02-01",
            "purpose": "Border guard training",
            "reference": "HU-1",
        },
    ),
    "pledges.edit": PageForm(
        PledgeEditForm,
        lambda w: {"version": w.fresh(Pledge, w.pledge.id).version, "purpose": "Border training"},
    ),
    "pledges.new_entry": PageForm(
        EntryForm, lambda w: {"kind": "committed", "amount": "1.00", "value_date": "2024-03-01"}
    ),
    "pledges.rates": PageForm(
        RateForm, lambda w: {"currency": "USD", "rate": "0.9", "valid_on": "2024-01-01"}
    ),
    "pledges.import_rates": PageForm(UploadForm, lambda w: {}),
    "pledges.import_pledges": PageForm(UploadForm, lambda w: {}),
    "meetings.new": PageForm(MeetingPageForm, lambda w: _meeting_data(w)),
    "meetings.edit": PageForm(MeetingPageForm, lambda w: _edit_meeting_data(w)),
    "meetings.add_participant": PageForm(
        ParticipantForm, lambda w: {"actor": "AT", "attendance": "attended"}
    ),
    "meetings.add_participant_group": PageForm(
        ParticipantGroupForm, lambda w: {"group": "reference-group", "attendance": "invited"}
    ),
    "meetings.add_agenda_item": PageForm(
        AgendaItemForm, lambda w: {"title": "Review", "action_point": w.action_point.code}
    ),
    "meetings.carry_over": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.cancel": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.create_feed": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.revoke_feed": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.move_agenda_item": PageForm(AgendaMoveForm, lambda w: {"position": "1"}),
    "meetings.remove_agenda_item": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.remove_participant": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.remove_attachment": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.record_minutes": PageForm(MinutesForm, lambda w: {"text": "We **agreed**."}),
    "meetings.attach": PageForm(AttachmentForm, lambda w: {"file": (io.BytesIO(PDF), "annex.pdf")}),
    "meetings.add_decision": PageForm(
        DecisionForm, lambda w: {"text": "Agreed.", "action_points": [w.action_point.code]}
    ),
    "meetings.add_follow_up": PageForm(
        FollowUpForm, lambda w: {"text": "Send it", "owner": "HU", "due_on": "2030-01-01"}
    ),
    "meetings.follow_up_status": PageForm(
        FollowUpStatusForm, lambda w: {"status": "in_progress", "note": "Drafting."}
    ),
    "meetings.edit_agenda_item": PageForm(
        AgendaItemForm, lambda w: {"title": "Reviewed", "goal": str(w.goal.number)}
    ),
    "meetings.edit_decision": PageForm(
        DecisionEditForm,
        lambda w: {
            "text": "Agreed, as corrected.",
            "action_points": [w.action_point.code],
            "version": w.fresh(Decision, w.ids["decision_id"]).version,
        },
    ),
    "meetings.remove_decision": PageForm(MeetingStepForm, lambda w: {}),
    "meetings.edit_follow_up": PageForm(
        FollowUpEditForm,
        lambda w: {
            "text": "Send it",
            "owner": "AT",
            "due_on": "2030-02-01",
            "version": w.fresh(FollowUp, w.ids["follow_up_id"]).version,
        },
    ),
    "meetings.remove_follow_up": PageForm(MeetingStepForm, lambda w: {}),
    "notifications.mark_read": PageForm(None, lambda w: {}),
    "notifications.mark_all_read": PageForm(None, lambda w: {}),
    "notifications.settings": PageForm(NotificationSettingsForm, lambda w: {"delivery": "daily"}),
}


def _meeting_data(w: World, **overrides) -> dict:
    return {
        "plan": w.plan.code,
        "kind": "reference_group",
        "series": "reference-group",
        "number": "",  # the next of the series: a fixed one is refused the second time
        "title": "Reference Group meeting",
        "starts_at": "2030-03-10T09:00",
        "ends_at": "2030-03-10T17:00",
        "timezone": "Europe/Budapest",
        "place": "Budapest",
        "host_actor": "HU",
        **overrides,
    }


def _edit_meeting_data(w: World) -> dict:
    return _meeting_data(w, version=w.fresh(Meeting, w.meeting.id).version)


def _api_patch_action_point(w: World) -> dict:
    current = w.fresh(ActionPoint, w.action_point.id)
    return {"version": current.version, "title": "Renamed through the API"}


# API write endpoint -> a body that it accepts (the fields come from the OpenAPI schema).
def _api_update(w: World) -> dict:
    return {
        "action_point_id": w.action_point.id,
        "actor": "HU",
        "status": "in_progress",
        "percent": 40,
        "reported_on": date.today().isoformat(),
        "narrative": "Two workshops held.",
        "evidence_links": ["https://example.org/report"],
    }


def _with_version(model, attr: str, **values) -> Callable[[World], dict]:
    def body(w: World) -> dict:
        return {"version": w.fresh(model, getattr(w, attr).id).version, **values}

    return body


API_BODIES: dict[str, Callable[[World], dict]] = {
    "api.create_action_point": lambda w: _action_point_data(w),
    "api.update_action_point": _api_patch_action_point,
    "api.create_update": _api_update,
    "api.edit_update": lambda w: {
        "version": w.fresh(ProgressUpdate, w.update.id).version,
        "narrative": "Edited through the API",
    },
    "api.submit_update": lambda w: {},
    "api.withdraw_update": lambda w: {},
    "api.validate_update": lambda w: {},
    "api.return_update": lambda w: {"reason": "Add the report."},
    "api.set_weight": lambda w: {"weight": 2},
    "api.add_evidence": lambda w: {"file": (io.BytesIO(factories.PDF_BYTES), "report.pdf")},
    "api.bulk_updates": lambda w: {
        "actor": "HU",
        "reported_on": date.today().isoformat(),
        "rows": [{"action_point": w.action_point.code, "status": "planned", "percent": 10}],
    },
    "api.remind_round": lambda w: {"actor": "AT"},
    "api.create_round": lambda w: {
        "plan": w.plan.code,
        "title": "SOM 2027",
        "opens_on": "2026-01-01",
        "deadline": "2026-03-31",
    },
    "api.import_plan": _plan_file,
    "api.create_goal": lambda w: _goal_data(w),
    "api.update_goal": _with_version(PriorityGoal, "goal", title="Renamed goal"),
    "api.create_activity": lambda w: _activity_data(w),
    "api.update_activity": _with_version(Activity, "activity", title="Renamed activity"),
    "api.link_continuation": lambda w: {"continued_in": "BP-CFA-2025:W2"},
    "api.create_actor": lambda w: _actor_data(w),
    "api.update_actor": _with_version(Actor, "actor", name="Hungary"),
    "api.create_working_group": lambda w: _group_data(w),
    "api.update_working_group": _with_version(WorkingGroup, "working_group", name="Renamed"),
    "api.seat_in_reference_group": lambda w: {"actor": "TR", "role": "observer"},
    "api.end_reference_group_seat": lambda w: {"left_on": "2026-01-01"},
    "api.create_user": lambda w: _new_user_data(),
    "api.invite_user": lambda w: {
        k: v for k, v in _new_user_data().items() if k not in ("password", "actor")
    },
    "api.update_user": lambda w: {"name": "Renamed through the API", "role": "viewer"},
    "api.hand_over_user": lambda w: {"successor": w.heir.id},
    "api.create_pledge": lambda w: {
        "actor": "HU",
        "target": {"kind": "action_point", "id": w.action_point.id},
        "amount": {"amount": "1250.00", "currency": "EUR"},
        "pledged_on": "2024-01-15",
        "purpose": "Return counselling",
    },
    "api.update_pledge": _with_version(Pledge, "pledge", purpose="Return counselling"),
    "api.create_entry": lambda w: {
        "kind": "committed",
        "amount": {"amount": "1.00", "currency": "EUR"},
        "value_date": "2024-03-01",
    },
    "api.create_exchange_rate": lambda w: {
        "currency": "USD",
        "rate": "0.9",
        "valid_on": "2024-01-01",
    },
    "api.set_funding_need": lambda w: {"budget": {"amount": "1000.00", "currency": "EUR"}},
    "api.upload_document": lambda w: _document_data(),  # multipart, as its OpenAPI says
    "api.create_meeting": lambda w: {**_meeting_data(w), "number": None},
    "api.update_meeting": _with_version(Meeting, "meeting", title="Renamed meeting"),
    "api.set_participant": lambda w: {"actor": "AT", "attendance": "attended"},
    "api.add_participant_group": lambda w: {
        "group": f"working-group:{w.working_group.code}",
        "attendance": "invited",
    },
    "api.add_agenda_item": lambda w: {"title": "Review", "action_point": w.action_point.code},
    "api.update_agenda_item": lambda w: {"position": 1, "title": "Reviewed"},
    "api.record_minutes": lambda w: {"text": "We **agreed**."},
    "api.attach_to_meeting": lambda w: {"file": (io.BytesIO(PDF), "annex.pdf")},
    "api.record_decision": lambda w: {"text": "Agreed.", "action_points": [w.action_point.code]},
    "api.create_follow_up": lambda w: {"text": "Send it", "owner": "HU", "due_on": "2030-01-01"},
    "api.change_follow_up_status": lambda w: {"status": "in_progress", "note": "Drafting."},
    "api.update_decision": lambda w: {
        "version": w.fresh(Decision, w.ids["decision_id"]).version,
        "text": "Agreed, as corrected.",
    },
    "api.update_follow_up": lambda w: {
        "version": w.fresh(FollowUp, w.ids["follow_up_id"]).version,
        "owner": "AT",
        "due_on": "2030-02-01",
    },
    "api.set_notification_settings": lambda w: {"delivery": "daily"},
}
# API writes that take no body (DELETE /tokens/{id}, say): their path is fuzzed alone.
API_WITHOUT_BODY: set[str] = {
    "api.retire_record",
    "api.restore_record",
    "api.unlink_continuation",
    "api.revoke_own_token",
    "api.retire_document",
    "api.close_round",
    "api.publish_round",
    "api.carry_over",
    "api.cancel_meeting",
    "api.create_calendar_feed",
    "api.revoke_calendar_feed",
    "api.remove_agenda_item",
    "api.remove_participant",
    "api.remove_meeting_attachment",
    "api.remove_decision",
    "api.remove_follow_up",
    "api.mark_notification_read",
    "api.mark_all_notifications_read",
}

# A form field's class (or a base class) -> what to send in it. A field type missing here fails
# the fuzz test of every form that has one.
FIELD_STRATEGIES = {
    wtforms.StringField: hostile.several(hostile.text),  # text, textarea, email, password, hidden
    wtforms.IntegerField: hostile.several(hostile.number_text),
    wtforms.DecimalField: hostile.several(hostile.number_text),
    wtforms.FloatField: hostile.several(hostile.number_text),
    wtforms.BooleanField: hostile.several(hostile.flag_text),
    wtforms.DateField: hostile.several(hostile.date_text),
    wtforms.DateTimeField: hostile.several(hostile.date_text),
    wtforms.TimeField: hostile.several(hostile.date_text),
    wtforms.SelectField: hostile.several(hostile.number_text),
    wtforms.SelectMultipleField: hostile.several(hostile.number_text),
    wtforms.RadioField: hostile.several(hostile.text),
    wtforms.FileField: hostile.several(hostile.upload()),
    # The bulk form's rows (rows-0-status …): a hostile value under the list's own name.
    wtforms.FieldList: hostile.several(hostile.text),
}

# Changes that a GET may make (pages and API, signed in or not).
GET_MAY_WRITE = [
    Allowed(
        "api_tokens",
        "update",
        columns=frozenset({"last_used_at"}),
        reason="an API token's last use is refreshed (at most once a minute) when it is used",
    ),
    Allowed(
        "calendar_feeds",
        "update",
        columns=frozenset({"last_used_at"}),
        reason="a calendar feed address's last use is refreshed (at most once a minute)",
    ),
    Allowed(
        "audit_events",
        "insert",
        where=lambda row: row["action"] == "denied",
        reason="a refused request (403) of a signed-in user is recorded in the audit trail",
    ),
]

# Changes that a refused write may still make, by endpoint ("*": every endpoint).
_COUNTED_PASSWORD_CHECKS = [
    Allowed("sign_in_attempts", "insert", reason="every password check is counted, for throttling"),
    Allowed(
        "audit_events",
        "insert",
        where=lambda row: row["action"].startswith("sign_in"),
        reason="password checks that fail or are throttled are recorded in the audit trail",
    ),
]
REFUSED_WRITE_MAY_WRITE: dict[str, list[Allowed]] = {
    "*": GET_MAY_WRITE,
    "auth.sign_in": _COUNTED_PASSWORD_CHECKS,
    # A wrong current password counts as a failed sign-in (else the form would be a way around
    # the sign-in throttle for anyone holding a session).
    "auth.change_password": _COUNTED_PASSWORD_CHECKS,
    "auth.new_recovery_codes": _COUNTED_PASSWORD_CHECKS,
    "auth.two_factor_off": _COUNTED_PASSWORD_CHECKS,
    "auth.change_email": _COUNTED_PASSWORD_CHECKS,
}

# GET routes that may be cached although the user is signed in, and why.
CACHEABLE: dict[str, str] = {
    "static": "the app's own CSS, the same for everyone",
    "bootstrap.static": "Bootstrap's files, the same for everyone",
}

# Text fields that refuse all the stored-XSS payloads, and why (the payloads are still sent,
# and every page is still checked for them).
XSS_REFUSED: dict[tuple[str, str], str] = {
    ("plan.new_action_point", "code"): "codes are letters, digits, dots and hyphens only",
    ("plan.edit_action_point", "code"): "codes are letters, digits, dots and hyphens only",
    ("api.create_action_point", "code"): "codes are letters, digits, dots and hyphens only",
    ("api.update_action_point", "code"): "codes are letters, digits, dots and hyphens only",
    ("api.create_action_point", "lead_actor"): "an actor code",
    ("api.update_action_point", "lead_actor"): "an actor code",
    ("api.create_action_point", "partners"): "actor codes",
    ("api.update_action_point", "partners"): "actor codes",
    ("progress.new", "evidence_links"): "web addresses only (http:// or https://)",
    ("progress.edit", "evidence_links"): "web addresses only (http:// or https://)",
    ("api.create_update", "evidence_links"): "web addresses only (http:// or https://)",
    ("api.edit_update", "evidence_links"): "web addresses only (http:// or https://)",
    ("api.create_update", "actor"): "an actor code",
    ("api.bulk_updates", "actor"): "an actor code",
    ("api.create_update", "activity_id"): "the id of one of the action point's activities",
    ("api.edit_update", "activity_id"): "the id of one of the action point's activities",
    ("api.create_round", "plan"): "a plan code or id",
    ("api.remind_round", "actor"): "an actor code",
    ("pledges.new", "amount"): "an amount is digits and a dot",
    ("pledges.new", "currency"): "an ISO 4217 code",
    ("pledges.new_entry", "amount"): "an amount is digits and a dot",
    ("pledges.set_need", "amount"): "an amount is digits and a dot",
    ("pledges.set_need", "currency"): "an ISO 4217 code",
    ("pledges.rates", "currency"): "an ISO 4217 code",
    ("pledges.rates", "rate"): "a rate is digits and a dot",
    ("api.create_pledge", "actor"): "an actor code",
    ("api.create_exchange_rate", "currency"): "an ISO 4217 code",
    ("api.create_exchange_rate", "rate"): "a rate is digits and a dot",
    ("auth.sign_in", "email"): "an unknown email cannot sign in; what the attempt stores is "
    "still checked on every page",
    **dict.fromkeys(
        [
            (endpoint, "code")
            for endpoint in (
                "plan.new_activity",
                "plan.edit_activity",
                "api.create_activity",
                "api.update_activity",
                "actors.new",
                "actors.edit",
                "api.create_actor",
                "api.update_actor",
                "actors.new_working_group",
                "actors.edit_working_group",
                "api.create_working_group",
                "api.update_working_group",
            )
        ],
        "codes are letters, digits, dots and hyphens only",
    ),
    **dict.fromkeys(
        [
            (endpoint, field)
            for endpoint in (
                "plan.new_activity",
                "plan.edit_activity",
                "api.create_activity",
                "api.update_activity",
            )
            for field in ("budget_amount", "budget_currency")
        ],
        "an exact amount and an ISO currency code",
    ),
    **dict.fromkeys(
        [
            ("api.create_activity", "lead_actor"),
            ("api.update_activity", "lead_actor"),
            ("api.create_working_group", "chair"),
            ("api.update_working_group", "chair"),
            ("api.create_working_group", "members"),
            ("api.update_working_group", "members"),
            ("api.seat_in_reference_group", "actor"),
        ],
        "actor codes",
    ),
    ("plan.add_continuation", "continued_in"): "a PLAN:CODE reference to an action point",
    ("api.link_continuation", "continued_in"): "a PLAN:CODE reference to an action point",
    ("api.create_user", "actor"): "an actor code",
    ("users.new", "email"): "an address has no <, >, quotes or spaces",
    ("users.invite", "email"): "an address has no <, >, quotes or spaces",
    ("auth.forgot_password", "email"): "an address has no <, >, quotes or spaces",
    ("auth.change_email", "new_email"): "an address has no <, >, quotes or spaces",
    ("api.create_user", "email"): "an address has no <, >, quotes or spaces",
    ("api.invite_user", "email"): "an address has no <, >, quotes or spaces",
    ("api.invite_user", "actor"): "an actor code",
    ("api.update_user", "actor"): "an actor code",
    **dict.fromkeys(
        [
            (endpoint, field)
            for endpoint in (
                "meetings.new",
                "meetings.edit",
                "api.create_meeting",
                "api.update_meeting",
            )
            for field in ("series", "starts_at", "ends_at", "timezone", "url")
            if endpoint.startswith("api.") or field not in ("series", "timezone")
        ],
        "a series key, ISO date-times, an IANA zone name and an http(s) address",
    ),
    **dict.fromkeys(
        [("meetings.new", "new_series"), ("meetings.edit", "new_series")],
        "read only with “Start a new series…”, and the walkers' meeting is in an existing one",
    ),
    **dict.fromkeys(
        [
            ("api.create_meeting", "plan"),
            ("api.create_meeting", "host_actor"),
            ("api.update_meeting", "host_actor"),
            ("api.update_meeting", "plan"),
            ("api.set_participant", "actor"),
            ("api.create_follow_up", "owner"),
            ("api.update_follow_up", "owner"),
        ],
        "a plan or actor code",
    ),
    ("api.add_participant_group", "group"): "reference-group or working-group: and a group's code",
    **dict.fromkeys(
        [("api.set_participant", "attendance"), ("api.add_participant_group", "attendance")],
        "one of invited, attended, excused, absent (the document's enum, from the form's choices)",
    ),
    ("api.add_agenda_item", "action_point"): "the code of an action point of the meeting's plan",
    ("api.add_agenda_item", "goal"): "the number of a goal of the meeting's plan",
    ("api.record_decision", "action_points"): "codes of action points of the meeting's plan",
    ("api.update_decision", "action_points"): "codes of action points of the meeting's plan",
    ("api.update_agenda_item", "action_point"): "the code of an action point of the meeting's plan",
    ("api.update_agenda_item", "goal"): "the number of a goal of the meeting's plan",
    ("api.create_follow_up", "decision"): "the id of a decision of the meeting",
}


# Numbers in the query string, read through tracker.query_args: endpoint -> the parameters it
# reads. test_query_numbers sends every GET route each QUERY_NUMBER_NAMES parameter with hostile
# values; exactly these must react (the API with a 400 naming the parameter, a page with a
# message), and nothing may crash. A parameter holding a number in other text (sort=goal:<id>)
# is sent in that shape (QUERY_NUMBER_SHAPES).
_PAGED = ("page", "per_page")
QUERY_NUMBERS: dict[str, tuple[str, ...]] = {
    "audit.index": ("page",),
    "mail.index": ("page",),
    "notifications.index": ("page",),
    "meetings.index": ("page",),
    "meetings.follow_ups": ("page",),
    "pledges.rates": ("page",),
    "progress.index": ("page",),
    "progress.round": ("page",),
    "progress.timeline": ("before",),
    "pledges.matrix": ("sort",),
    "api.get_timeline": ("before",),
    "api.pledge_matrix": ("sort",),
    "api.list_pledges": (*_PAGED, "goal_id", "action_point_id"),
    "api.list_updates": (*_PAGED, "action_point"),
    "api.my_work": _PAGED,
    "api.round_not_reported": _PAGED,
    **dict.fromkeys(
        [
            "api.list_action_points",
            "api.list_documents",
            "api.list_actors_page",
            "api.list_audit_events",
            "api.list_exchange_rates",
            "api.list_follow_ups",
            "api.list_meetings",
            "api.list_notifications",
            "api.list_plans",
            "api.list_published_reports",
            "api.list_tokens",
            "api.list_users",
        ],
        _PAGED,
    ),
}
QUERY_NUMBER_SHAPES = {"sort": "goal:{}"}
QUERY_NUMBER_NAMES = ("page", "per_page", "before", "goal_id", "action_point_id", "action_point")
QUERY_NUMBER_NAMES += tuple(QUERY_NUMBER_SHAPES)

# GET routes that answer something other than a page (a file, a feed, JSON), and so are not
# walked by tests/browser/test_every_page.py (accessibility, phone width, valid HTML).
NOT_PAGES: dict[str, str] = {
    "static": "the app's CSS and JavaScript",
    "bootstrap.static": "Bootstrap's files",
    "health": "JSON for a liveness probe",
    "ready": "JSON for a readiness probe",
    "plan.export_plan": "a CSV, XLSX or YAML file",
    "plan.import_template": "a CSV, XLSX or YAML file",
    "plan.download_document": "an uploaded document",
    "progress.evidence": "an uploaded evidence file",
    "pledges.export": "a CSV or XLSX file",
    "meetings.attachment": "an uploaded file",
    "meetings.ics": "an iCalendar file",
    "meetings.feed": "an iCalendar feed",
    "reports.brief_pdf": "a PDF",
    "reports.download_published": "a stored report file",
}
