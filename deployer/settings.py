"""Django settings, read from environment variables with defaults that run on a laptop.

Every variable is listed with its default in `.env.example` and the README.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

from deployer.core.localfiles import read_or_create

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("DEPLOYER_DATA_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEPLOYER_DEBUG", False)
SECRET_KEY = os.environ.get("DEPLOYER_SECRET_KEY") or read_or_create(
    DATA_DIR / "secret-key", lambda: secrets.token_urlsafe(50)
)
# A comma-separated list of Fernet keys: the first encrypts, all decrypt (key rotation).
ENCRYPTION_KEYS = env_list("DEPLOYER_ENCRYPTION_KEY", "") or [
    read_or_create(DATA_DIR / "encryption-key", lambda: Fernet.generate_key().decode())
]
ALLOWED_HOSTS = env_list("DEPLOYER_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DEPLOYER_CSRF_TRUSTED_ORIGINS", "")

SANDBOX_URL = os.environ.get("DEPLOYER_SANDBOX_URL", "http://127.0.0.1:5055").rstrip("/")
SANDBOX_ENABLED = os.environ.get("DEPLOYER_SANDBOX", "on").strip().lower() not in {"off", "0", "no"}
# Account endpoints and feed registries must be https, so that no user can make Deployer probe
# plain-http services on its network; these URL prefixes or host names are allowed as well.
ALLOWED_ENDPOINTS = env_list("DEPLOYER_ALLOWED_ENDPOINTS", "")
if SANDBOX_ENABLED:
    ALLOWED_ENDPOINTS.append(SANDBOX_URL)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "deployer.core",
    "deployer.access",
    "deployer.audit",
    "deployer.lifecycles",
    "deployer.projects",
    "deployer.feeds",
    "deployer.releases",
    # Before django_q, so that deployments' `qcluster` (django-q's, plus the resume check) wins.
    "deployer.deployments",
    "deployer.plans",
    "django_q",
    "axes",
    "targets",
    "steps",
    "deployer.sandbox",
    "deployer.api",
    "deployer.notifications",
    # The API documentation page's Swagger UI, served from static files (no CDN).
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but security: API errors Django answers itself (404, 405) become JSON too.
    "deployer.api.middleware.JsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the login check: asks `can()` what each page needs; a refusal is a 403 with a reason.
    "deployer.access.policy.AccessMiddleware",
    # Records the changes a request makes as its user's, from the UI, with their address.
    "deployer.audit.context.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every page; Cache-Control: no-store on logged-in ones.
    "deployer.core.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: answers a login attempt during a lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deployer.urls"
WSGI_APPLICATION = "deployer.wsgi.application"

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
            "builtins": [
                "template_partials.templatetags.partials",
                # {% can "deploy" project environment as may %}: hide what the user may not use.
                "deployer.access.templatetags.access",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'deployer.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE transactions and a busy
    # timeout make concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests use an on-disk database too, so they exercise WAL and can inspect the file; one per
    # process, so test runs side by side never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-deployer-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a login attempt during a lockout before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Repeated failed logins lock out the user name and, separately, the address they came from
# (django-axes, counted in the database so every web worker sees them; logged as warnings).
AXES_FAILURE_LIMIT = int(os.environ.get("DEPLOYER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=float(os.environ.get("DEPLOYER_LOGIN_LOCKOUT_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "deployer.core.middleware.locked_out"
AXES_CLIENT_IP_CALLABLE = "deployer.core.middleware.client_ip"
AXES_ENABLE_ADMIN = False
# The log names the user name and address (an operator needs them to act); passwords never.
AXES_SENSITIVE_PARAMETERS: list[str] = []
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only needed to serve static files from a web server in front of Deployer (collectstatic).
STATIC_ROOT = os.environ.get("DEPLOYER_STATIC_ROOT") or None
# Serve straight from the app and vendor folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# Behind TLS (a reverse proxy or load balancer terminating HTTPS), set DEPLOYER_HTTPS=true.
HTTPS = env_bool("DEPLOYER_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
BEHIND_PROXY = env_bool("DEPLOYER_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS preloading is a commitment for the whole domain; leave it to whoever owns the domain.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# The longest a deployment waits between two looks at AWS. Polling is adaptive: a fifth of this
# (1 s by default) while something is due to end, growing to this while nothing is, and never
# more than one AWS call per fifth of it on average (deployer/aws/cloudformation.py Poller).
POLL_SECONDS = float(os.environ.get("DEPLOYER_POLL_SECONDS", "5"))
# Change plans: how long a plan waits for a stack that is busy before saying so.
PLAN_WAIT_SECONDS = float(os.environ.get("DEPLOYER_PLAN_WAIT_SECONDS", "10"))
# Drift: minutes between scheduled checks of every deployed service (0 turns the schedule off).
DRIFT_CHECK_MINUTES = int(os.environ.get("DEPLOYER_DRIFT_CHECK_MINUTES", "5"))
# A worker's heartbeat thread records every HEARTBEAT_SECONDS that it runs a deployment; after
# STALE_AFTER_SECONDS of silence (several missed beats, so a busy worker never counts as gone)
# each worker's check, every RESUME_CHECK_SECONDS, requeues it: resumed within
# STALE_AFTER_SECONDS + RESUME_CHECK_SECONDS (25 s by default) of its worker dying.
HEARTBEAT_SECONDS = float(os.environ.get("DEPLOYER_HEARTBEAT_SECONDS", "5"))
STALE_AFTER_SECONDS = float(os.environ.get("DEPLOYER_STALE_AFTER_SECONDS", "20"))
RESUME_CHECK_SECONDS = float(os.environ.get("DEPLOYER_RESUME_CHECK_SECONDS", "5"))

# Approvals: by default the person who asked for a deployment may not also approve it.
APPROVAL_BY_REQUESTER = env_bool("DEPLOYER_APPROVAL_BY_REQUESTER", False)

# Feeds: Docker Hub's registry (a mirror may stand in) and how long a registry may take to answer.
DOCKER_HUB_URL = os.environ.get("DEPLOYER_DOCKER_HUB_URL", "https://registry-1.docker.io")
FEED_TIMEOUT = float(os.environ.get("DEPLOYER_FEED_TIMEOUT", "10"))

# Webhooks: the address people reach Deployer at (for links in notifications, e.g.
# https://deployer.example.com), how long a receiver may take, and the wait before a retry.
PUBLIC_URL = os.environ.get("DEPLOYER_PUBLIC_URL", "").rstrip("/")
WEBHOOK_TIMEOUT = float(os.environ.get("DEPLOYER_WEBHOOK_TIMEOUT", "10"))
WEBHOOK_RETRY_SECONDS = float(os.environ.get("DEPLOYER_WEBHOOK_RETRY_SECONDS", "5"))
# Pre-flight against the account before a deployment writes anything; these checks are skipped
# (comma-separated: images, cluster, network, target-groups, roles, secrets; or all).
PREFLIGHT_SKIP = frozenset(
    name.strip().lower()
    for name in os.environ.get("DEPLOYER_PREFLIGHT_SKIP", "").split(",")
    if name.strip()
)

QUEUE_BROKER = os.environ.get("DEPLOYER_QUEUE_BROKER", "orm")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
Q_CLUSTER: dict[str, object] = {
    "name": "deployer",
    "workers": int(os.environ.get("DEPLOYER_WORKERS", "2")),
    # A deployment may wait on AWS for a long time; the Deployment row, not the queue, decides
    # whether work is done, so the queue never retries on its own.
    "timeout": 6 * 3600,
    "retry": 6 * 3600 + 600,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.5,
    "save_limit": 1000,
}
if QUEUE_BROKER == "redis":
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEPLOYER_LOG_LEVEL", "INFO")},
    # botocore logs request parameters at DEBUG, which could include secrets.
    "loggers": {
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        # Failed logins and lockouts are warnings of "axes"; its housekeeping is not worth a line.
        "axes": {"level": "WARNING"},
    },
}
