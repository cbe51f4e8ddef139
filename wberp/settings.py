"""wberp settings: one file, every value from the environment.

Defaults are safe for local development; production secrets have none, and
with DEBUG off a missing one stops start-up with a message saying how to set it.
Every variable is documented in `.env.example` and the README.
"""

import ipaddress
import math
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# WBERP_ENV_FILE lets tests and deployments point at another file (or none).
environ.Env.read_env(os.environ.get("WBERP_ENV_FILE", BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)

GENERATE_HINT = "Generate one with: python -m wberp.envfile --print"


def production_secret(name: str, *, dev_default: str, hint: str = GENERATE_HINT) -> str:
    """Read a secret that must be set explicitly when DEBUG is off."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} is not set and DEBUG is off. {hint}")


def is_weak_secret_key(key: str) -> bool:
    """The same test as Django's security.W009: short, repetitive or a dev placeholder."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith(("django-insecure", "dev-"))


def positive_number(name: str, *, default: float, unit: str = "") -> float:
    """A number from the environment (of `unit`, for the message): finite and above zero."""
    text = env.str(name, default=str(default))
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        what = f"a number of {unit}" if unit else "a number"
        raise ImproperlyConfigured(f"{name} must be {what} above 0, not {text!r}.")
    return value


def positive_seconds(name: str, *, default: float) -> float:
    return positive_number(name, default=default, unit="seconds")


SECRET_KEY = production_secret("SECRET_KEY", dev_default="dev-insecure-" + "x" * 50)
if not DEBUG and is_weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG off (at least 50 varied characters). " + GENERATE_HINT
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "wberp",
    "sellers",
    "gateway",
    # Before django_tasks_db: its db_worker command is replaced by jobs' (the periodic tick).
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "tokens",
    # django-ninja's templates and static files: Swagger UI is served from our own origin.
    "ninja",
    "api",
    "monitoring",
    "alerts",
    "sync",
    "catalog",
    "sales",
    "finance",
    "dashboards",
    "costs",
    "access",
    "exports",
]

MIDDLEWARE = [
    "wberp.middleware.RequestIdMiddleware",
    "wberp.health.HealthCheckMiddleware",
    # Answers /metrics before host checks and redirects, as the health probes are answered.
    "monitoring.exposition.MetricsEndpointMiddleware",
    "monitoring.http.HttpMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wberp.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wberp.middleware.RejectNulMiddleware",
    "wberp.middleware.StaffOnlyMiddleware",
    # Last, as django-axes requires, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wberp.urls"
WSGI_APPLICATION = "wberp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alerts.context_processors.notifications",
            ],
        },
    },
]

# --- Caches -----------------------------------------------------------------
# Rendered fragments ({% cache %}), per process. Their keys are made of everything a
# fragment shows, so a change is never served stale and nothing needs invalidating.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# --- Database ---------------------------------------------------------------
# SQLite under var/ by default, so a newcomer needs no server; PostgreSQL in
# production via DATABASE_URL=postgres://user:password@host:5432/name.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'wberp.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Fail fast when the server is down instead of holding a web worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=3
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the workers share one file. WAL lets readers go on while one
    # process writes; IMMEDIATE takes the write lock when a transaction begins, so two
    # writers queue up (for up to the busy timeout) instead of failing halfway through.
    # wberp.sqlite creates the file private (0600); `make setup` makes var/ private (0700).
    DATABASES["default"]["ENGINE"] = "wberp.sqlite"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL",
        timeout=positive_seconds("SQLITE_BUSY_TIMEOUT", default=20.0),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ---------------------------------------------------------
# Tasks are rows in the database; `manage.py db_worker` (any number of them, on any number
# of machines on PostgreSQL) runs them. The same in tests; a test that wants another
# backend (ImmediateBackend, DummyBackend) sets TASKS itself.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds between two ticks of a worker: each tick enqueues the periodic jobs that are due.
JOBS_TICK_SECONDS = positive_seconds("JOBS_TICK_SECONDS", default=10.0)
# A sync task holds its stream this long: longer than reading and storing one page may take
# (WB_API_DATA_DEADLINE and the upsert); a task not done by then is presumed lost.
SYNC_LEASE_SECONDS = positive_seconds("SYNC_LEASE_SECONDS", default=900.0)
# The datasets to sync (e.g. cards,prices); unset: every one; "none": none.
SYNC_DATASETS = env.list("SYNC_DATASETS", default=None)
if SYNC_DATASETS == ["none"]:
    SYNC_DATASETS = []
# The longest back-off of a stream after transient errors in a row.
SYNC_BACKOFF_CAP_SECONDS = positive_seconds("SYNC_BACKOFF_CAP_SECONDS", default=3600.0)
# WB's page sizes, which the paging of orders and sales (a shorter page is the last one) and
# of the finance report's rows rely on. WB's own values; tests use smaller pages.
WB_STATISTICS_PAGE_ROWS = env.int("WB_STATISTICS_PAGE_ROWS", default=80_000)
WB_FINANCE_PAGE_ROWS = env.int("WB_FINANCE_PAGE_ROWS", default=100_000)
# Cost-price uploads (costs.upload): the largest file taken, the most rows in it, and for an
# XLSX (a zip) the most its parts may unpack to, checked before it is opened.
COST_UPLOAD_MAX_BYTES = env.int("COST_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
COST_UPLOAD_MAX_ROWS = env.int("COST_UPLOAD_MAX_ROWS", default=100_000)
COST_UPLOAD_MAX_UNPACKED_BYTES = env.int(
    "COST_UPLOAD_MAX_UNPACKED_BYTES", default=256 * 1024 * 1024
)
# Exports (exports app): an XLSX of more rows than this is written by a task, not during its
# request; the files, in a private folder under var/ (never served), and their records are
# deleted this many hours after they were asked for; an export whose progress has not moved
# for this many seconds lost its worker and is marked failed.
EXPORTS_XLSX_INLINE_ROWS = env.int("EXPORTS_XLSX_INLINE_ROWS", default=10_000)
EXPORTS_DIR = env.path("EXPORTS_DIR", default=BASE_DIR / "var" / "exports")
EXPORTS_KEEP_HOURS = env.int("EXPORTS_KEEP_HOURS", default=24)
EXPORTS_LEASE_SECONDS = positive_seconds("EXPORTS_LEASE_SECONDS", default=600.0)

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock out a username+IP pair after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed API token authentications per client address before it is refused for the same
# cool-off as logins (AXES_COOLOFF_HOURS).
API_AUTH_FAILURE_LIMIT = env.int("API_AUTH_FAILURE_LIMIT", default=10)
# Requests one API token may make, per second, minute, hour or day ("600/min"), counted in the
# database: every process shares the budget.
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="600/min")
# How many reverse proxies stand in front of the app, each appending the address it saw to
# X-Forwarded-For (0: none, the socket's address is the client's). The client's address is
# the entry the outermost proxy added; what the client itself sent is never read.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "wberp.client_ip.client_ip"

# Sessions end after at most 12 hours, and with the browser.
MAX_SESSION_AGE = 12 * 60 * 60
SESSION_COOKIE_AGE = min(env.int("SESSION_COOKIE_AGE", default=MAX_SESSION_AGE), MAX_SESSION_AGE)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")  # WB's own time
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers -------------------------------------------------------
# The scheme a proxy received the request with: only a proxy sets it, so only then is it read.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Cookies travel over HTTPS only, unless explicitly relaxed for a plain-HTTP try-out.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Scripts only from our own origin: no inline code, no eval (htmx is configured
# in base.html so that it needs neither).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Wildberries API --------------------------------------------------------
WB_API_BASE_URL = env.str("WB_API_BASE_URL", default="https://{host}.wildberries.ru")
# With DEBUG off only WB's own hosts are accepted, unless this names a local emulator on
# loopback on purpose: for `make bench`, which measures the production server against it.
WB_API_LOCAL_EMULATOR = env.bool("WB_API_LOCAL_EMULATOR", default=False)
WB_API_AUTH_SCHEME = env.str("WB_API_AUTH_SCHEME", default="bearer")
WB_API_CONNECT_TIMEOUT = env.float("WB_API_CONNECT_TIMEOUT", default=3.05)
WB_API_READ_TIMEOUT = env.float("WB_API_READ_TIMEOUT", default=10.0)
WB_API_DEADLINE = env.float("WB_API_DEADLINE", default=20.0)
# Data pages (a WB statistics page is ~65 MB, a finance page up to ~270 MB) are read by
# background tasks, never in a web request: they get their own, longer bounds.
WB_API_DATA_READ_TIMEOUT = env.float("WB_API_DATA_READ_TIMEOUT", default=60.0)
WB_API_DATA_DEADLINE = env.float("WB_API_DATA_DEADLINE", default=600.0)
if SYNC_LEASE_SECONDS <= WB_API_DATA_DEADLINE:
    raise ImproperlyConfigured(
        "SYNC_LEASE_SECONDS must be longer than WB_API_DATA_DEADLINE: a sync task holds its "
        "stream for longer than one page may take."
    )
WB_API_MAX_CONCURRENCY = env.int("WB_API_MAX_CONCURRENCY", default=2)
# Seconds a request waits for a free WB call slot before it is told to try again.
WB_API_SLOT_WAIT = env.float("WB_API_SLOT_WAIT", default=1.0)
# Development only: divides every WB rate-limit period of the shared budget, to match the
# emulator's --speed, so that a demo syncs in seconds. Against WB itself it would earn 429s.
WB_RATE_SPEED = env.float("WB_RATE_SPEED", default=1.0)
# Seconds added to each of WB's intervals, for the time a request spends on its way to WB.
WB_RATE_MARGIN = env.float("WB_RATE_MARGIN", default=0.05)
if WB_RATE_SPEED <= 0 or (WB_RATE_SPEED != 1 and not DEBUG):
    raise ImproperlyConfigured(
        "WB_RATE_SPEED must be positive, and other than 1 only with DEBUG on (development)."
    )

# Token encryption keys: comma-separated base64url 256-bit keys; the first
# encrypts, all decrypt. The fingerprint key only keys the duplicate detector.
# In DEBUG, fixed development keys stand in (a system check warns about them).
WB_TOKEN_KEYS = [
    key.strip()
    for key in production_secret(
        "WB_TOKEN_KEYS", dev_default="ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtMDAwMDAwMDA"
    ).split(",")
    if key.strip()
]
WB_TOKEN_FINGERPRINT_KEY = production_secret(
    "WB_TOKEN_FINGERPRINT_KEY", dev_default="ZGV2LW9ubHktZmluZ2VycHJpbnQta2V5LTAwMDAwMDA"
)

# --- Monitoring -------------------------------------------------------------
# /metrics answers a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` or comes from
# an address in METRICS_ALLOWED_IPS (addresses or networks, e.g. 10.0.0.0/8); with neither
# set it does not exist (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be at least 32 characters, e.g. from: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )


def ip_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses and networks from the environment."""
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in env.list(name, default=[])]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None


METRICS_ALLOWED_IPS = ip_networks("METRICS_ALLOWED_IPS")

# --- Alerts -----------------------------------------------------------------
# Mail for alerts and error reports: EMAIL_URL in django-environ's form, such as
# smtp+tls://user:password@host:587 or consolemail:// (mails printed, for development).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG["EMAIL_HOST"] or "localhost"
EMAIL_PORT = EMAIL_CONFIG["EMAIL_PORT"] or 25
EMAIL_HOST_USER = EMAIL_CONFIG["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = EMAIL_CONFIG["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10  # seconds: a delivery job must not hang on a silent mail server
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="wberp@localhost")
# Where wberp is served (https://erp.example.com), for the links in e-mails and webhooks.
ALERTS_SITE_URL = env.str("ALERTS_SITE_URL", default="")
# A sync stream is alerted on after failing more than this many runs in a row.
ALERTS_SYNC_FAILED_RUNS = int(positive_number("ALERTS_SYNC_FAILED_RUNS", default=3, unit="runs"))
# A dataset's data is stale when its last pass is older than its interval times this.
ALERTS_STALE_FACTOR = positive_number("ALERTS_STALE_FACTOR", default=3.0)
# A selling product is alerted on when its stock lasts at most this many days.
ALERTS_STOCK_DAYS = positive_number("ALERTS_STOCK_DAYS", default=7.0, unit="days")

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
# Installs a record factory that hides tokens in every record, then applies LOGGING.
LOGGING_CONFIG = "wberp.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "wberp.logging.RequestIdFilter"}},
    "formatters": {
        "text": {
            "()": "wberp.logging.TextFormatter",
            "format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "wberp.logging.JsonFormatter"},
        "access": {"()": "wberp.logging.AccessJsonFormatter"},
    },
    "handlers": {
        # Standard error, as Docker, systemd and cron collect it: standard output belongs to the
        # commands, whose output (wb_tokens list --json) must stay theirs alone.
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
        # Gunicorn's access lines: their own fields in JSON, the usual line in text.
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "access" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        },
        "mail_admins": {
            "class": "wberp.logging.TokenSafeAdminEmailHandler",
            "level": "ERROR",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # django-axes announces itself at INFO on every start; its lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # In each gunicorn worker these replace gunicorn's own handlers, so that its lines
        # come out in the app's format (the master process, which never loads Django,
        # keeps gunicorn's text for its few lines about starting and stopping workers).
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
ADMINS = [("Admin", email) for email in env.list("ADMIN_EMAILS", default=[])]
# Error reports (mails to ADMINS) hide WB tokens even in frames that cannot be marked
# with @sensitive_variables: the WB client stack, and any value shaped like a token.
DEFAULT_EXCEPTION_REPORTER_FILTER = "wberp.reporting.TokenSafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "wberp.reporting.TokenSafeExceptionReporter"
