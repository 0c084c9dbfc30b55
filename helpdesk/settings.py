"""Settings for the helpdesk, every knob read from the environment.

The README's table lists each variable. Without any of them set and with
DEBUG=true, the product runs on an embedded SQLite file and a file-system
Celery broker under ``var/``, with no other service.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from helpdesk.backends import file_backends, redis_backends
from helpdesk.database import POSTGRESQL, database_from_url
from helpdesk.env import (
    env_alias,
    env_bool,
    env_choice,
    env_fernet_keys,
    env_int,
    env_list,
    env_networks,
    env_origins,
    env_rate,
    env_socket_url,
    env_str,
    read_env_file,
)
from helpdesk.logging_config import logging_config
from helpdesk.schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent
# A local .env (written once by `make run`) fills in what the environment leaves unset; ENV_FILE= turns it off.
read_env_file(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
# Seed 004's names for the same settings keep working (ours win when both are set).
env_alias("REOPEN_WINDOW_DAYS", "TICKET_REOPEN_WINDOW_DAYS")
env_alias("ATTACHMENT_MAX_BYTES", "UPLOAD_MAX_FILE_SIZE")
# Everything the product writes at run time (SQLite file, uploads, mail, Celery queue) goes here.
VAR_DIR = (BASE_DIR / env_str("VAR_DIR", "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

SERVICE_NAME = "helpdesk"
VERSION = "0.1.0"

# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105 - DEBUG only
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be a private random string of at least 32 characters.")

# Seed 004's JWT_SECRET_KEY signs the API's tokens when set; otherwise SECRET_KEY does.
JWT_SIGNING_KEY = env_str("JWT_SECRET_KEY", SECRET_KEY)
if len(JWT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("JWT_SECRET_KEY must be a private random string of at least 32 characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "helpdesk.apps.HelpdeskConfig",
    "accounts",
    "tickets",
    "integrations",
    "mailboxes",
    "reports",
    "kb",
    "webhooks",
    "automations",
]

MIDDLEWARE = [
    "helpdesk.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _DEFAULT_DATABASE_URL)
_database = database_from_url(
    DATABASE_URL,
    var_dir=VAR_DIR,
    conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
    pool_size=env_int("DB_POOL_SIZE", 0, minimum=0),
)
DATABASES = {"default": _database}
# The report indexes' INCLUDE columns make PostgreSQL's scans index-only; SQLite builds the same
# indexes without them, which is all it needs, so its warning about it is noise in every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASE_IS_POSTGRES = _database["ENGINE"] == POSTGRESQL
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -------------------------------------------------------

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://.")

_backends = redis_backends(REDIS_URL) if REDIS_URL else file_backends(VAR_DIR)
CACHES = _backends.caches
CELERY_BROKER_URL = _backends.broker_url
CELERY_BROKER_TRANSPORT_OPTIONS = _backends.transport_options
if _backends.worker_pool:
    CELERY_WORKER_POOL = _backends.worker_pool

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# One publishing attempt, no sleeping: Celery's default retries three times 0.2 s apart, holding the
# request; what was not published waits in its outbox for a relay (helpdesk/queue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 120
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# --- Auth -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
# Proxies (addresses or networks) whose X-Forwarded-For is believed; none by default, so the client's
# address is the connection's. Throttles and the login lockout key on it (helpdesk/client_ip.py).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# Wrong passwords allowed per account and address in a window of seconds, then even the right one waits.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900, minimum=1)
# Pages that need a signed-in user send people to the portal's login; the admin has its own.
LOGIN_URL = "account:login"
CSRF_FAILURE_VIEW = "helpdesk.api.errors.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.api.parsers.JSONParser",
        "helpdesk.api.parsers.FormParser",
        "helpdesk.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.api.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {
        # Per client address on login, register and refresh; per user on writes.
        "auth": env_rate("API_THROTTLE_AUTH", "60/min"),
        "write": env_rate("API_THROTTLE_WRITE", "600/min"),
    },
    "EXCEPTION_HANDLER": "helpdesk.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "helpdesk.api.metadata.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "helpdesk.api.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, comments, attachments, SLAs and reports for support and IT teams.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts: the page loads nothing from another host (no Google Fonts).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
            }
        }
    },
    # Swagger UI would show a badge from validator.swagger.io for a schema on a public host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies are validated like the others (actions use PATCH with required fields).
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "EventKindEnum": "tickets.models.event.EventKind",
        "NotificationKindEnum": "tickets.models.notification.NotificationKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.api.schema.postprocess",
    ],
}

# --- Internationalization ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------

STATIC_URL = "/static/"
# The image collects static files at build time, outside VAR_DIR (a volume at run time).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "") or None
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "attachments"}}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

_manifest = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _manifest
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ------------------------------------------------------------------

# The README's names for Django's mail backends (its file backend's module is ``filebased``).
_EMAIL_BACKENDS = {"console": "console", "file": "filebased", "smtp": "smtp"}
_email_backend = env_choice("EMAIL_BACKEND", "console" if DEBUG else "smtp", tuple(_EMAIL_BACKENDS))
EMAIL_BACKEND = f"django.core.mail.backends.{_EMAIL_BACKENDS[_email_backend]}.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Helpdesk <helpdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security when served over HTTPS ----------------------------------------

if env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 3600, minimum=0)
    # The header only asks browsers; a site is preloaded only once someone submits it (with a year's max-age).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Logging ----------------------------------------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")).upper()
LOG_FILE = env_str("LOG_FILE", "")
LOGGING = logging_config(level=LOG_LEVEL, file=LOG_FILE)

# --- Product ----------------------------------------------------------------

# Days after closing during which a ticket may still be reopened.
REOPEN_WINDOW_DAYS = env_int("REOPEN_WINDOW_DAYS", 7, minimum=0)
# Days a guest's secret link to their ticket works (each renewal makes a fresh one).
GUEST_LINK_DAYS = env_int("GUEST_LINK_DAYS", 30, minimum=1)
# Which tickets an agent sees: every ticket, those of their teams, or those assigned to them.
AGENT_TICKET_VISIBILITY = env_choice("AGENT_TICKET_VISIBILITY", "all", ("all", "team", "assigned"))
# Seconds a report's figures are reused for an identical request in the same scope (0: never).
REPORTS_CACHE_SECONDS = env_int("REPORTS_CACHE_SECONDS", 60, minimum=0)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# Virus scanning of uploads with ClamAV's clamd (README, "Virus scanning"): off by default. When on,
# no file is served until clamd has scanned it clean; infected uploads are refused and nothing is kept.
VIRUS_SCAN_ENABLED = env_bool("VIRUS_SCAN_ENABLED", False)
CLAMD_URL = env_socket_url("CLAMD_URL", "tcp://127.0.0.1:3310")
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30, minimum=1)
# Portal sign-ups stay inactive until the customer opens the link emailed to them.
PORTAL_EMAIL_VERIFICATION = env_bool("PORTAL_EMAIL_VERIFICATION", False)

# --- Seed 004's switches, and CORS (README: "Switches and CORS") ------------

# False: tickets get no SLA due times and the sweep records nothing (no at-risk, no breach).
SLA_ENABLED = env_bool("SLA_ENABLED", True)
# Seconds one SLA sweep works a backlog in rounds before leaving the rest to the next run (beat: every
# minute); under the task's 60 s soft time limit.
SLA_SWEEP_BUDGET_SECONDS = env_int("SLA_SWEEP_BUDGET_SECONDS", 40, minimum=1)
# False: notifications and their email rows are still recorded, but no email leaves; rows made
# meanwhile stay "held" and are not sent when it is turned back on (no flood of stale email).
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", True)
# False: /api/schema/, /api/docs/ and /api/redoc/ answer 404 to all but staff (seed 004: production).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", True)

# Browser clients on these origins may call /api/ (django-cors-headers); none by default.
CORS_ALLOWED_ORIGINS = env_origins("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False  # bearer tokens, not cookies
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "if-match", "x-request-id"]
CORS_EXPOSE_HEADERS = ["Content-Disposition", "ETag", "Location", "Retry-After", "X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = 3600
INSTALLED_APPS.append("corsheaders")
# Early, so a preflight is answered before anything else looks at it; after the request log.
MIDDLEWARE.insert(1, "corsheaders.middleware.CorsMiddleware")

# --- Live alerts (tickets/live/) --------------------------------------------
# Seconds between an open page's looks at the database when there is no Redis to wake it.
LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 2, minimum=1)
# Seconds one live stream stays open before the browser reconnects (bounds a deploy's wait too).
LIVE_STREAM_MAX_SECONDS = env_int("LIVE_STREAM_MAX_SECONDS", 300, minimum=5)

# --- Integrations -----------------------------------------------------------

# Fernet keys (comma-separated) that encrypt the external desks' secrets at rest: the first
# encrypts, every one decrypts, so a new key goes first and an old one stays until re-encrypted.
# Unset: a key derived from SECRET_KEY (integrations/crypto.py; check integrations.W001 warns in
# production). Make one with `python -m integrations.crypto`.
INTEGRATIONS_ENCRYPTION_KEY = env_fernet_keys("INTEGRATIONS_ENCRYPTION_KEY")

# --- Outbound webhooks (webhooks/) --------------------------------------------

# Off: a delivery to an address that is loopback, private, link-local or otherwise not public is refused
# when it is made (the host is resolved then), so an admin cannot point the server at its own network.
# On in development (DEBUG) and in the test suite, which deliver to receivers on 127.0.0.1.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", DEBUG)

# --- Email channel (mailboxes/) -----------------------------------------------

# Messages one sender may send in per window (seconds); more are refused, never answered.
MAIL_SENDER_LIMIT = env_int("MAIL_SENDER_LIMIT", 20, minimum=1)
MAIL_SENDER_WINDOW = env_int("MAIL_SENDER_WINDOW", 3600, minimum=60)
# How often beat polls the IMAP mailboxes.
MAIL_POLL_SECONDS = env_int("MAIL_POLL_SECONDS", 60, minimum=10)

# --- Celery beat: every periodic task (helpdesk/schedule.py) -----------------

CELERY_BEAT_SCHEDULE = beat_schedule(mail_poll_seconds=MAIL_POLL_SECONDS)
