"""Django settings. Everything environment-dependent comes from config.env (see docs/configuration.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config import env

try:
    ENV = env.read()
except env.ConfigError as exc:  # fail fast, with the message and nothing else
    print(str(exc), file=sys.stderr)
    raise SystemExit(2) from None

BASE_DIR = env.BASE_DIR
VAR_DIR = Path(ENV["CROSSREG_VAR_DIR"])
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG: bool = ENV["CROSSREG_DEBUG"]
SECRET_KEY: str = ENV["CROSSREG_SECRET_KEY"] or "dev-insecure-crossreg-key-do-not-use-in-production"
ALLOWED_HOSTS: list[str] = ENV["CROSSREG_ALLOWED_HOSTS"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # django-ninja serves its vendored Swagger UI from its static files when installed as an app
    # (otherwise the API docs page loads it from a CDN, which this platform must never do).
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crossreg.core",
    "crossreg.orgs",
    "crossreg.entities",
    "crossreg.ledger",
    "crossreg.jobs",
    "crossreg.web",
    "crossreg.synth",
    "crossreg.catalog",
    "crossreg.notices",
    "crossreg.linking",
    "crossreg.sampling",
    "crossreg.inspections",
    "crossreg.outbox",
    "crossreg.cases",
    "crossreg.credit",
    "crossreg.clues",
    "crossreg.complaints",
    "crossreg.exchange",
]

MIDDLEWARE = [
    "crossreg.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crossreg.web.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crossreg.core.middleware.BadRequestBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crossreg.orgs.security.SessionTimeoutMiddleware",
    "crossreg.orgs.security.OtpRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "crossreg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crossreg.web.context.navigation",
            ],
        },
    },
]

if ENV["DATABASE_URL"]:
    DATABASES = {"default": ENV["DATABASE_URL"]}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "crossreg.sqlite3",
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            },
            # A file, not memory: the test that starts the real worker process reaches it. One per
            # test process, so that two test runs in one checkout do not share (and delete) it.
            "TEST": {"NAME": str(VAR_DIR / f"test_crossreg_{os.getpid()}.sqlite3")},
        }
    }

# Background jobs: django-tasks with its database backend (docs/jobs.md). The worker is
# `manage.py worker` (make demo starts one); tests run the queued tasks with a real worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports", "ledger"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

# Sign-in (crossreg/orgs/security.py, docs/deployment.md): throttled by django-axes per account and
# per address; TOTP (django-otp) for administrators; idle and absolute session limits.
AUTHENTICATION_BACKENDS = [
    "crossreg.orgs.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: an account, an address
AXES_COOLOFF_TIME = 1  # hours; an administrator may lift a lockout sooner (admin, or axes_reset)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "crossreg.orgs.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
CROSSREG_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
CROSSREG_SESSION_IDLE_SECONDS: int = ENV["CROSSREG_SESSION_IDLE_SECONDS"]
CROSSREG_SESSION_MAX_SECONDS: int = ENV["CROSSREG_SESSION_MAX_SECONDS"]
SESSION_COOKIE_AGE = CROSSREG_SESSION_MAX_SECONDS
CROSSREG_OTP_REQUIRED_FOR_ADMINS: bool = ENV["CROSSREG_OTP_REQUIRED_FOR_ADMINS"]
OTP_TOTP_ISSUER = "盐城市跨部门综合监管平台"

AUTH_PASSWORD_VALIDATORS = (
    [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    ]
    if DEBUG
    else [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
)

LANGUAGE_CODE = ENV["CROSSREG_LANGUAGE"]
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "crossreg" / "locale"]
USE_I18N = True
TIME_ZONE = ENV["CROSSREG_TIME_ZONE"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "crossreg" / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Static files: served by whitenoise from STATIC_ROOT (`manage.py collectstatic`), compressed
# (gzip and brotli) with content-hashed names in production, cached for a year by browsers.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 0 if DEBUG else 31536000

# Security headers (docs/deployment.md). The Content-Security-Policy is on in every mode — the
# browser tests run with it — and allows no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS: list[str] = ENV["CROSSREG_CSRF_TRUSTED_ORIGINS"]
if not DEBUG:
    # Behind the reverse proxy (nginx terminates TLS and sets X-Forwarded-Proto).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = ENV["CROSSREG_SSL_REDIRECT"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes on loopback
    SECURE_HSTS_SECONDS = ENV["CROSSREG_HSTS_SECONDS"]
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

NINJA_PAGINATION_PER_PAGE = ENV["CROSSREG_API_PAGE_SIZE"]
NINJA_PAGINATION_MAX_LIMIT = 500

CROSSREG = {
    "LEDGER_SIGNING_KEY": ENV["CROSSREG_LEDGER_SIGNING_KEY"],
    "LEDGER_TSA_URL": ENV["CROSSREG_LEDGER_TSA_URL"],
    "UPLOAD_MAX_BYTES": ENV["CROSSREG_UPLOAD_MAX_BYTES"],
    "API_TOKEN_TOUCH_SECONDS": ENV["CROSSREG_API_TOKEN_TOUCH_SECONDS"],
    # Local numbers (FACTS.md: configuration, never constants).
    "PROVISIONAL_CREDIT_CLASS_DEFAULT": "B",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crossreg.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "crossreg.core.observability.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if ENV["CROSSREG_LOG_JSON"] else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "crossreg": {"level": "INFO"},
        "crossreg.security": {"level": "INFO"},
        "django_tasks": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
    },
}
