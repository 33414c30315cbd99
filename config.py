"""Settings. Defaults suit development; the environment overrides them; tests pass a dict."""

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    TRACKER_ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    # None means an SQLite file in the instance folder (resolved in create_app).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Uploads: a file may have MAX_UPLOAD_BYTES (refused at the form field past that); a whole
    # request a little more, for the other form fields, so that a huge body is refused with 413
    # before it is read. Stored files live in UPLOAD_FOLDER (None: <instance>/uploads), or, with
    # STORAGE_URL (s3://BUCKET/PREFIX?endpoint=URL&region=R), in an S3-compatible bucket that
    # several app servers share (tracker/uploads/storage.py).
    MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 256 * 1024
    UPLOAD_FOLDER: str | None = None
    STORAGE_URL: str | None = None

    BOOTSTRAP_SERVE_LOCAL = True  # the app must work on a closed network: no CDN
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # argon2id; OWASP ASVS 5.0 minimum is met by argon2-cffi's defaults. Tests lower these.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65_536
    ARGON2_PARALLELISM = 4

    # Sign-in throttling, kept in the database (tracker/auth/throttle.py explains the scheme):
    # failures over a sliding window, per account from one address, per address, and per account
    # from every address but those it signed in from in the last SIGN_IN_KNOWN_ADDRESS_DAYS.
    SIGN_IN_WINDOW = timedelta(minutes=15)
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = 30
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 50
    SIGN_IN_KNOWN_ADDRESS_DAYS = 30
    # Failed tokens (API, calendar feed) from one address in SIGN_IN_WINDOW that refuse every
    # token from it until the oldest of them leaves the window (tracker/auth/throttle.py).
    TOKEN_MAX_FAILURES_PER_ADDRESS = 30
    # A signed-in session ends after this long without a request, and this long after sign-in.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    # Two-factor sign-in: when true, an admin without a second factor must set one up before
    # doing anything else. A password step waits this long for its code.
    TWO_FACTOR_REQUIRED_FOR_ADMINS = False
    TWO_FACTOR_STEP_TIMEOUT = timedelta(minutes=5)
    # Behind reverse proxies, how many of them set X-Forwarded-For/-Proto (werkzeug's ProxyFix).
    # 0 trusts no such header. Throttling by address needs the client's address, not the proxy's.
    TRUSTED_PROXY_COUNT = 0

    # An action point with no validated update reported within this many days is flagged stale.
    STALE_AFTER_DAYS = 180
    # Pledge totals are shown in this ISO 4217 currency, converted at dated exchange rates.
    REPORTING_CURRENCY = "EUR"

    # Mail (tracker/mail/): every message goes to the outbox table. MAIL_URL unset: it stays there
    # (admins read it on the Outbox page); set (smtp://user:pass@host:587?starttls=1, smtps://…,
    # ?timeout=SECONDS): `tracker mail send` delivers it. Message-IDs are @MAIL_DOMAIN (else
    # SERVER_NAME's host, else MAIL_FROM's domain). A temporary failure is tried again after
    # MAIL_RETRY_BASE_SECONDS, doubled each time up to MAIL_RETRY_MAX_SECONDS, MAIL_MAX_ATTEMPTS
    # times in all (about three days). A sender's claim on a message lapses after
    # MAIL_CLAIM_SECONDS (it died mid-message): far longer than any SMTP timeout.
    MAIL_URL: str | None = None
    MAIL_FROM = "tracker@localhost"
    MAIL_FROM_NAME = "Budapest Process tracker"
    MAIL_DOMAIN: str | None = None
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_MAX_ATTEMPTS = 20
    MAIL_CLAIM_SECONDS = 15 * 60
    # Where users reach the tracker: the links in mail start with it (never the request's Host
    # header, which a client chooses).
    BASE_URL = "http://127.0.0.1:5000"

    # Links mailed to people (tracker/auth/links.py) start with BASE_URL, the address people
    # reach the tracker at (https://tracker.example.org); never with a request's Host header.
    # Unset: http://127.0.0.1:5000 in development; production makes no link without it. Each
    # link works once, for this many hours.
    BASE_URL: str | None = None
    INVITATION_LINK_HOURS = 72
    PASSWORD_RESET_LINK_HOURS = 1
    EMAIL_CHANGE_LINK_HOURS = 24

    API_MAX_PER_PAGE = 500
    API_DEFAULT_PER_PAGE = 50

    # Logs: JSON lines on stderr (tracker/logs.py), one per request at INFO; a request slower
    # than SLOW_REQUEST_MS is logged at WARNING, and so is a request's query slower than
    # SLOW_QUERY_MS (milliseconds both).
    LOG_LEVEL = "INFO"
    SLOW_REQUEST_MS = 1000
    SLOW_QUERY_MS = 200


def from_environ(environ=os.environ) -> dict:
    """The settings the environment sets: DATABASE_URL, SECRET_KEY, TRACKER_ENV, UPLOAD_FOLDER,
    STORAGE_URL, TRUSTED_PROXY_COUNT, REPORTING_CURRENCY, LOG_LEVEL, SLOW_REQUEST_MS,
    SLOW_QUERY_MS, MAIL_URL, MAIL_FROM, MAIL_FROM_NAME, MAIL_DOMAIN, BASE_URL,
    TWO_FACTOR_REQUIRED_FOR_ADMINS (1/true/yes)."""
    settings: dict = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("TRACKER_ENV"):
        settings["TRACKER_ENV"] = environ["TRACKER_ENV"]
    if environ.get("REPORTING_CURRENCY"):
        settings["REPORTING_CURRENCY"] = environ["REPORTING_CURRENCY"]
    if environ.get("UPLOAD_FOLDER"):
        settings["UPLOAD_FOLDER"] = environ["UPLOAD_FOLDER"]
    names = ("STORAGE_URL", "MAIL_URL", "MAIL_FROM", "MAIL_FROM_NAME", "MAIL_DOMAIN", "BASE_URL")
    for name in names:
        if environ.get(name):
            settings[name] = environ[name]
    if environ.get("TRUSTED_PROXY_COUNT", "").isdigit():
        settings["TRUSTED_PROXY_COUNT"] = int(environ["TRUSTED_PROXY_COUNT"])
    for name in ("SLOW_REQUEST_MS", "SLOW_QUERY_MS"):
        if environ.get(name, "").isdigit():
            settings[name] = int(environ[name])
    if environ.get("TWO_FACTOR_REQUIRED_FOR_ADMINS"):
        flag = environ["TWO_FACTOR_REQUIRED_FOR_ADMINS"].strip().lower()
        settings["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = flag in ("1", "true", "yes", "on")
    if environ.get("LOG_LEVEL", "").upper() in ("DEBUG", "INFO", "WARNING", "ERROR"):
        settings["LOG_LEVEL"] = environ["LOG_LEVEL"].upper()
    return settings
