"""One settings module, configured from the environment.

KETACARE_ENV=production turns on every production safeguard and refuses to start without a
SECRET_KEY. Anything else is the zero-set-up demo/development mode: SQLite under var/ and a
secret generated once into var/.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
env = environ.FileAwareEnv()

VAR_DIR = Path(env.str("KETACARE_VAR_DIR", default=str(PROJECT_DIR / "var")))
PRODUCTION = env.str("KETACARE_ENV", default="development") == "production"
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when KETACARE_ENV=production")


def _demo_secret(name: str) -> str:
    """A secret generated once into var/ so the demo needs no set-up; never used in production."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "demo-secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(50)
        path.write_text(json.dumps(stored))
        path.chmod(0o600)
    return stored[name]


if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # fails closed when unset
    AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _demo_secret("SECRET_KEY")
    AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="") or _demo_secret("AUDIT_CHAIN_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ketacare.accounts",
    "ketacare.tenancy",
    "ketacare.audit",
    "ketacare.patients",
    "ketacare.measures",
    "ketacare.screening",
    "ketacare.treatment",
    "ketacare.scheduling",
    "ketacare.treatment_sessions",
    "ketacare.reminders",
    "ketacare.public",
    "ketacare.directory",
    "ketacare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ketacare.audit.middleware.RequestContextMiddleware",
    "ketacare.accounts.middleware.SessionLifetimeMiddleware",
    "ketacare.accounts.middleware.SignInRequiredMiddleware",
    "ketacare.accounts.middleware.StaffMFARequiredMiddleware",
    "ketacare.accounts.middleware.OrganisationTimeZoneMiddleware",
    "ketacare.accounts.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Axes goes last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketacare.urls"
WSGI_APPLICATION = "ketacare.wsgi.application"

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
                "csp.context_processors.nonce",
                "ketacare.tenancy.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ketacare.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the server read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # psycopg may keep prepared statements on a connection. Django's own cursors bind values on
    # the client and never prepare; device_readings asks for its two statements to be prepared
    # (a monitor's reading is the busiest write of the day, and planning them anew costs more
    # than running them).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache backs allauth's rate limits, which need one shared store across processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ketacare_cache",
    },
    # The public finder's per-address brake on scraping: per process (so the limit multiplies by
    # the number of server processes), but it costs no query on the busiest public page.
    "public_reads": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ketacare-public-reads",
    },
}

AUTH_USER_MODEL = "accounts.User"
# E-mail uniqueness is a case-insensitive functional constraint, which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: e-mail login, no self sign-up for staff (an org admin invites them).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "ketacare.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# allauth's cache-based limits are a backstop against spraying from one address; the per-account
# lockout (with its database record of attempts) is django-axes', below, which acts first.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ketacare"
MFA_TOTP_TOLERANCE = 0
MFA_RECOVERY_CODES_SHOW_ONCE = True

# django-axes: lock a username at one address after repeated failures (admin login included).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "ketacare.accounts.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)

# Sessions: server-side rows so a deactivated user's sessions can be deleted at once.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# source: NIST SP 800-63B AAL2 (30 min idle ceiling, 12 h absolute),
# via security-and-libraries.md H-04
KETACARE_IDLE_TIMEOUT_DEFAULT_MINUTES = 15
KETACARE_IDLE_TIMEOUT_MAX_MINUTES = 30
KETACARE_SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = KETACARE_SESSION_ABSOLUTE_HOURS * 3600

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from the finders here
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ketacare <no-reply@ketacare.test>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A strict policy: no inline script or style anywhere, every asset from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
MFA_ADAPTER = "ketacare.accounts.adapter.MFAAdapter"
SMS_BACKEND = env.str("SMS_BACKEND", default="ketacare.messaging.sms.ConsoleSmsBackend")
# Where links in e-mails and texts point (the site's public address).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
