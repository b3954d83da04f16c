"""Django settings. Everything a deployment changes comes from the environment.

COMMONWEAL_DATA_DIR   where the public data files live (default ../shared/data when present)
DATABASE_URL          PostgreSQL (postgres://...) for a server; SQLite in var/ by default
COMMONWEAL_SECRET_KEY required when COMMONWEAL_DEBUG is off
"""

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("COMMONWEAL_HOME", Path.cwd()))

DEBUG = os.environ.get("COMMONWEAL_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("COMMONWEAL_SECRET_KEY") or (
    "insecure-development-key-not-for-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("Set COMMONWEAL_SECRET_KEY when COMMONWEAL_DEBUG is 0.")
ALLOWED_HOSTS = os.environ.get("COMMONWEAL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "commonweal.core",
    "commonweal.registry",
    "commonweal.governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "commonweal.core.static.AssetsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commonweal.core.middleware.LoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "commonweal.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "commonweal.jinja.environment", "autoescape": True},
    },
    {
        # Django's own templates (forms rendering, ninja's API docs page).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

WSGI_APPLICATION = "commonweal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'commonweal.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    if "DATABASE_URL" not in os.environ:
        (BASE_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the task worker and the web server share the file without locking each other out.
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# The NHS.UK stylesheet refers to its images under /assets/; AssetsMiddleware serves them there.
NHSUK_ASSETS_DIR = PACKAGE_DIR / "static" / "nhsuk" / "assets"

WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


def _default_data_dir() -> str:
    for candidate in (
        BASE_DIR / ".." / "shared" / "data",
        PACKAGE_DIR / ".." / ".." / ".." / "shared" / "data",
    ):
        if candidate.is_dir():
            return str(candidate.resolve())
    return ""


COMMONWEAL_DATA_DIR = os.environ.get("COMMONWEAL_DATA_DIR", _default_data_dir())

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COMMONWEAL_LOG_LEVEL", "WARNING")},
}
