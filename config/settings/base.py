"""Sitelens settings, driven by environment variables (see README "Configuration").

The embedded default needs no service: SQLite, django-q2's ORM broker, Channels'
in-memory layer, console e-mail. Setting DATABASE_URL / REDIS_URL moves to
PostgreSQL / Redis without touching code.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.redis import channel_layer

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("SITELENS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Production mode (docker-compose sets it): the start-up check below refuses a default
# or weak SECRET_KEY, missing credential keys, DEBUG, or a wildcard ALLOWED_HOSTS.
# SITELENS_REQUIRE_SECRET_KEY is its former name.
SITELENS_PRODUCTION = env_bool("SITELENS_PRODUCTION", False) or \
    env_bool("SITELENS_REQUIRE_SECRET_KEY", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # Embedded default: a stable per-checkout key so restarts keep sessions and
    # queued django-q2 tasks (their signatures depend on it).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = key_file.read_text().strip()


def _credential_keys() -> list[str]:
    """Fernet keys for site credentials at rest (apps.accounts.crypto), newest first."""
    keys = env_list("SITELENS_CREDENTIAL_KEYS")
    if keys or SITELENS_PRODUCTION:
        return keys  # production without keys is refused below
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "credential_key"
    if not key_file.exists():
        import base64
        import os

        key_file.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        key_file.chmod(0o600)
    return [key_file.read_text().strip()]


SITELENS_CREDENTIAL_KEYS = _credential_keys()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if SITELENS_PRODUCTION:
    from config.security import production_problems

    _problems = production_problems(secret_key=env_str("SECRET_KEY"), debug=DEBUG,
                                    allowed_hosts=ALLOWED_HOSTS,
                                    credential_keys=SITELENS_CREDENTIAL_KEYS)
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production mode: "
                                   + "; ".join(_problems))

# --- HTTP hardening ---------------------------------------------------------------
# Behind HTTPS (SITELENS_HTTPS): HSTS, secure cookies, and the scheme a trusted proxy
# reports (X-Forwarded-Proto) believed when SITELENS_TRUSTED_PROXIES > 0.
SITELENS_HTTPS = env_bool("SITELENS_HTTPS", False)
if SITELENS_HTTPS:
    SECURE_HSTS_SECONDS = env_int("SITELENS_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SITELENS_HSTS_SUBDOMAINS", False)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SITELENS_SSL_REDIRECT", False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes speak HTTP
    if env_int("SITELENS_TRUSTED_PROXIES", 0, minimum=0):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browsers at these origins may call the API (with credentials: none are cookies-only).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "Content-Disposition"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "x-request-id"]

# daphne's app only gives `manage.py runserver` HTTP + WebSocket (it must come first
# then). It imports Twisted, about 16 MiB that the worker (qcluster), management
# commands and daphne's own processes do not need from it: only runserver loads it.
_RUNSERVER = sys.argv[1:2] == ["runserver"]

INSTALLED_APPS = [
    *(["daphne"] if _RUNSERVER else []),
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "channels",
    "apps.core",
    "apps.accounts",
    "apps.jobs",
    "apps.analyses",
    "apps.exports",
    "apps.notifications",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIDMiddleware",
    "apps.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "apps.core.middleware.GZipMiddleware",
    "apps.core.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "apps.notifications.context.unread",
                "apps.accounts.context.account_status",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sitelens.sqlite3'}")
if DATABASE_URL.startswith("sqlite:"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# The web process (daphne imports config.asgi, which loads the settings) keeps no
# persistent database connection. Under ASGI each request's sync code may run in a new
# thread, and a connection kept by a finished thread is never closed: with PostgreSQL a
# load of API requests ended in "too many clients" (benchmarks/README.md). Django's
# documentation: "If you're using ASGI, persistent connections should be disabled.
# Instead, use your database backend's built-in connection pooling": a pool of
# DB_POOL_SIZE connections (10 unless set; 0 turns it off and every request connects
# anew). Read here, not passed through os.environ, which every child process inherits
# (a test process that imported config.asgi once handed its pool to the e2e qcluster).
_WEB_PROCESS = "config.asgi" in sys.modules
# Connections kept per process for the next request (0: none).
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 10 if _WEB_PROCESS else 0, minimum=0)
if sys.argv[1:2] == ["qcluster"]:
    # Never in the worker, whatever the environment says (a size meant for the web
    # processes, or inherited from a process that imported config.asgi): a pool holds
    # connections and threads a fork cannot carry, and qcluster forks its workers after
    # its sentinel has used the database (they hung on the pool's connection).
    DB_POOL_SIZE = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The ORM broker polls from several processes: without WAL and immediate
    # transactions SQLite answers "database is locked" and task results get lost.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
    }
    if DB_POOL_SIZE:
        DATABASES["default"]["ENGINE"] = "apps.core.sqlite_pool"
        DATABASES["default"]["OPTIONS"]["pool"] = DB_POOL_SIZE
else:
    # Reusing connections cuts enqueueing from ~28 ms to ~1.6 ms per task.
    DATABASES["default"]["CONN_MAX_AGE"] = (
        0 if _WEB_PROCESS else env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_POOL_SIZE:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # what the pool requires
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": DB_POOL_SIZE, "timeout": 20}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded and generated files (exports) go through Django's storage API: the local
# filesystem by default; any django-storages backend through STORAGES["default"].
MEDIA_ROOT = Path(env_str("SITELENS_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env_str("SITELENS_STORAGE_BACKEND",
                                   "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve from app dirs without collectstatic in the embedded default

# Request bodies: API payloads are small; anything larger is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SITELENS_MAX_BODY_BYTES", 64 * 1024, minimum=1024)

# --- Redis / Channels -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": channel_layer(REDIS_URL)}
else:
    # In-process only: worker events reach the web process through the event
    # table, which the WebSocket consumer tails (see apps.jobs.consumers).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The shared cache: rate-limit counters every web process must agree on. The database
# cache on the embedded default (its table is made by a migration), Redis in production.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "sitelens",
                          "OPTIONS": {"pool_class": "config.redis.SharedConnectionPool"}}}
else:
    # Django's database cache with a one-statement `set` (apps.core.dbcache).
    CACHES = {"default": {"BACKEND": "apps.core.dbcache.DatabaseCache",
                          "LOCATION": "sitelens_cache"}}
# Each process's memo of ended analyses' API answers, keyed by a digest of what they
# depend on (apps.analyses.api.views.representation_version): nothing to invalidate or
# share, and a few MB at most.
CACHES["representations"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                             "LOCATION": "representations", "TIMEOUT": 3600,
                             "OPTIONS": {"MAX_ENTRIES": 200}}

# --- django-q2 ----------------------------------------------------------------------
# A crawl can run long, and django-q2 requires timeout < retry. Worker deaths are
# detected by Sitelens itself (heartbeat + worker pid, apps.jobs.services), so the
# broker's redelivery is only a backstop.
Q_TIMEOUT = env_int("SITELENS_TASK_TIMEOUT", 3600, minimum=10)
Q_CLUSTER = {
    "name": "sitelens",
    "workers": env_int("SITELENS_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 120,
    "max_attempts": 3,
    "save_limit": 0 if DATABASE_URL.startswith("sqlite:") else 250,
    "catch_up": False,
    "ack_failures": True,
    "poll": 0.2,
    # An analysis extracts main content in child processes (apps.analyses.content.worker),
    # which multiprocessing refuses to daemonic processes.
    "daemonize_workers": False,
}
# The broker: the ORM (the database: a task survives a killed worker and a Redis restart)
# by default, also in production; Redis (SITELENS_BROKER=redis) for more throughput.
SITELENS_BROKER = env_str("SITELENS_BROKER", "orm")
if SITELENS_BROKER == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("SITELENS_BROKER=redis needs REDIS_URL")
    Q_CLUSTER["redis"] = REDIS_URL
elif SITELENS_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
else:
    raise ImproperlyConfigured("SITELENS_BROKER must be orm or redis")

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "apps.accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON for scripts, form fields for curl -d; no multipart (nothing is uploaded).
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["apps.accounts.throttles.PlanRateThrottle"],
    # Proxies in front of the web processes whose X-Forwarded-For entry is believed
    # (0: none, the socket's peer is the client; see apps.accounts.throttles).
    "NUM_PROXIES": env_int("SITELENS_TRUSTED_PROXIES", 0, minimum=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sitelens API",
    "DESCRIPTION": "Crawl a website, audit every page, follow progress live.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CredentialKindEnum": "apps.accounts.credentials.KINDS",
        "AnalysisKindEnum": "apps.analyses.options.AVAILABLE_KIND_VALUES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.openapi.finalize",
    ],
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per message.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# SMTP: EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and these.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sitelens <sitelens@localhost>")
# Links in e-mails point here (the address users reach the web UI at).
SITELENS_BASE_URL = env_str("SITELENS_BASE_URL", "http://127.0.0.1:8000")

# --- Sitelens --------------------------------------------------------------------------
# host:port pairs that may be crawled although they are loopback/private. Tests and
# `make demo` set it; production leaves it empty.
SITELENS_ALLOWED_TARGETS = env_str("SITELENS_ALLOWED_TARGETS")
# A running job beats at least this often (also while it waits on a slow site), and
# one whose heartbeat is older than the stale limit is taken to be abandoned. The
# limit must exceed the longest single blocking step (one request: 60 s at most).
SITELENS_HEARTBEAT_SECONDS = env_int("SITELENS_HEARTBEAT_SECONDS", 10, minimum=1)
SITELENS_JOB_STALE_SECONDS = env_int("SITELENS_JOB_STALE_SECONDS", 180, minimum=1)
SITELENS_MAX_ATTEMPTS = 3
# A queued analysis whose task no worker took for this long is handed to the broker again
# (a killed qcluster's prefetched tasks are otherwise stuck; see apps.jobs.recovery).
SITELENS_QUEUED_STALE_SECONDS = env_int("SITELENS_QUEUED_STALE_SECONDS", 600, minimum=10)
# Hard caps no plan can exceed.
SITELENS_MAX_PAGES_CAP = env_int("SITELENS_MAX_PAGES_CAP", 10_000, minimum=1)
# One pathological page keeps at most this many findings (most severe first).
SITELENS_MAX_FINDINGS_PER_PAGE = env_int("SITELENS_MAX_FINDINGS_PER_PAGE", 500, minimum=1)
# Processes that extract main content beside each analysis, started with its crawl and
# stopped after it (0: in the analysis's own process). Analyses asking for fewer pages
# than the minimum extract in their own process, which then keeps the extractor and the
# language model (about 100 MiB) loaded for its life; the pool's start costs under a
# second beside the first pages.
_CPUS = os.cpu_count() or 1
SITELENS_CONTENT_PROCESSES = env_int("SITELENS_CONTENT_PROCESSES",
                                     min(2, _CPUS) if _CPUS > 1 else 0, minimum=0)
SITELENS_CONTENT_POOL_MIN_PAGES = env_int("SITELENS_CONTENT_POOL_MIN_PAGES", 1, minimum=1)
# After the crawl, external links and page resources (images, scripts, stylesheets,
# fonts) are checked with HEAD: at most this many of each per analysis, none started
# after the time budget (seconds) of each. 0 turns a check off.
SITELENS_LINK_CHECK_MAX = env_int("SITELENS_LINK_CHECK_MAX", 200, minimum=0)
SITELENS_RESOURCE_CHECK_MAX = env_int("SITELENS_RESOURCE_CHECK_MAX", 300, minimum=0)
SITELENS_LINK_CHECK_SECONDS = env_int("SITELENS_LINK_CHECK_SECONDS", 60, minimum=1)
SITELENS_MAX_DEPTH_CAP = 20
# The optional LLM reviewer: any OpenAI-compatible chat-completions API. Off unless
# SITELENS_LLM_URL is set (the API's base, e.g. https://host/v1). It writes a narrative
# for each persona review, stored apart and labelled as generated; it never changes a
# score, and its failure leaves the analysis succeeded. The key is never logged.
SITELENS_LLM_URL = env_str("SITELENS_LLM_URL")
# Signed export download links stay valid this long (and never past the export's expiry).
SITELENS_EXPORT_LINK_SECONDS = env_int("SITELENS_EXPORT_LINK_SECONDS", 24 * 3600, minimum=60)
# Exports are deleted (file and row) this long after they were made, unless the user's
# plan says otherwise (Plan.export_retention_days).
SITELENS_EXPORT_HTML_MAX_FINDINGS = 5000  # the HTML/PDF report lists at most this many
# Analyses that ended this many days ago lose their bulky data (each page's Markdown, and
# the page/finding/progress/log events of their live log) to a daily sweep; pages,
# findings, scores and reviews stay, and the analysis says what went. 0: keep everything.
SITELENS_PRUNE_AFTER_DAYS = env_int("SITELENS_PRUNE_AFTER_DAYS", 0, minimum=0)
# Webhooks: analysis.progress is sent at most once per this many seconds per analysis.
SITELENS_WEBHOOK_PROGRESS_SECONDS = env_int("SITELENS_WEBHOOK_PROGRESS_SECONDS", 10, minimum=1)
SITELENS_LLM_MODEL = env_str("SITELENS_LLM_MODEL", "gpt-4o-mini")
SITELENS_LLM_API_KEY = env_str("SITELENS_LLM_API_KEY")
SITELENS_LLM_TIMEOUT = env_int("SITELENS_LLM_TIMEOUT", 30, minimum=1)
# The default plan, seeded by a migration and used for users without a plan. A
# self-hosted install serves its operator, so the defaults are generous; lower them
# for an install that strangers can sign up to.
SITELENS_DEFAULT_PLAN = {
    "analyses_per_month": env_int("SITELENS_DEFAULT_PLAN_ANALYSES_PER_MONTH", 10_000, minimum=0),
    "max_pages_per_analysis": env_int("SITELENS_DEFAULT_PLAN_MAX_PAGES", SITELENS_MAX_PAGES_CAP,
                                      minimum=1),
    "max_concurrent_analyses": env_int("SITELENS_DEFAULT_PLAN_CONCURRENT", 5, minimum=1),
    "api_rate_per_minute": env_int("SITELENS_DEFAULT_PLAN_API_RATE", 600, minimum=1),
    "webhook_endpoints": env_int("SITELENS_DEFAULT_PLAN_WEBHOOKS", 20, minimum=0),
}
# Anonymous API calls (login, register, token refresh) per minute per client address, and
# failed logins per minute per address and per account (API and web form alike).
SITELENS_ANON_RATE_PER_MINUTE = env_int("SITELENS_ANON_RATE_PER_MINUTE", 60, minimum=1)
SITELENS_FAILED_LOGINS_PER_MINUTE = env_int("SITELENS_FAILED_LOGINS_PER_MINUTE", 20, minimum=1)
# /readyz needs a qcluster whose heartbeat is newer than this; the image build sets
# SITELENS_GIT_COMMIT for /api/v1/system/version (else the checkout's HEAD is read).
SITELENS_READY_WORKER_SECONDS = env_int("SITELENS_READY_WORKER_SECONDS", 30, minimum=1)
SITELENS_GIT_COMMIT = env_str("SITELENS_GIT_COMMIT")
# /metrics answers loopback callers only, or, with a token, whoever sends it as a bearer.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# How often a WebSocket consumer re-reads the event table when nothing woke it.
SITELENS_EVENT_POLL_SECONDS = 0.5 if not REDIS_URL else 5.0
# A comment line on an idle Server-Sent Events stream, so proxies keep it open.
SITELENS_SSE_KEEPALIVE_SECONDS = env_int("SITELENS_SSE_KEEPALIVE_SECONDS", 15, minimum=1)
# A live stream whose client has read nothing of its backlog for this long is aborted
# (apps.jobs.connection); the client reconnects with the last id it read.
SITELENS_STREAM_STALL_SECONDS = env_int("SITELENS_STREAM_STALL_SECONDS", 60, minimum=1)

# Log lines: JSON (one object a line, for log collectors) or plain text; each carries the
# request id and the analysis id when there is one (apps.core.logs).
SITELENS_LOG_FORMAT = env_str("SITELENS_LOG_FORMAT", "json")
if SITELENS_LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("SITELENS_LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "apps.core.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s "
                            "[request=%(request_id)s analysis=%(analysis_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s "
                        "%(analysis_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": SITELENS_LOG_FORMAT,
                             "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
