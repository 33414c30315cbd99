"""The Budapest Process implementation tracker."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEV_SECRET_KEY, from_environ

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = str(PROJECT_ROOT / "migrations")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.config.from_object("config.Config")
    app.config.update(from_environ())
    app.config.update(config or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/tracker.sqlite"
    refuse_unsafe_production(app)
    from tracker import logs

    logs.init_app(app)  # first: its hooks time the whole request, and app.logger writes JSON
    from tracker.money import check_currency

    app.config["REPORTING_CURRENCY"] = check_currency(app.config["REPORTING_CURRENCY"])
    if app.config["TRACKER_ENV"] == "production":
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
        if app.config["SESSION_COOKIE_NAME"] == "session":
            # __Host-: the browser takes it only over HTTPS, for this host, path / (ASVS 3.3.1).
            app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    if proxies := app.config["TRUSTED_PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    register_extensions(app)
    from tracker.web import IdConverter

    app.url_map.converters["id"] = IdConverter  # before the blueprints: their routes use it
    register_blueprints(app)

    from tracker import cli, errors, i18n, uploads, web

    i18n.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    uploads.init_app(app)
    cli.init_app(app)
    return app


def refuse_unsafe_production(app: Flask) -> None:
    if app.config["TRACKER_ENV"] not in ("development", "production"):
        raise RuntimeError("TRACKER_ENV must be 'development' or 'production'.")
    if app.config["TRACKER_ENV"] != "production":
        return
    key = app.config["SECRET_KEY"] or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError("Production needs SECRET_KEY set to a random value of 32+ characters.")
    if app.debug:
        raise RuntimeError("Production refuses to run with debug on.")


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from tracker import models  # noqa: F401  (every table known to Alembic and the shell)
    from tracker.auth.services import load_session_user
    from tracker.db import db
    from tracker.extensions import bootstrap, csrf, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    # Flashed as text in the request's language: a lazy string cannot go into the session.
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)


def register_blueprints(app: Flask) -> None:
    from tracker.actors.views import bp as actors_bp
    from tracker.api import accounts  # noqa: F401  (adds its routes to the api blueprint)
    from tracker.api import audit as audit_api  # noqa: F401  (routes on the api blueprint)
    from tracker.api import calendar as _api_calendar  # noqa: F401  (routes on the api bp)
    from tracker.api import documents as documents_api  # noqa: F401  (likewise)
    from tracker.api import follow_ups as _api_follow_ups  # noqa: F401  (likewise)
    from tracker.api import meetings as _api_meetings  # noqa: F401  (routes on the api bp)
    from tracker.api import notifications as _api_notifications  # noqa: F401  (likewise)
    from tracker.api import pledges as _api_pledges  # noqa: F401  (its routes join api_bp)
    from tracker.api import progress as _api_progress  # noqa: F401  (adds its routes to api bp)
    from tracker.api import reports as _api_reports  # noqa: F401  (likewise)
    from tracker.api.views import bp as api_bp
    from tracker.audit.views import bp as audit_bp
    from tracker.auth import account_views  # noqa: F401  (adds its routes to the auth bp)
    from tracker.auth.user_views import bp as users_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.extensions import csrf
    from tracker.mail.views import bp as mail_bp
    from tracker.meetings import (
        calendar_views,  # noqa: F401  (adds its routes to meetings bp)
        follow_up_views,  # noqa: F401  (likewise)
    )
    from tracker.meetings.views import bp as meetings_bp
    from tracker.notifications.views import bp as notifications_bp
    from tracker.plan.views import bp as plan_bp
    from tracker.pledges.views import bp as pledges_bp
    from tracker.progress.views import bp as progress_bp
    from tracker.reports.views import bp as reports_bp

    csrf.exempt(api_bp)  # Bearer tokens only, no cookies: nothing for CSRF to forge
    for bp in (
        auth_bp,
        users_bp,
        plan_bp,
        progress_bp,
        actors_bp,
        pledges_bp,
        meetings_bp,
        reports_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(notifications_bp)
