"""What every page shares: template filters, security headers, the home and health routes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from flask import Flask, Request, abort, request, session
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup
from werkzeug.routing import IntegerConverter

from tracker.actors.display import actor_abbr, actor_name
from tracker.auth import permissions
from tracker.db import MAX_ID
from tracker.i18n import format_day
from tracker.meetings.services import is_ambiguous
from tracker.money import format_compact, format_grouped
from tracker.plan.models import confidence_label
from tracker.progress.display import status_badge

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1 to `limit`, without leading zeros."""
    digits = str(limit)
    shorter = [f"[1-9]\\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = [
        f"{digits[:i]}[{'1' if i == 0 else '0'}-{int(d) - 1}]\\d{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if int(d) > (1 if i == 0 else 0)
    ]
    return "|".join([*shorter, *same_length, digits])


class IdConverter(IntegerConverter):
    """`<id:name>`: a record id, 1 to MAX_ID; anything else does not match the route (404).

    The range is in the pattern, not only checked after matching: Werkzeug picks a rule by its
    pattern first, and an id out of range on a path that some other method takes would answer
    405 Method Not Allowed (as if the id were fine) where GET answers 404.
    """

    regex = f"(?:{_up_to(MAX_ID)})"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def render_markdown(text: str | None) -> Markup:
    """Markdown as sanitised HTML: raw HTML is escaped, and nh3 removes anything unsafe left."""
    html = _markdown.render(text or "")
    cleaned = nh3.clean(html, link_rel="noopener noreferrer nofollow")
    # Safe to mark: markdown-it (raw HTML off), then nh3's allow-list (B704 reviewed);
    # tests/security/test_xss.py sends script payloads through every Markdown field.
    return Markup(cleaned)  # nosec B704


def format_date(value: date | datetime | str | None) -> str:
    """Every date a page shows, day first ("05 Dec 2026", "5 дек. 2026 г."); also an ISO text (as
    a stored report keeps its dates), shown as it is when it is not one."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_day(value)


def format_datetime(value: datetime | None) -> str:
    return "—" if value is None else f"{format_day(value)} {value:%H:%M} UTC"


def format_in_zone(value: datetime | None, zone: str) -> str:
    """A moment in a meeting's own time zone (an IANA name the services checked)."""
    if value is None:
        return "—"
    try:
        local = value.astimezone(ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError):
        # A zone dropped from the system's tz database (or a row not written by the services)
        # must not take the page down: show UTC and say so.
        return format_datetime(value)
    when = f"{format_day(local)} {local:%H:%M}"
    if is_ambiguous(local):  # the hour the clocks go back comes twice: say which one
        return f"{when} ({zone}, {local.isoformat(timespec='minutes')[-6:]})"
    return f"{when} ({zone})"


class ClosingRequest(Request):
    """A request that closes every file it spooled for an upload, also the part-read ones that a
    refused body (too large, too many parts) leaves outside `request.files`."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        stream = super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )
        self.__dict__.setdefault("_spooled_files", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.get("_spooled_files", []):
            stream.close()


TEMPLATE_RULES = (
    permissions.can_manage_plans,
    permissions.can_pledge,
    permissions.can_manage_rates,
    permissions.can_manage_users,
    permissions.can_view_audit_trail,
    permissions.can_view_outbox,
    permissions.can_edit_update,
    permissions.can_withdraw_update,
    permissions.can_validate_updates,
    permissions.can_manage_rounds,
    permissions.can_publish_reports,
    permissions.can_set_weights,
    permissions.can_report_for,
    permissions.can_manage_meetings,
    permissions.can_update_follow_up,
)


def init_app(app: Flask) -> None:
    app.request_class = ClosingRequest
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_in_zone, "in_zone")
    app.add_template_filter(format_grouped, "money")
    app.add_template_filter(format_compact, "money_short")
    app.add_template_filter(actor_name)
    app.add_template_filter(actor_abbr)
    app.add_template_global(status_badge)
    app.add_template_global(confidence_label)
    # Templates ask the rules of auth/permissions.py, never re-implement them; each rule they ask
    # is registered here, under its own name (the navigation, too, shows admins' pages by them).
    for rule in TEMPLATE_RULES:
        app.add_template_global(rule)

    @app.before_request
    def refuse_nul_characters():
        # No text column stores NUL (PostgreSQL refuses it even in a query): turn it away at the
        # door with a 400, not a 500. JSON bodies are checked field by field in the API.
        fields = [*request.args.lists(), *request.form.lists()]
        texts = [request.path, *(value for _, values in fields for value in values)]
        if any("\x00" in text for text in texts):
            abort(400, _("The request contains a NUL character."))

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if "_user_id" in session or "Authorization" in request.headers:
            # Signed-in pages (and new API tokens) must not stay in a shared browser's cache.
            # Asked of the cookie, not of current_user: that would cost a query on every route.
            headers.setdefault("Cache-Control", "no-store")
        if app.config["TRACKER_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.get("/healthz")
    def health():
        """A trivial route: liveness probe, and the yardstick of the benchmarks."""
        return {"status": "ok"}

    @app.get("/readyz")
    def ready():
        """Readiness probe: database, migrations at head, upload storage (tracker/health.py)."""
        from tracker.health import readiness

        ok, checks = readiness()
        body = {"status": "ready" if ok else "not ready", "checks": checks}
        return body, 200 if ok else 503, {"Cache-Control": "no-store"}
