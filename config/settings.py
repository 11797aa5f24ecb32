"""Django settings. Everything environment-dependent comes from config.env (see docs/configuration.md)."""

from __future__ import annotations

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
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crossreg.web.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            # A file, not memory: the test that starts the real worker process reaches it.
            "TEST": {"NAME": str(VAR_DIR / "test_crossreg.sqlite3")},
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
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

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
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"crossreg": {"level": "INFO"}},
}
