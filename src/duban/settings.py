"""Django settings for duban.

Configuration comes from the environment:

- ``DATABASE_URL``: defaults to the embedded SQLite file ``var/duban.sqlite3``;
  point it at PostgreSQL for production, e.g. ``postgres://duban@127.0.0.1:5432/duban``.
- ``DUBAN_SECRET_KEY``, ``DUBAN_DEBUG``, ``DUBAN_ALLOWED_HOSTS``.
- ``DUBAN_SMS_BACKEND``: dotted path of the SMS gateway class (docs/notifications.md).
- Deployment (docs/deploy.md): ``DUBAN_HTTPS=1`` (behind a TLS proxy: HSTS, SSL redirect,
  secure cookies, the proxy's ``X-Forwarded-Proto``), ``DUBAN_CSRF_TRUSTED_ORIGINS``,
  ``DUBAN_CACHE_URL``, ``DUBAN_DB_CONN_MAX_AGE``, ``DUBAN_LOG_FORMAT`` (``text``/``json``),
  ``DUBAN_BACKUP_DIR``, ``DUBAN_BACKUP_KEEP``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("DUBAN_VAR_DIR") or PROJECT_DIR / "var")

DEBUG = (os.environ.get("DUBAN_DEBUG") or "0") == "1"
# Behind a TLS-terminating proxy in production (docs/deploy.md): every security setting below.
HTTPS = (os.environ.get("DUBAN_HTTPS") or "0") == "1"
# The key once shipped as the default: known to everyone, so never accepted without DEBUG.
INSECURE_SECRET_KEYS = {"dev-only-insecure-key-change-me"}


def _secret_key() -> str:
    """``DUBAN_SECRET_KEY``; without it, a random key kept in ``var/secret-key`` (made on the
    first start, mode 0600), so a single-machine install never runs on a known key.

    Refused (the process does not start): without DEBUG, a known or short key; in production
    (``DUBAN_HTTPS=1``), no ``DUBAN_SECRET_KEY`` at all — every server and worker must share it.
    """
    key = os.environ.get("DUBAN_SECRET_KEY") or ""
    if key:
        if not DEBUG and (key in INSECURE_SECRET_KEYS or len(key) < 50):
            raise ImproperlyConfigured(
                "DUBAN_SECRET_KEY is the default or shorter than 50 characters; refusing to "
                "start with DEBUG off (generate one: python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))')"
            )
        return key
    if HTTPS and not DEBUG:
        raise ImproperlyConfigured(
            "DUBAN_SECRET_KEY is not set; refusing to start in production (DUBAN_HTTPS=1) "
            "with DEBUG off. See docs/deploy.md."
        )
    path = VAR_DIR / "secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process of this install made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    key = path.read_text().strip()
    if not key:  # made by a process that has not written it yet
        import time

        time.sleep(0.2)
        key = path.read_text().strip()
    return key


SECRET_KEY = _secret_key()
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
    # The job worker's queue, schedules and task results (`duban qcluster`, docs/deploy.md).
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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

# PostgreSQL connections are kept open between requests (CONN_MAX_AGE) and checked before
# reuse. Each server thread and each worker process holds at most one, so the total is
# bounded by the process counts, not by the clients: see the formula in docs/deploy.md.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'duban.sqlite3'}",
        conn_max_age=int(os.environ.get("DUBAN_DB_CONN_MAX_AGE") or 300),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0


def _postgres_options(db: dict) -> None:
    """A request reads tens of rows through indexes, where PostgreSQL's parallel workers
    and its JIT compiler add only their start-up.

    - Parallel workers: on 2 cores at 2.5 M tickets the inbox's p95 went 147 → 72 ms
      without them, this change alone (docs/scale.md, "Quiet machine"). Connections start
      with none (``DUBAN_PG_PARALLEL_WORKERS`` to change it).
    - JIT: at 5 M tickets the planner's cost of the inbox's queries passes
      ``jit_above_cost`` and each query compiled for 25–28 ms to run for 8
      (docs/scale.md, "5 million"). Connections start with it off (``DUBAN_PG_JIT=on``
      to keep the server's setting).

    The scan that gains from parallel workers, the rollup rebuild, asks for them in its
    own transaction (``duban.core.db.parallel_scan``); it takes the same time with JIT on
    or off (8.1 / 7.9 s at 5 M), so nothing asks for JIT back.
    """
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    workers = int(os.environ.get("DUBAN_PG_PARALLEL_WORKERS") or 0)
    options = db.setdefault("OPTIONS", {})
    extra = f"-c max_parallel_workers_per_gather={workers}"
    if os.environ.get("DUBAN_PG_JIT", "off") != "on":
        extra += " -c jit=off"
    options["options"] = f"{options['options']} {extra}" if options.get("options") else extra


_postgres_options(DATABASES["default"])

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

# Structured logs on stderr (journald keeps them): a timestamp, the level and the logger on
# every line, or one JSON object per line with DUBAN_LOG_FORMAT=json. Every 500 is logged
# with its traceback by ``django.request`` (duban.core.logging, tested in jobs/tests).
LOG_LEVEL = os.environ.get("DUBAN_LOG_LEVEL") or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "()": "duban.core.logging.TextFormatter",
        },
        "json": {"()": "duban.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("DUBAN_LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "duban": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Unhandled exceptions of requests (500) with their traceback; 4xx at WARNING.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django-q": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Deployment ---------------------------------------------------------------------------
# DUBAN_HTTPS=1 behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto
# (deploy/nginx.conf, deploy/Caddyfile): HTTPS only, for a year, cookies never sent in clear.
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The health check is probed by the load balancer over plain HTTP on the private side.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DUBAN_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only the header token: joining the browsers' preload list is a separate, manual step.
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    o for o in (os.environ.get("DUBAN_CSRF_TRUSTED_ORIGINS") or "").split(",") if o
] or [f"https://{h}" for h in ALLOWED_HOSTS if h and not h.startswith(".") and HTTPS]

# Content-Security-Policy (django-csp): scripts only from our own static files — no inline
# code, no event-handler attributes, no eval. Styles allow inline attributes (the admin and
# ECharts set some); images may be data: URLs (ECharts' saved charts, the Swagger UI).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The job worker (django-q2, `duban qcluster`) ----------------------------------------------
# The queue lives in the database (the ORM broker): no extra service, the same on SQLite
# (`make run`) and PostgreSQL. A task is claimed by one worker with a conditional UPDATE of
# its lock; a worker that dies leaves the lock to expire after `retry` seconds and another
# worker runs the task again. Schedules are claimed under SELECT … FOR UPDATE, so several
# clusters enqueue each due schedule once. Two clusters (queues): the default one runs the
# short, frequent jobs (deadline ticks, the SMS outbox); "long" runs rollups, purges,
# retraining and backups — a slow rollup never delays a deadline tick (duban.jobs.schedules).
Q_CLUSTER = {
    "name": "duban",
    "orm": "default",
    "workers": int(os.environ.get("DUBAN_JOB_WORKERS") or 2),
    "timeout": 120,
    "retry": 150,
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "poll": 1,
    "label": "后台任务",
    "time_zone": "Asia/Shanghai",
    "ALT_CLUSTERS": {
        "long": {
            "workers": int(os.environ.get("DUBAN_LONG_JOB_WORKERS") or 1),
            "timeout": 3600,
            "retry": 3900,
        },
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
    # Backups (`duban backup`, nightly by the worker): where, and how many to keep.
    "BACKUP_DIR": Path(os.environ.get("DUBAN_BACKUP_DIR") or VAR_DIR / "backups"),
    "BACKUP_KEEP": int(os.environ.get("DUBAN_BACKUP_KEEP") or 14),
    # Idempotency keys of the API's intake are kept this many days, then purged by the worker.
    "IDEMPOTENCY_KEY_DAYS": 7,
    # Duplicate keys (the text fingerprints of the duplicate look-up) are kept this many
    # days, and never fewer than the duplicate window (重复件比对天数), then purged by the worker.
    "DUPLICATE_KEY_DAYS": 90,
}

# The SMS gateway (a class with ``send(phone, text)``, see docs/notifications.md). The
# default appends each message to ``var/sms-outbox.log`` instead of sending it.
DUBAN_SMS_BACKEND = (
    os.environ.get("DUBAN_SMS_BACKEND") or "duban.notifications.gateways.FileBackend"
)


# Security: logins and personal data (issue 14, points 3 and 4) --------------------------
# Personal data at rest (duban.core.crypto): DUBAN_DATA_KEY = "id:base64key[,old:...]"
# (`duban privacy genkey`), DUBAN_LOOKUP_KEY = the HMAC key of the phone/name look-up
# columns. Required in production (DUBAN_HTTPS=1); otherwise, like the secret key, made on
# the first start and kept in var/data-key and var/lookup-key (mode 0600). Back them up
# with the database: without them the personal data cannot be read.
def _kept_key(name: str, file: str, make: str) -> str:
    value = os.environ.get(name) or ""
    if value:
        return value
    if HTTPS and not DEBUG:
        raise ImproperlyConfigured(f"{name} is not set; refusing to start in production")
    path = VAR_DIR / file
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make)
    for _ in range(10):  # another process may be writing it
        value = path.read_text().strip()
        if value:
            break
        import time

        time.sleep(0.1)
    return value


DUBAN_DATA_KEY = _kept_key("DUBAN_DATA_KEY", "data-key", "k1:" + secrets.token_urlsafe(32))
DUBAN_LOOKUP_KEY = _kept_key("DUBAN_LOOKUP_KEY", "lookup-key", secrets.token_urlsafe(48))
# Personal data of a closed ticket's caller is erased this many years after closing
# (`duban privacy purge`, run daily by the worker).
DUBAN_PERSONAL_DATA_YEARS = int(os.environ.get("DUBAN_PERSONAL_DATA_YEARS") or "3")
# Failed logins (duban.org.selectors_logins): after LOGIN_MAX_FAILURES failures within
# LOGIN_WINDOW_SECONDS for one account, or LOGIN_MAX_FAILURES_PER_ADDRESS from one
# address, logins are refused until the window holds fewer. Counted in the database
# (org.LoginAttempt), so every app server sees the same counts.
DUBAN_LOGIN_MAX_FAILURES = int(os.environ.get("DUBAN_LOGIN_MAX_FAILURES") or "5")
DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS") or "20"
)
DUBAN_LOGIN_WINDOW_SECONDS = int(os.environ.get("DUBAN_LOGIN_WINDOW_SECONDS") or "900")
# API tokens expire after this many days unless `duban token --days` says otherwise.
DUBAN_API_TOKEN_DAYS = int(os.environ.get("DUBAN_API_TOKEN_DAYS") or "90")
# Staff password policy.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "duban.org.passwords.CharacterClassValidator"},
]
# Request bodies above Django's DATA_UPLOAD_MAX_MEMORY_SIZE answer 413, a multipart
# body without a boundary 400 (duban.core.middleware.BadRequestBodyMiddleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
    "duban.core.middleware.BadRequestBodyMiddleware",
)

# Read replica (issue 15, docs/scale.md): with DATABASE_REPLICA_URL set, the dashboard,
# reports and exports read from a PostgreSQL streaming replica (duban.core.db_router);
# everything else, and every write, stays on the primary.
DATABASE_ROUTERS = ["duban.core.db_router.ReplicaRouter"]
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    _postgres_options(DATABASES["replica"])
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "duban.core.db_router.ReplicaReadsMiddleware",
    )
