"""Grassroots settings: one file, driven by environment variables.

Every value comes from the environment with a development-friendly default. A value that is present but
malformed raises ImproperlyConfigured at start-up instead of being silently replaced by a default: a typo in
production must stop the server, not quietly turn DEBUG on or point at the wrong database.
"""

import os
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Lets Django's classes that django-stubs makes generic be subscripted at run time, as the type
# checker needs them written: `class UsernameSkeletonField(models.CharField[str | None, ...])`,
# `admin.ModelAdmin[Post]`. It only adds __class_getitem__; nothing else changes.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, name: str = "DATABASE_URL") -> dj_database_url.DBConfig:
    """Parse a database URL (the variable `name`); only SQLite and PostgreSQL are supported."""
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj-database-url raises several types for bad input
        raise ImproperlyConfigured(f"{name}={url!r} cannot be parsed: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}={url!r} names no database.")
        # Persistent connections, checked before reuse so a restarted server costs one error-free retry.
        config["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    elif engine == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}={url!r} names no SQLite file.")
        # Take the write lock when a transaction starts, so concurrent writers queue (up to the
        # timeout) instead of failing mid-transaction; WAL lets readers carry on meanwhile.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        raise ImproperlyConfigured(
            f"{name}={url!r}: only sqlite:/// and postgres:// URLs are supported."
        )
    return config


def _development_secret_key() -> str:
    """Generate a key once into var/ so development sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Core ------------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
SITE_NAME = os.environ.get("SITE_NAME", "Grassroots")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

# The site's own address, for links in email (which has no request to take it from).
SITE_URL = os.environ.get("SITE_URL", "" if not DEBUG else "http://127.0.0.1:8000").rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} must be the site's address, like https://forum.example.org "
        "(required when DEBUG is off)."
    )

# Privacy notice (/privacy/, accounts.views.privacy) --------------------------------------------

# Who runs this site: the controller of members' data, named on the privacy notice. Empty, the
# notice says plainly that the operator has not set them, and `manage.py check --deploy` warns
# (accounts.checks). The contact is an email or a postal address; the data protection officer's
# contact only if the operator has one.
SITE_OPERATOR_NAME = os.environ.get("SITE_OPERATOR_NAME", "").strip()
SITE_OPERATOR_CONTACT = os.environ.get("SITE_OPERATOR_CONTACT", "").strip()
SITE_OPERATOR_DPO_CONTACT = os.environ.get("SITE_OPERATOR_DPO_CONTACT", "").strip()
# How long the notice promises to keep things (besides EMAIL_RETENTION_DAYS and the task
# results' days below): a closed campaign's supporter records are anonymised this many months
# after it closes; accounts whose email address was never verified are deleted after this many
# days; notifications after this many months; a member's own data export is kept this many hours.
RETENTION_SUPPORTERS_MONTHS = env_int("RETENTION_SUPPORTERS_MONTHS", 6)
RETENTION_UNVERIFIED_DAYS = env_int("RETENTION_UNVERIFIED_DAYS", 14)
RETENTION_NOTIFICATIONS_MONTHS = env_int("RETENTION_NOTIFICATIONS_MONTHS", 12)
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 24)
for _name in (
    "RETENTION_SUPPORTERS_MONTHS",
    "RETENTION_UNVERIFIED_DAYS",
    "RETENTION_NOTIFICATIONS_MONTHS",
    "EXPORT_RETENTION_HOURS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name}={globals()[_name]} must be at least 1.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Only for allauth's sessions page ("2 hours ago"), which loads its template tags.
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    # Two-factor authentication (TOTP, recovery codes, WebAuthn security keys) and the list of a
    # member's signed-in sessions, both allauth's: their pages live under /accounts/2fa/ and
    # /accounts/sessions/.
    "allauth.mfa",
    "allauth.usersessions",
    "mptt",
    # Background work (Django's Tasks API, backported): the database backend and its worker.
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "forum",
    "campaigns",
    "conversations",
]

MIDDLEWARE = [
    # First, so that every response, whoever gives it, has an X-Request-ID and a log line.
    "accounts.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answered here, before sessions or the database (whitenoise's place).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "accounts.middleware.RejectMalformedRequestsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Moderators and staff without two-factor authentication are sent to set it up before any
    # moderator page or the admin (accounts.middleware.MODERATOR_URL_NAMES).
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records nothing per request unless USERSESSIONS_TRACK_ACTIVITY is on (it is off, below).
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

ROOT_URLCONF = "grassroots.urls"
WSGI_APPLICATION = "grassroots.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.site",
            ],
        },
    },
]

# Database --------------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'grassroots.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A streaming read replica of the PostgreSQL primary (accounts/db_routing.py, docs/deploy.md):
# GET pages read from it, except for a browser in the REPLICA_PIN_SECONDS after its own write
# (read-your-writes); writes, transactions, tasks and commands use the primary. A replica that
# doesn't answer is skipped, not fatal.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5)
if REPLICA_PIN_SECONDS < 1:
    raise ImproperlyConfigured(
        f"REPLICA_PIN_SECONDS={REPLICA_PIN_SECONDS} must be at least 1: a member's next page "
        "must read their own write."
    )
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs a PostgreSQL primary: set DATABASE_URL=postgres://..."
        )
    _replica = database_from_url(DATABASE_REPLICA_URL, "DATABASE_REPLICA_URL")
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL={DATABASE_REPLICA_URL!r} must be a postgres:// URL (a streaming "
            "replica of the primary)."
        )
    # An unreachable replica host must not hold a request for long before the primary takes over
    # (a URL's own ?connect_timeout= wins).
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read "replica" from the test database itself (Django's test mirror).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["accounts.db_routing.ReplicaRouter"]
    # Right after SecurityMiddleware, before anything that can read the database.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "accounts.db_routing.ReplicaRoutingMiddleware",
    )

# One cache shared by every process and machine: allauth counts log-in failures and the site counts
# previews in it, so a per-process cache would give each gunicorn worker its own allowance. The
# database cache needs nothing more than the database (`migrate` creates its table); Redis when
# REDIS_URL is set (several machines, and faster).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, except that Redis being down is a cache miss (logged), not a
            # 500: pages still serve, and cached_db sessions fall back to the database.
            "BACKEND": "accounts.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "grassroots"),
            # A dead Redis must cost each request milliseconds, not the operating system's
            # connect timeout (minutes for a machine that is gone).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "grassroots_cache",
        }
    }

# Anonymous pages (the forum's lists and posts, the campaign pages) are kept this many seconds in
# the shared cache above, for visitors with no session (forum/pagecache.py); any write that changes
# what they show makes them all stale at once. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 30)
if PAGE_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(
        f"PAGE_CACHE_SECONDS={PAGE_CACHE_SECONDS} must be 0 (off) or a number of seconds."
    )

# Accounts --------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # allauth's, but an email address logs in only once verified (accounts/backends.py).
    "accounts.backends.VerifiedEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "forum:home"

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"login": "accounts.login_form.LoginForm"}
# Refuses look-alike usernames at sign-up (accounts/adapter.py, accounts/validators.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
# A hidden field that people never see and bots fill in: such sign-ups are silently dropped.
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS_ENABLED = True  # allauth's defaults: login failures, sign-ups, resets, ...
ACCOUNT_USERNAME_MIN_LENGTH = 3
# Compared by skeleton (accounts.validators), so `adm1n` and `Moderator_` are refused too.
ACCOUNT_USERNAME_BLACKLIST = ["admin", "administrator", "moderator", "moderators", "mod", "mods"]
ACCOUNT_USERNAME_BLACKLIST += ["staff", "root", "support", "help", "system", "official", "security"]
ACCOUNT_USER_DISPLAY = "accounts.models.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Links in allauth's emails use the site's own scheme (https in production; http for `make serve`).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme

# Changing the email address asks for the password again (or a two-factor code) unless the member
# gave it in the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds (logging in doesn't count: allauth
# counts only re-authentication). So do setting up or turning off two-factor authentication and
# the views behind allauth's reauthentication_required decorator (a campaign's supporter export).
# Changing the password asks for the current one on its own form.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# Two-factor authentication (allauth.mfa). Any member may turn it on; moderators and staff must
# (accounts.middleware.RequireTwoFactorMiddleware). An authenticator app (TOTP), a security key or
# passkey as the second factor (WebAuthn; not as a password-less log-in), and one-time recovery
# codes for when neither is at hand.
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = SITE_NAME
# WebAuthn insists on https, except that browsers treat http://127.0.0.1 and localhost as secure:
# `make run` and `make serve` (SITE_URL on http) allow their plain-http origin; production never.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = urlsplit(SITE_URL).scheme == "http"
# Sessions (allauth.usersessions): each log-in records its session's address and browser for the
# member's sessions page, where they can end the others. Off: a write on every request to keep
# "last seen" times.
USERSESSIONS_TRACK_ACTIVITY = False

# Forum -----------------------------------------------------------------------------------------

FORUM_RECOMMENDED_HOURS = env_int("FORUM_RECOMMENDED_HOURS", 48)
# The most comments one page of a discussion shows, whatever its shape (forum/threads.py).
THREAD_PAGE_COMMENTS = env_int("THREAD_PAGE_COMMENTS", 200)
# Per-member posting and reply rate limits (forum/limits.py); off only in tests that build bulk data.
FORUM_RATE_LIMITS = env_bool("FORUM_RATE_LIMITS", True)
# Members this new get stricter rate limits and at most 2 links a post (forum/limits.py).
FORUM_NEW_MEMBER_HOURS = env_int("FORUM_NEW_MEMBER_HOURS", 24)
# This many distinct members reporting an item hide it until a moderator reviews it.
FORUM_REPORTS_TO_HIDE = env_int("FORUM_REPORTS_TO_HIDE", 3)

# Email -----------------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Grassroots <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes each connection's
# messages (one file per batch).
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
# Email to many members (campaign updates, change notes, closing stories) goes through the outbox
# (accounts.models.OutboundEmail) and the worker: this many messages per SMTP connection, a failed
# batch retried EMAIL_MAX_ATTEMPTS times in all (after 1, 2, 4, 8... minutes), and a claim older
# than EMAIL_CLAIM_TIMEOUT seconds taken to be a dead worker's (manage.py email_resume).
EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 100)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 6)
EMAIL_CLAIM_TIMEOUT = env_int("EMAIL_CLAIM_TIMEOUT", 600)
# How long the outbox keeps a message once it is sent or given up: the rows say which member was
# emailed about which campaign, which is who supports what, so they are not kept for ever
# (`manage.py housekeeping` deletes older ones).
EMAIL_RETENTION_DAYS = env_int("EMAIL_RETENTION_DAYS", 30)
# Finished task results (their arguments name campaigns and sends): successful ones this long,
# failed ones (which staff look into) TASK_FAILED_RETENTION_DAYS.
# Notification emails (accounts.notifications): the first of a member's notifications to email
# waits NOTIFICATION_EMAIL_DELAY seconds for others to join it (one email per thread), and daily
# digests hold what came before DIGEST_HOUR (0-23, TIME_ZONE) each day. One-click unsubscribe
# links in emails work for UNSUBSCRIBE_LINK_DAYS days.
NOTIFICATION_EMAIL_DELAY = env_int("NOTIFICATION_EMAIL_DELAY", 600)
DIGEST_HOUR = env_int("DIGEST_HOUR", 7)
if not 0 <= DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR={DIGEST_HOUR} must be an hour, 0 to 23.")
UNSUBSCRIBE_LINK_DAYS = env_int("UNSUBSCRIBE_LINK_DAYS", 90)
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 7)
TASK_FAILED_RETENTION_DAYS = env_int("TASK_FAILED_RETENTION_DAYS", 30)

# Background work -------------------------------------------------------------------------------

# Work that needn't finish before the response (email) runs as tasks, enqueued only once the
# request's transaction commits (accounts.queueing). Two backends:
# - "database" (django-tasks-db): the tasks are rows in the database and `manage.py db_worker`
#   runs them (`make run` starts it beside the web server). Nothing but the database is needed.
# - "rq" (django-tasks-rq): the tasks are RQ jobs in Redis and `manage.py rqworker default
#   --with-scheduler` runs them, as many workers on as many machines as needed. The scheduler is
#   what runs a retry (enqueued with run_after) when its time comes.
# With REDIS_URL set the default is "rq"; TASKS_BACKEND=database keeps the database backend.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "").strip().lower() or (
    "rq" if REDIS_URL else "database"
)
if TASKS_BACKEND not in {"database", "rq"}:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={os.environ.get('TASKS_BACKEND')!r} is not a task backend; use database "
        "or rq."
    )
if TASKS_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (the Redis the jobs live in).")
if TASKS_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # django_tasks_db stays installed: its table keeps what the database backend left, and
    # switching back needs no migration.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    # django-rq passes only the URL to redis-py, so the connect timeout goes in the URL (rq sets
    # its own read timeout, longer than the wait for the next job).
    _separator = "&" if "?" in REDIS_URL else "?"
    RQ_QUEUES = {
        "default": {
            "URL": f"{REDIS_URL}{_separator}socket_connect_timeout=0.5",
            # A job still running after this is killed (and FAILED): five minutes, and at most
            # half EMAIL_CLAIM_TIMEOUT, so a batch's claimed rows are never taken for a dead
            # worker's while it still runs.
            "DEFAULT_TIMEOUT": max(1, min(300, EMAIL_CLAIM_TIMEOUT // 2)),
        }
    }
    # So that plain `manage.py rqworker` runs django-tasks' jobs (without it every task fails).
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    # django-rq's own admin entry lets any staff member (moderators) read every job's arguments,
    # which include password-reset links: grassroots/urls.py mounts the dashboard for those
    # with the permission instead.
    RQ_SHOW_ADMIN_LINK = False
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Internationalisation and static files ---------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# With DEBUG off, whitenoise (MIDDLEWARE) serves what `collectstatic` put in STATIC_ROOT. Each file's
# name has a hash of its content, so it can be cached for ever, and a gzip copy (and a brotli copy,
# when the brotli package is installed) is sent to browsers that accept one. In development the
# files come straight from static/ and the apps, so there is no `collectstatic` step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# whitenoise would follow settings.DEBUG at start-up, which the test runner turns off: tests serve
# static files as development does (from the apps, no `collectstatic`).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files (campaign images). In production the web server or object storage serves them.
# Django serves them itself when DEBUG is on, or with SERVE_MEDIA=1 (`make serve`, one machine).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
# Members' data exports (accounts.DataExport): never under MEDIA_ROOT, never served by the web
# server; only accounts.views.data_export_download hands one out, to its owner alone.
DATA_EXPORT_ROOT = Path(os.environ.get("DATA_EXPORT_ROOT", VAR_DIR / "exports"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# Security --------------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache and written through to the database: every app server
# sees the same sessions, and a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Another site's window opened from here (or that opened this one) gets no handle on it.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _origin(url: str) -> list[str]:
    """The origin of an absolute URL (static files or uploads on a CDN), as a CSP source."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy (django-csp's middleware). Nothing is allowed unless it is named here:
# scripts and styles only from our own static files, or inline with this response's nonce
# (<script nonce="{{ request.csp_nonce }}">; the nonce is added to the header only on pages that
# use it). There are no 'unsafe-inline' or 'unsafe-eval' sources, and no style="" attributes:
# put styles in static/css. Images come from our origin, which includes uploads under MEDIA_URL.
# Forms post only to this site, and no page can be framed, embed plugins or change its base URL.
# The Django admin works under this policy as it is: its scripts are files, its one inline
# <style> (change_list.html, only when a ModelAdmin turns actions off at the top and the bottom)
# never renders here (tests/test_security_headers.py checks every ModelAdmin). No page is exempt.
_STATIC_ORIGIN = _origin(STATIC_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, *_STATIC_ORIGIN, NONCE],
        "style-src": [SELF, *_STATIC_ORIGIN, NONCE],
        "img-src": [SELF, *_STATIC_ORIGIN, *_origin(MEDIA_URL)],
        "font-src": [SELF, *_STATIC_ORIGIN],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Violation reports go to CSP_REPORT_URI if set (a collector such as Sentry's security endpoint).
# Not kept as a setting of that name: django-csp 4 takes a CSP_* setting for an old-style one.
if csp_report_uri := os.environ.get("CSP_REPORT_URI", "").strip():
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [csp_report_uri]
# Permissions-Policy (accounts.middleware.PermissionsPolicyMiddleware): camera, microphone,
# geolocation, payment and the other powerful features are denied to every page.

BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Where the client's address comes from, for per-address rate limits (allauth's log-in limits).
# By default REMOTE_ADDR: X-Forwarded-For is ignored, since anyone can send it. Behind proxies you
# run, say how many there are (each appends to X-Forwarded-For, and the address the nearest one saw
# is used), or name the header one sets (X-Real-IP). Behind the TLS proxy, one is assumed.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Cookies only over https. SECURE_COOKIES=0 is for `make serve` on plain http (127.0.0.1).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Logging ---------------------------------------------------------------------------------------

# One line per request (logger grassroots.request), and every line stamped with the request id
# and the task id it was logged in (accounts/observability.py). JSON for log collectors by default
# in production; text for people in development.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
# A request's X-Request-ID is taken from this header when a proxy you run sets it (and replaces
# any the client sent), e.g. X-Request-ID from nginx's $request_id. Unset, every id is made here.
TRUSTED_REQUEST_ID_HEADER = os.environ.get("TRUSTED_REQUEST_ID_HEADER", "").strip()
# Request lines hold no address unless this is on: whose address visited which page is personal
# data about members of a political group.
LOG_CLIENT_IP = env_bool("LOG_CLIENT_IP", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "accounts.observability.ContextFilter"}},
    "formatters": {
        "json": {"()": "accounts.observability.JsonFormatter"},
        "text": {"()": "accounts.observability.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Error reporting -------------------------------------------------------------------------------

# Only with SENTRY_DSN set (Sentry, or a server that speaks its protocol, such as GlitchTip).
# Reports name no member: accounts.observability.init_sentry. Tracing is off unless
# SENTRY_TRACES_SAMPLE_RATE (0 to 1) says what share of requests to trace.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
if SENTRY_DSN:
    from accounts.observability import init_sentry

    default_environment = "development" if DEBUG else "production"
    init_sentry(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or default_environment,
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces=SENTRY_TRACES_SAMPLE_RATE,
    )
