"""The one settings module of the suite. Configured only through environment variables,
documented in `.env.example` and the README."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from smm.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SMM_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _dev_secret(filename: str, make: Callable[[], str]) -> str:
    """In DEBUG only: a secret generated once and kept under var/, so `make run` needs no setup."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (or SECRET_KEY_FILE); it is required with DEBUG off."
        )
    SECRET_KEY = _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))

# Fernet keys for secrets at rest: the first encrypts, all decrypt (rotate by prepending a new key).
SMM_ENCRYPTION_KEYS = [
    k.strip() for k in (env_secret("SMM_ENCRYPTION_KEYS") or "").split(",") if k.strip()
]
if not SMM_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SMM_ENCRYPTION_KEYS (comma-separated Fernet keys); it is required with DEBUG off."
        )
    SMM_ENCRYPTION_KEYS = [_dev_secret("encryption_key", lambda: Fernet.generate_key().decode())]
for _position, _key in enumerate(SMM_ENCRYPTION_KEYS, start=1):
    # Fail at start-up, not at the first secret saved. The message never shows the key.
    try:
        Fernet(_key.encode())
    except (ValueError, TypeError) as _exc:
        raise ImproperlyConfigured(
            f"SMM_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe "
            "base64-encoded bytes); see .env.example for how to generate one."
        ) from _exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = (env_str("SITE_URL") or "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "smm",
    "community",
    "channels_app",
    "content",
    "webcare",
    "strategy",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "smm.middleware.TimezoneResetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smm.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "smm.urls"
WSGI_APPLICATION = "smm.wsgi.application"
AUTH_USER_MODEL = "smm.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smm.context_processors.suite",
            ],
        },
    }
]

# Database: DATABASE_URL, default a SQLite file under var/ (the embedded mode).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers and one writer work side by side.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL") or None
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every process on this machine, so rate limits hold across web workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): e-mail login, mandatory verification, TOTP + recovery codes.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "smm.accounts.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = env_str("SMM_EMAIL_SUBJECT_PREFIX", "[Ripple] ")
# Failed logins: at most 10 a minute per IP, 5 per 5 minutes per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("SMM_LOGIN_FAILED_RATE", "10/m/ip,5/300s/key"),
}
MFA_ADAPTER = "smm.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("SMM_MFA_ISSUER", "Ripple")
USERSESSIONS_TRACK_ACTIVITY = True
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "smm:home"
LOGOUT_REDIRECT_URL = "account_login"

# E-mail: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST") or ""
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ripple <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Languages and time.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
SMM_DEFAULT_WORKSPACE_TIMEZONE = "Europe/Amsterdam"

# Static files and media.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
if DEBUG:
    # `make run` serves static files straight from the finders; collectstatic is for production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "smm.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "smm.api_auth.ReadOnlyTokenPermission",
    ],
    "EXCEPTION_HANDLER": "smm.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "smm.api_errors.ErrorSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("SMM_API_RATE", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ripple API",
    "DESCRIPTION": "The REST API of Ripple, the self-hosted social media management suite. "
    "Authenticate with a personal API token (`Authorization: Bearer <token>`) "
    "or a browser session. Every error answer is one envelope (component `ApiError`): "
    "`detail` (a sentence), `code` (a stable machine code) and, for invalid input, `errors` "
    "(messages per field, `non_field_errors` for the request as a whole).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smm.api_errors.postprocess_error_extensions",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The apps add their own names (their plugins' `schema_enum_names`).
    "ENUM_NAME_OVERRIDES": {"MemberRoleEnum": "smm.models.Role"},
}

# Celery: Redis when REDIS_URL is set, otherwise Kombu's file-system transport under var/.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker process dies (SIGKILL, OOM) goes back to the queue at once instead of being
# acknowledged as failed. Safe for every task here because they are idempotent: publishing claims
# its target (a compare-and-set from "queued"), so a redelivered publish of a target that was
# already claimed does nothing, and the lease, not a second message, decides what happens to a
# publish that was cut off.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis restarts (or a network blip) must not stop a worker: retry the broker connection for
# ever, at startup and at run time, and find a dead socket fast (keepalive, a health check).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A publish running while the connection drops is left to finish (its lease guards it); its
# message, not acknowledged on the lost connection, comes back and does nothing then.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Two queues (see smm.celery and the README's "Workers"): `celery` for item tasks (publish, look
# up, pull metrics) and `sweeps` for the dispatcher and the periodic sweeps, so that a burst of
# publishes waiting in `celery` cannot delay the dispatcher. A worker started without
# `--queues` consumes both; the routes come from the apps' beat entries (BeatEntry.queue).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Celery's Django fixup closes every database connection before and after each task unless this is
# set, which makes CONN_MAX_AGE useless in workers (a new PostgreSQL connection per task). With it
# that close never happens; smm.celery instead calls Django's close_old_connections() around each
# task, as Django does around each request, so CONN_MAX_AGE and CONN_HEALTH_CHECKS apply.
CELERY_DB_REUSE_MAX = 2**62
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Find a connection that Redis dropped (restart, failover) within seconds, not at the
        # next write; and retry a command that timed out once before giving up.
        "socket_keepalive": True,
        "socket_connect_timeout": 5,
        "health_check_interval": 10,
        "retry_on_timeout": True,
        # Lets several installs (or test runs) share one Redis database without taking each
        # other's tasks.
        "global_keyprefix": env_str("SMM_BROKER_KEY_PREFIX") or "",
    }
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange bindings; Kombu's default is ./control, in whatever the working directory is.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# The heartbeat counts as stale after this many seconds without a beat.
SMM_HEARTBEAT_INTERVAL = env_int("SMM_HEARTBEAT_INTERVAL", 30)
SMM_HEARTBEAT_STALE_AFTER = env_int("SMM_HEARTBEAT_STALE_AFTER", 180)
SMM_INVITATION_DAYS = env_int("SMM_INVITATION_DAYS", 14)

# Content: upload limits (bytes), where short links live, the conversion endpoint's rate.
SMM_MEDIA_MAX_IMAGE_BYTES = env_int("SMM_MEDIA_MAX_IMAGE_BYTES", 30 * 1000 * 1000)
SMM_MEDIA_MAX_VIDEO_BYTES = env_int("SMM_MEDIA_MAX_VIDEO_BYTES", 1000 * 1000 * 1000)
SMM_SHORT_LINK_BASE_URL = (env_str("SMM_SHORT_LINK_BASE_URL") or "").rstrip("/")
SMM_CONVERSION_API_RATE = env_str("SMM_CONVERSION_API_RATE") or "600/minute"
SMM_IMPORT_INLINE_ROWS = env_int("SMM_IMPORT_INLINE_ROWS", 100)
# Publishing: how often the dispatcher looks for due posts (seconds); when a queued post whose
# task never ran is sent again; when a post still "publishing" counts as crashed.
SMM_DISPATCH_INTERVAL = env_int("SMM_DISPATCH_INTERVAL", 1)
SMM_PUBLISH_REQUEUE_AFTER = env_int("SMM_PUBLISH_REQUEUE_AFTER", 60)
# A queued target is sent again after this many seconds when the publish queue is empty (its
# message was lost); SMM_PUBLISH_REQUEUE_AFTER applies while the queue has a backlog.
SMM_PUBLISH_LOST_AFTER = env_int("SMM_PUBLISH_LOST_AFTER", 5)
# The publishing lease: a worker renews it every third of this while it talks to the platform; a
# target whose lease was not renewed for this long (its worker died) is looked up on the
# platform. A slow but live publish is never taken as dead (up to a ceiling derived from the
# adapters' timeouts).
SMM_PUBLISH_STALE_AFTER = env_int("SMM_PUBLISH_STALE_AFTER", 30)

# Channels: the suite's own app on each platform. A platform whose keys are unset is shown as
# "not set up" (with instructions for the admin), never as broken. Mastodon needs no keys (the app
# registers itself on each instance) and Bluesky connects with an app password.
SMM_PLATFORM_APPS = {
    "x": {
        "client_id": env_str("SMM_X_CLIENT_ID") or "",
        "client_secret": env_secret("SMM_X_CLIENT_SECRET") or "",
    },
    "linkedin": {
        "client_id": env_str("SMM_LINKEDIN_CLIENT_ID") or "",
        "client_secret": env_secret("SMM_LINKEDIN_CLIENT_SECRET") or "",
        "options": {
            "api_version": env_str("SMM_LINKEDIN_API_VERSION") or "",
            "organization_scopes": "1" if env_bool("SMM_LINKEDIN_ORGANIZATIONS", True) else "0",
        },
    },
    "facebook": {
        "client_id": env_str("SMM_FACEBOOK_APP_ID") or "",
        "client_secret": env_secret("SMM_FACEBOOK_APP_SECRET") or "",
        "options": {"graph_version": env_str("SMM_META_GRAPH_VERSION") or ""},
    },
    "instagram": {
        "client_id": env_str("SMM_INSTAGRAM_APP_ID") or "",
        "client_secret": env_secret("SMM_INSTAGRAM_APP_SECRET") or "",
        "options": {"graph_version": env_str("SMM_META_GRAPH_VERSION") or ""},
    },
    "mastodon": {"enabled": env_bool("SMM_MASTODON_ENABLED", True)},
    "bluesky": {
        "enabled": env_bool("SMM_BLUESKY_ENABLED", True),
        "options": {"service_url": env_str("SMM_BLUESKY_SERVICE", "https://bsky.social") or ""},
    },
}
# Addresses that people type in (Mastodon servers, Bluesky hosts) must resolve to public IPs, so
# nobody can make Ripple call into its own network. On for local test servers only.
SMM_ALLOW_PRIVATE_PLATFORM_HOSTS = env_bool("SMM_ALLOW_PRIVATE_PLATFORM_HOSTS", False)
# Refresh tokens this long before half their lifetime is over at the latest; the sweep runs every
# SMM_TOKEN_REFRESH_INTERVAL seconds.
SMM_TOKEN_REFRESH_INTERVAL = env_int("SMM_TOKEN_REFRESH_INTERVAL", 600)

# Security. With DEBUG off, `manage.py check --deploy --fail-level WARNING` passes.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
