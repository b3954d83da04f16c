"""Django settings. Everything a deployment changes comes from the environment.

COMMONWEAL_DEBUG          1 turns on Django's debug pages (make demo does); off otherwise
COMMONWEAL_SECRET_KEY     the signing key; without it one is made once and kept in var/secret-key
COMMONWEAL_ALLOWED_HOSTS  comma-separated host names the server answers to
COMMONWEAL_HTTPS          1 when served over HTTPS: secure cookies, redirect plain HTTP to HTTPS
COMMONWEAL_PROXY_SSL_HEADER  e.g. HTTP_X_FORWARDED_PROTO, when a trusted proxy ends TLS
COMMONWEAL_DATA_DIR       where the public data files live (default ../shared/data when present)
DATABASE_URL              PostgreSQL (postgres://...) for a server; SQLite in var/ by default
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("COMMONWEAL_HOME", Path.cwd()))
VAR_DIR = BASE_DIR / "var"

DEBUG = os.environ.get("COMMONWEAL_DEBUG", "0") == "1"


def _secret_key() -> str:
    """The key from the environment, or one made once for this installation and kept in var/."""
    if os.environ.get("COMMONWEAL_SECRET_KEY"):
        return os.environ["COMMONWEAL_SECRET_KEY"]
    path = VAR_DIR / "secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(secrets.token_urlsafe(50))
        except FileExistsError:  # another process made it first
            pass
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("COMMONWEAL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "csp",
    "axes",
    "commonweal.core",
    "commonweal.registry",
    "commonweal.governance",
    "commonweal.interests",
    "commonweal.meetings",
    "commonweal.decisions",
    "commonweal.packs",
    "commonweal.finance",
    "commonweal.pools",
    "commonweal.allocations",
    "commonweal.outcomes",
    "commonweal.assurance",
    "commonweal.proposals",
    "commonweal.public",
    "commonweal.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "commonweal.core.static.AssetsMiddleware",
    "csp.middleware.CSPMiddleware",
    "commonweal.core.middleware.RequestGuard",
    "commonweal.core.middleware.ApiErrors",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commonweal.core.middleware.LoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "commonweal.core.middleware.RefusalPages",
    # Last, as django-axes asks: it watches sign-ins and locks out repeated failures.
    "axes.middleware.AxesMiddleware",
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
        # Django's own templates (forms rendering, ninja's API docs page, which we override).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "django_templates"],
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
        default=f"sqlite:///{VAR_DIR / 'commonweal.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # WAL lets readers carry on while one writer writes. Transactions begin IMMEDIATE
            # so a writer queues for the lock at its start (waiting up to `timeout` seconds)
            # instead of failing with "database is locked" when a read turns into a write.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests run on a file, not in memory, so a real server process can share their database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-commonweal.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there (collectstatic fills it)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# The NHS.UK stylesheet refers to its images under /assets/; AssetsMiddleware serves them there.
NHSUK_ASSETS_DIR = PACKAGE_DIR / "static" / "nhsuk" / "assets"
WHITENOISE_USE_FINDERS = True

# Papers and other uploads are kept through Django's storage API: on disk under var/media by
# default; a deployment may name another backend (object storage) in STORAGES["default"].
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"  # never served directly: papers are served by a view that checks access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # The public register's anchors, kept outside the database: a directory of its own by
    # default (COMMONWEAL_ANCHORS); a deployment may name write-once object storage instead.
    "anchors": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("COMMONWEAL_ANCHORS", str(VAR_DIR / "anchors"))},
    },
}

# Requests: a body over 5 MB is refused with 413 before it is read; an upload of a paper to
# the pages that take one may be up to 31 MB (a paper is at most 30 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
# Papers up to 30 MB, monthly returns up to 50 MB (the workbook reader's own bound).
UPLOAD_MAX_BYTES = 51_000_000
UPLOAD_PATHS = [
    r"^/meetings/\d+/items/\d+/$",
    r"^/systems/[^/]+/finance/\d+/returns/$",
    r"^/systems/[^/]+/pools/[^/]+/\d+/plan/$",
    r"^/systems/[^/]+/outcomes/import/$",
    r"^/systems/[^/]+/proposals/\d+/documents/$",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
# Outcomes: counts below this are withheld on public pages, downloads and the public API.
OUTCOMES_SMALL_NUMBER = int(os.environ.get("COMMONWEAL_SMALL_NUMBER", "5"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000

# Sign-in: Django's password rules, and django-axes locking out repeated failures for an
# account from an address. Not for an address alone: behind a proxy every person shares one,
# and five wrong guesses by anyone would lock everyone out (ADR 0008).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "commonweal.core.views.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "commonweal.core.views.locked_out"
AXES_VERBOSE = False

# Serving: the content security policy allows only the app's own origin; scripts need the
# page's nonce. HSTS is sent on HTTPS responses; cookies are secure when served over HTTPS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
if os.environ.get("COMMONWEAL_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
if os.environ.get("COMMONWEAL_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["COMMONWEAL_PROXY_SSL_HEADER"], "https")


def _default_data_dir() -> str:
    for candidate in (
        BASE_DIR / ".." / "shared" / "data",
        PACKAGE_DIR / ".." / ".." / ".." / "shared" / "data",
    ):
        if candidate.is_dir():
            return str(candidate.resolve())
    return ""


COMMONWEAL_DATA_DIR = os.environ.get("COMMONWEAL_DATA_DIR", _default_data_dir())
# The gifts and hospitality rules (YAML); NHS England's are shipped and used by default.
COMMONWEAL_GIFT_RULES = os.environ.get("COMMONWEAL_GIFT_RULES", "")
COMMONWEAL_COUNCIL_GIFT_RULES = os.environ.get("COMMONWEAL_COUNCIL_GIFT_RULES", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "discard": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("COMMONWEAL_LOG_LEVEL", "WARNING")},
    # A refused request is the client's mistake, not ours: no traceback in the server log.
    "loggers": {
        "django.security.DisallowedHost": {"handlers": ["discard"], "propagate": False},
    },
}
