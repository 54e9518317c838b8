"""Veil settings. Everything comes from environment variables; see README.md.

Standard names (DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG) keep their usual
spelling; Veil's own settings use the VEIL_ prefix.
"""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_float,
    env_int,
    env_json_object,
    env_list,
    env_secret,
    env_str,
    only_loopback,
    refuse_keys_beside,
    refuse_weak_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VEIL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# A site others can reach: VEIL_DEV relaxes nothing there (HTTPS, secrets, generated keys).
_PUBLIC = not DEBUG and not only_loopback(ALLOWED_HOSTS)
_DEV = env_bool("VEIL_DEV", False) and not _PUBLIC
_DEV_SECRET = "insecure-dev-only-key-set-SECRET_KEY-in-production"
SECRET_KEY = env_secret("SECRET_KEY", _DEV_SECRET if DEBUG or _DEV else None)
if _PUBLIC:
    refuse_weak_secret("SECRET_KEY", SECRET_KEY)
# Former SECRET_KEYs (comma- or line-separated, or SECRET_KEY_FALLBACKS_FILE) that still open
# sessions and password-reset links while a new SECRET_KEY is rolled out (docs/deploy.md).
SECRET_KEY_FALLBACKS = [k for k in re.split(r"[\s,]+", env_secret("SECRET_KEY_FALLBACKS", ""))
                        if k]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "guardian",
    "axes",
    "django_rq",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "anonymizer",
    "review",
    "audit",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.NoStoreMiddleware",  # after WhiteNoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.LoginRequiredEverywhereMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.RefusalMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.roles",
            ],
        },
    },
]

# --- Database: SQLite is the zero-setup default; PostgreSQL via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'veil.sqlite3'}"),
        conn_max_age=env_int("VEIL_DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if _SQLITE:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not memory, so that rq workers in other processes see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and rq.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
    "detection": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
    "export": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600},
}
RQ_SHOW_ADMIN_LINK = False

# --- Authentication, roles and throttling.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object
AXES_FAILURE_LIMIT = env_int("VEIL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_float("VEIL_LOGIN_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = "audit.auth_events.axes_lockout_parameters"  # and per address
AXES_USERNAME_CALLABLE = "audit.auth_events.axes_username"  # a keyed hash, never the text
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security. Production defaults; DEBUG or VEIL_DEV relaxes what needs HTTPS.
_SECURE = not DEBUG and not _DEV
SECURE_SSL_REDIRECT = env_bool("VEIL_SSL_REDIRECT", _SECURE)
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_HSTS_SECONDS = env_int("VEIL_HSTS_SECONDS", 31536000 if _SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
# Behind a TLS proxy (nginx, docs/deploy.md) every request comes from the proxy's address: the
# client's is the last X-Forwarded-For entry, the one the proxy appended (audit.services
# .client_ip), for the audit trail and the per-address log-in lockout alike.
VEIL_BEHIND_PROXY = env_bool("VEIL_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if VEIL_BEHIND_PROXY else None
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("VEIL_SESSION_SECONDS", 8 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Static files.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Uploads and ingest limits.
VEIL_MAX_UPLOAD_BYTES = env_int("VEIL_MAX_UPLOAD_BYTES", 100 * 1024 * 1024, minimum=1)
VEIL_MAX_RECORD_CHARS = env_int("VEIL_MAX_RECORD_CHARS", 100_000, minimum=1)
# Records in one batch at most; uploads are parsed as a stream, so memory does not grow with it.
VEIL_MAX_RECORDS = env_int("VEIL_MAX_RECORDS", 1_000_000, minimum=1)
# API tokens expire after this many days unless created with another term (at most 365).
VEIL_API_TOKEN_DAYS = env_int("VEIL_API_TOKEN_DAYS", 90, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# --- Logging: never log request bodies or record text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("VEIL_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Detection.
VEIL_DETECTION_CHUNK_SIZE = env_int("VEIL_DETECTION_CHUNK_SIZE", 250, minimum=1)
VEIL_DETECTION_LEASE_SECONDS = env_int("VEIL_DETECTION_LEASE_SECONDS", 300, minimum=1)
VEIL_DETECTION_MAX_ATTEMPTS = env_int("VEIL_DETECTION_MAX_ATTEMPTS", 3, minimum=1)
VEIL_DETECT_ON_IMPORT = env_bool("VEIL_DETECT_ON_IMPORT", True)
# Overrides of anonymizer.engine.risk.RiskThresholds, as a JSON object (see README.md).
VEIL_RISK_THRESHOLDS = env_json_object("VEIL_RISK_THRESHOLDS")

# --- Export and keys. Exports live apart from the originals; keys never in the database.
VEIL_EXPORT_DIR = Path(env_str("VEIL_EXPORT_DIR", str(VAR_DIR / "exports")))
# Forked processes a large export transforms its chunks in (anonymizer.exports.parallel):
# unset, two on a machine with more cores than one; 0 or 1, one process.
VEIL_EXPORT_WORKERS = (
    env_int("VEIL_EXPORT_WORKERS", 0, minimum=0) if env_str("VEIL_EXPORT_WORKERS", "") else None
)
# MB of a batch's records an export keeps between its two passes (the residual scan's, then
# the writing one) so that it reads them once; past it, chunks are read again; 0: read twice.
VEIL_EXPORT_READ_ONCE_MB = env_int("VEIL_EXPORT_READ_ONCE_MB", 128, minimum=0)
# Fine-tuned NER models (versioned artefacts a rule set points at). They are trained on reviewed
# text: keep them where the originals are kept.
VEIL_MODEL_DIR = Path(env_str("VEIL_MODEL_DIR", str(VAR_DIR / "models")))
# The audit trail's keyed checkpoints of its head, written outside the database (audit.anchor);
# the key comes from VEIL_AUDIT_KEY, else it is derived from SECRET_KEY.
VEIL_AUDIT_KEY = env_secret("VEIL_AUDIT_KEY", "")
# Former audit keys (comma-separated, or VEIL_AUDIT_KEY_FALLBACKS_FILE): checkpoints they signed
# still verify; new ones are signed with VEIL_AUDIT_KEY (docs/deploy.md, rotation).
VEIL_AUDIT_KEY_FALLBACKS = [
    k for k in re.split(r"[\s,]+", env_secret("VEIL_AUDIT_KEY_FALLBACKS", "")) if k]
VEIL_AUDIT_ANCHOR_DIR = Path(env_str("VEIL_AUDIT_ANCHOR_DIR", str(VAR_DIR / "audit")))
VEIL_AUDIT_CHECKPOINT_EVERY = env_int("VEIL_AUDIT_CHECKPOINT_EVERY", 1000, minimum=1)
# Failed log-ins from one address, whatever the usernames, before it is locked (spraying).
VEIL_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("VEIL_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
# Development keys live in the user's config directory, apart from the database file (and any
# copy of var/): see config.env.refuse_keys_beside below.
_CONFIG_HOME = Path(env_str("XDG_CONFIG_HOME", "") or Path.home() / ".config")
VEIL_KEY_DIR = Path(env_str("VEIL_KEY_DIR", str(_CONFIG_HOME / "veil" / "keys")))
# Fernet key for the pseudonym vault, and the master secret linkage-domain keys derive from.
# From the environment (or *_FILE); in development they are created in VEIL_KEY_DIR.
VEIL_VAULT_KEY = env_secret("VEIL_VAULT_KEY", "")
VEIL_PSEUDONYM_SECRET = env_secret("VEIL_PSEUDONYM_SECRET", "")
VEIL_DEV_KEYS = _DEV or DEBUG
_SECRET_KEY_FILE = env_str("SECRET_KEY_FILE", "")
refuse_keys_beside(
    Path(DATABASES["default"]["NAME"]) if _SQLITE else None,
    VEIL_KEY_DIR=VEIL_KEY_DIR if VEIL_DEV_KEYS else None,
    SECRET_KEY_FILE=Path(_SECRET_KEY_FILE) if _SECRET_KEY_FILE else None,
)

# --- The sweep (`manage.py sweep`, run every VEIL_SWEEP_SECONDS by rq's cron scheduler):
# pending chunks and queued exports whose rq job was lost are queued again once older than
# VEIL_SWEEP_PENDING_SECONDS; a running export renews a lease of VEIL_EXPORT_LEASE_SECONDS.
VEIL_SWEEP_SECONDS = env_int("VEIL_SWEEP_SECONDS", 60, minimum=1)
VEIL_SWEEP_PENDING_SECONDS = env_int("VEIL_SWEEP_PENDING_SECONDS", 30, minimum=0)
VEIL_EXPORT_LEASE_SECONDS = env_int("VEIL_EXPORT_LEASE_SECONDS", 300, minimum=1)

# --- Pipelines: the folders on the server a pipeline may read (comma-separated); a pipeline's
# source folder must lie inside one of them. The sweep runs due pipelines, and marks abandoned
# a run whose process showed no sign of life (one per file) for VEIL_PIPELINE_RUN_STALE_SECONDS.
VEIL_PIPELINE_ROOTS = env_list("VEIL_PIPELINE_ROOTS", [str(VAR_DIR / "inbox")])
VEIL_PIPELINE_RUN_STALE_SECONDS = env_int("VEIL_PIPELINE_RUN_STALE_SECONDS", 900, minimum=60)

# --- Review.
# Share of low-tier records sampled into the review queue; the rest are auto-cleared.
VEIL_LOW_TIER_SAMPLE_RATE = env_float("VEIL_LOW_TIER_SAMPLE_RATE", 0.05)
if not 0.0 <= VEIL_LOW_TIER_SAMPLE_RATE <= 1.0:
    raise ImproperlyConfigured("VEIL_LOW_TIER_SAMPLE_RATE must be between 0 and 1.")
# How long opening a record reserves it for one reviewer; each action extends the lease.
VEIL_REVIEW_LEASE_SECONDS = env_int("VEIL_REVIEW_LEASE_SECONDS", 900, minimum=30)

# --- The open API (anonymizer.api): Django REST framework with bearer tokens, OpenAPI 3 schema
# from drf-spectacular at /api/schema/, browsable docs from the sidecar's static files.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["anonymizer.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "anonymizer.api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "anonymizer.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Veil API",
    "DESCRIPTION": "Governed, human-in-the-loop anonymization of customer text.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": True},
    "ENUM_NAME_OVERRIDES": {
        "BatchStatusEnum": "anonymizer.models.batches.BatchStatus",
        "RecordStatusEnum": "anonymizer.models.batches.RecordStatus",
        "SourceFormatEnum": "anonymizer.models.batches.SourceFormat",
        "UploadFormatEnum": "anonymizer.api.serializers.batches.UPLOAD_FORMATS",
        "DetectionStatusEnum": "anonymizer.models.detection.DetectionRun.Status",
        "RuleSetStatusEnum": "anonymizer.models.detection.RuleSet.Status",
        "PolicyStatusEnum": "anonymizer.models.policies.Policy.Status",
        "ExportStatusEnum": "anonymizer.models.exports.ExportedDataset.Status",
        "SpanStatusEnum": "review.models.SpanStatus",
    },
}

# --- Metrics (django-prometheus's middleware; /metrics is served by config.metrics).
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- Health and metrics (/healthz/: config.health; /metrics: config.metrics; docs/deploy.md).
# A bearer token that lets a scraper read /metrics and the detail of /healthz/ from anywhere
# (or VEIL_METRICS_TOKEN_FILE). Empty: only direct callers on this machine may.
VEIL_METRICS_TOKEN = env_secret("VEIL_METRICS_TOKEN", "")
if _PUBLIC and VEIL_METRICS_TOKEN:
    refuse_weak_secret("VEIL_METRICS_TOKEN", VEIL_METRICS_TOKEN)
# Requests from loopback with no proxy header (X-Forwarded-For, X-Real-IP, Forwarded) need no
# token: Prometheus or an operator on the machine itself, not a visitor through nginx.
VEIL_METRICS_ALLOW_LOOPBACK = env_bool("VEIL_METRICS_ALLOW_LOOPBACK", True)
# Each health check gives up after this long (Redis socket timeouts, PostgreSQL's
# statement_timeout); connecting to PostgreSQL gives up after VEIL_DB_CONNECT_TIMEOUT.
VEIL_HEALTH_TIMEOUT_SECONDS = env_float("VEIL_HEALTH_TIMEOUT_SECONDS", 1.0)
if VEIL_HEALTH_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("VEIL_HEALTH_TIMEOUT_SECONDS must be more than 0.")
# /healthz/ fails with fewer rq workers alive than this (0: workers are not its business).
VEIL_HEALTH_MIN_WORKERS = env_int("VEIL_HEALTH_MIN_WORKERS", 1, minimum=0)
VEIL_DB_CONNECT_TIMEOUT = env_int("VEIL_DB_CONNECT_TIMEOUT", 5, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", VEIL_DB_CONNECT_TIMEOUT
    )
