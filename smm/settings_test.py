"""Test settings: only what tests need differs from smm.settings."""

import os
from pathlib import Path

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
# A fixed test key; rotation tests add their own.
os.environ.setdefault("SMM_ENCRYPTION_KEYS", "bJ2tdJ8mZ1sP5p9mY4wqzF3kQ2nq0aV6cXbM1hT7oEw=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from smm.settings import *  # noqa: F403
from smm.settings import DATABASES, VAR_DIR

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
}
SITE_URL = "http://testserver"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: a Celery worker started by a test must see the same database. One
    # per test process, so two suites running side by side do not delete each other's file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
# Static files come from the finders in tests; no collectstatic folder is needed.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = VAR_DIR / "static-test"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Tests use made-up server names that do not resolve (tests/channels_app/test_hosts.py turns the
# guard back on).
SMM_ALLOW_PRIVATE_PLATFORM_HOSTS = True
# Uploaded media of one test run, removed when the run ends (tests/conftest.py). Celery worker
# subprocesses of a test (tests/workers.py) get the run's folder in SMM_TEST_MEDIA_ROOT, so they
# read the files the test uploaded.
MEDIA_ROOT = Path(os.environ.get("SMM_TEST_MEDIA_ROOT") or VAR_DIR / f"test-media-{os.getpid()}")
# A stand-in task area that plugs into the kernel like a real one (tests/plugin_app): adding an
# app is this line and nothing else in smm/.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.plugin_app"]  # noqa: F405
