"""Django settings for duban.

Configuration comes from the environment:

- ``DATABASE_URL``: defaults to the embedded SQLite file ``var/duban.sqlite3``;
  point it at PostgreSQL for production, e.g. ``postgres://duban@127.0.0.1:5432/duban``.
- ``DUBAN_SECRET_KEY``, ``DUBAN_DEBUG``, ``DUBAN_ALLOWED_HOSTS``.
- ``DUBAN_SMS_BACKEND``: dotted path of the SMS gateway class (docs/notifications.md).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("DUBAN_VAR_DIR") or PROJECT_DIR / "var")

SECRET_KEY = os.environ.get("DUBAN_SECRET_KEY") or "dev-only-insecure-key-change-me"
DEBUG = (os.environ.get("DUBAN_DEBUG") or "0") == "1"
ALLOWED_HOSTS = (os.environ.get("DUBAN_ALLOWED_HOSTS") or "127.0.0.1,localhost,testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    # In layer order: an app imports only apps listed before it; the last five are peers
    # (core/tests/test_architecture.py).
    "duban.core",
    "duban.org",
    "duban.sla",
    "duban.tickets",
    "duban.dispatch",
    "duban.metrics",
    "duban.notifications",
    "duban.indicators",
    "duban.enterprises",
    "duban.projects",
    "duban.inspections",
    "duban.web",
    "duban.portal",
    "duban.api",
    "duban.demo",
    "duban.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "duban.urls"

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
                "duban.web.context_processors.calendar_warning",
            ],
        },
    },
]

WSGI_APPLICATION = "duban.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'duban.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# One cache for every worker process (portal rate limits and challenge nonces, dashboard
# and hot-spot caches): DUBAN_CACHE_URL=redis://127.0.0.1:6379/0 in production. Without
# it, each process keeps its own (fine for `make run`, a single process).
CACHE_URL = os.environ.get("DUBAN_CACHE_URL") or ""
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "duban",
        }
    }
elif CACHE_URL:
    raise ValueError(f"DUBAN_CACHE_URL must be a redis:// URL, got {CACHE_URL!r}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "static_build"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "duban": {"handlers": ["console"], "level": os.environ.get("DUBAN_LOG_LEVEL") or "INFO"},
    },
}

# Product settings ---------------------------------------------------------------------
DUBAN = {
    # Maximum length of free text fields accepted at intake (characters).
    "MAX_TEXT_LENGTH": 5000,
    # Where trained dispatch models live.
    "MODEL_DIR": VAR_DIR / "models",
    # Auto-dispatch when the dispatch model's confidence is above this threshold.
    "AUTO_DISPATCH": False,
    "AUTO_DISPATCH_THRESHOLD": 0.98,
}

# The SMS gateway (a class with ``send(phone, text)``, see docs/notifications.md). The
# default appends each message to ``var/sms-outbox.log`` instead of sending it.
DUBAN_SMS_BACKEND = (
    os.environ.get("DUBAN_SMS_BACKEND") or "duban.notifications.gateways.FileBackend"
)
