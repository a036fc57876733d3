"""Settings for the MASH front door, read from the environment (django-environ).

Every knob has a safe local default except the production secrets: with DEBUG off and no
SECRET_KEY in the environment, start-up stops. With no DATABASE_URL and no broker the app runs on
embedded defaults (a SQLite file and kombu's filesystem transport) so `make run` needs nothing
installed; with them set it uses PostgreSQL and Redis, as docker-compose and production do.
"""

import contextlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def env_bool(name: str, *, default: bool) -> bool:
    """The boolean in the environment variable `name`, or `default` when it is not set. Strict: a value that is not
    one of 1/0, true/false, yes/no, on/off (any case, spaces around allowed), an empty one included, stops
    start-up, rather than turning a typo such as DEBUG=ture into False."""
    if name not in env.ENVIRON:
        return default
    value = env.str(name)  # resolves a proxied value (DEBUG=$OTHER) as django-environ does
    word = value.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off (any case)"
    )


DEBUG = env_bool("DEBUG", default=False)
# Demo logins are printed on the login page only in DEBUG or with this flag on.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)
# seed_bench (users with a known password, contacts emptied) runs only with DEBUG or this on, into a database whose
# name says "bench".
BENCH_MODE = env_bool("BENCH_MODE", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only-key-do-not-deploy")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without it

# A placeholder or a short key stops production start-up too: sessions, the CSRF token and password reset links
# are signed with it. At least 50 characters, not the example file's, not Django's development key.
_PLACEHOLDERS = ("change-me", "changeme", "replace-me", "placeholder", "your-secret", "django-insecure")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
                  or any(word in SECRET_KEY.lower() for word in _PLACEHOLDERS)):
    raise ImproperlyConfigured(
        "SECRET_KEY is a placeholder or too short: set it to at least 50 random characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(60))'`"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

COUNCIL_NAME = env.str("COUNCIL_NAME", default="Anytown Council")
SERVICE_NAME = env.str("SERVICE_NAME", default="MASH front door")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "axes",
    "guardian",
    "simple_history",
    "django_htmx",
    "pgtrigger",  # database triggers on PostgreSQL (e.g. published threshold documents never change)
    "django_otp",  # the second factor for everyone (mash.mfa)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys and security keys, beside the app (mash.mfa.passkeys)
    "mash",
    "agencies",
    "contacts",
    "enquiries",
    "consent",
    "reports",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A background refresh that finds nothing new: 204 from the session and the versions (mash.polling).
    "mash.polling.UnchangedPollMiddleware",
    # Only a person's own requests keep the session alive, not a page's background refresh (mash.polling).
    "mash.polling.SessionActivityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user (and below, django-otp's device) read from the cache while their versions stand
    # (mash.principal).
    "mash.principal.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A second factor for everyone (django-otp): signed in with a password alone reaches only the code step.
    "mash.principal.OTPMiddleware",
    "mash.mfa.middleware.RequireVerifiedMiddleware",
    # A session ends SESSION_ABSOLUTE_HOURS after signing in; no page with personal data is stored by a browser.
    "mash.session_timeout.AbsoluteLifetimeMiddleware",
    "mash.session_timeout.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mash.urls"
WSGI_APPLICATION = "mash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mash.context_processors.service",
            ],
        },
    },
]
FORM_RENDERER = "mash.forms.GovukFormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mash.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services open their own transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: let the worker, beat and the web server share the file politely. Each transaction takes
    # the write lock when it begins (IMMEDIATE), so one that reads then writes waits its turn (up to `timeout`
    # seconds) rather than failing at once with "database is locked" when another process is writing (SQLite cannot
    # make a reading transaction wait for the write lock); in WAL mode the readers outside transactions are not
    # held up by the writer.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "mash.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the shared cache, written to both: a session ended is gone from both at once (mash.sessions).
    # Only with a cache every process shares: with one cache per process, a session signed out in one would live on
    # in another.
    SESSION_ENGINE = "mash.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes): per user name at an address, and, against password spraying (a
# few guesses at each of many accounts), per address across every user name it tries (mash.sign_in_limits).
AXES_FAILURE_LIMIT_PER_ACCOUNT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_FAILURE_LIMIT_PER_ADDRESS = env.int("AXES_FAILURE_LIMIT_PER_ADDRESS", default=20)
AXES_FAILURE_LIMIT = "mash.sign_in_limits.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# The address locked out is the client's, read behind these load balancers/proxies (addresses or networks,
# comma-separated); none: REMOTE_ADDR, and X-Forwarded-For is never believed (mash.client_ip).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "mash.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# The second factor (django-otp, mash.mfa): TOTP from an authenticator app, and single-use recovery codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default=f"{SERVICE_NAME} ({COUNCIL_NAME})")
MFA_RECOVERY_CODES = env.int("MFA_RECOVERY_CODES", default=10)
# Passkeys and security keys (django-otp-webauthn), as the second step only: the password comes first. A passkey
# belongs to one site name (the relying party ID): by default the host of the first trusted origin, so set
# CSRF_TRUSTED_ORIGINS (or OTP_WEBAUTHN_ALLOWED_ORIGINS) to the address people use. Changing it later makes people
# add their passkeys again. The demo (`make run`) works at http://localhost:8000: a browser offers passkeys on
# https:// addresses and on localhost only (not on 127.0.0.1).
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS or [
    f"http://localhost:{env.int('PORT', default=8000)}"])
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default=urlsplit(OTP_WEBAUTHN_ALLOWED_ORIGINS[0]).hostname or "")
OTP_WEBAUTHN_RP_NAME = SERVICE_NAME
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Absolute lifetime: however busy, a session ends this long after signing in (mash.session_timeout).
SESSION_ABSOLUTE_HOURS = env.float("SESSION_ABSOLUTE_HOURS", default=10)

# Idle timeout: the session lasts this long after the last request, then the user signs in again.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
# Saved (and the idle expiry moved on) on every request a person makes, by mash.polling.SessionActivityMiddleware;
# never on a page's background refresh, so a queue left open still times out.
SESSION_SAVE_EVERY_REQUEST = False
# ...at most once this often (a write a minute, not a write a page): the idle timeout holds to within it.
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The warning before the idle timeout signs someone out (mash.session_timeout, static/js/timeout.js).
SESSION_TIMEOUT_WARNING_SECONDS = env.int("SESSION_TIMEOUT_WARNING_SECONDS", default=120)

# Transport security. Off in DEBUG; on by default otherwise. SSL redirect is usually done by the
# load balancer, so it is a separate switch (set it in production: see .env.production.example).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content Security Policy, with Django's built-in support: no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_STORAGE", default="django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}
# whitenoise warns on every start-up when the folder is missing (before collectstatic has run)
with contextlib.suppress(OSError):
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=True)

# E-mail (Django 6.1's MAILERS), configured from one URL: smtp+tls://user:pass@host:587, consolemail://
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    "timeout": env.int("EMAIL_TIMEOUT", default=20),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {k: v for k, v in _smtp_options.items() if v not in (None, "")}
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
}
# E-mail goes only to addresses in these domains (e.g. anytown.gov.uk,nhs.net,police.uk); empty: any address.
NOTIFY_EMAIL_DOMAINS = env.list("NOTIFY_EMAIL_DOMAINS", default=[])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mash-no-reply@anytown.gov.uk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. With no broker configured, kombu's filesystem transport keeps `make run` self-contained.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Every folder under VAR_DIR: kombu's defaults are relative to the working directory (the repository root).
    _celery_dir = VAR_DIR / "celery"
    for _folder in ("queue", "processed", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
        # the exchange tables (broadcasts, the workers' pidbox); kombu's default is ./control
        "control_folder": str(_celery_dir / "control"),
    }
# The queue this deployment's tasks go to and its workers read: two deployments (or test runs) sharing one
# broker keep apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Deadlines (mash.deadlines): the sweep runs every SWEEP_INTERVAL_SECONDS; a message older than one
# interval expires unrun (the next one does the same work), so a backlog never piles up.
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=20)
DELIVERY_INTERVAL_SECONDS = env.float("DELIVERY_INTERVAL_SECONDS", default=10)
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=1000)
# The dashboard warns when the sweep has not finished a pass for this long (a dead beat is noticed).
SWEEP_STALE_SECONDS = env.int("SWEEP_STALE_SECONDS", default=300)
# A breach nobody acknowledges escalates further after the window's own time (Red 30 min); this is the
# fallback for a clock without a window.
DEADLINE_SECOND_LEVEL_MINUTES = env.int("DEADLINE_SECOND_LEVEL_MINUTES", default=60)
# Who hears about what: warnings go to the assigned screener and the duty manager(s) (members of this
# group; if empty, every MASH manager); breaches to every MASH manager; the second level to this group.
DEADLINE_DUTY_MANAGER_GROUP = env.str("DEADLINE_DUTY_MANAGER_GROUP", default="duty_manager")
DEADLINE_MANAGER_GROUP = env.str("DEADLINE_MANAGER_GROUP", default="manager")
DEADLINE_SECOND_LEVEL_GROUP = env.str("DEADLINE_SECOND_LEVEL_GROUP", default="service_manager")
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)
# A person due more than this many escalations of one kind in one sweep batch gets one digest naming them
# (and linking to the at-risk board or the queue) instead of one message each: a burst is not an e-mail storm.
NOTIFICATION_DIGEST_AFTER = env.int("NOTIFICATION_DIGEST_AFTER", default=5)
# Retention (issue 13): how often the beat job lists records due for review, and how many a pass lists at most.
RETENTION_LIST_INTERVAL_SECONDS = env.int("RETENTION_LIST_INTERVAL_SECONDS", default=24 * 3600)
RETENTION_LIST_BATCH = env.int("RETENTION_LIST_BATCH", default=500)
# Links in e-mails are made absolute with this (e.g. https://mash.anytown.gov.uk).
SITE_URL = env.str("SITE_URL", default="")
# The performance dashboard's summaries (reports.summaries) are brought up to date this often from the audit log;
# each refresh reads back this far before the last one, for a transaction that committed after it had begun.
PERFORMANCE_REFRESH_SECONDS = env.float("PERFORMANCE_REFRESH_SECONDS", default=60)
PERFORMANCE_REFRESH_OVERLAP_SECONDS = env.int("PERFORMANCE_REFRESH_OVERLAP_SECONDS", default=600)
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "mash.tasks.sweep_deadlines",
        "schedule": SWEEP_INTERVAL_SECONDS,
        "options": {"expires": SWEEP_INTERVAL_SECONDS},
    },
    "deliver-notifications": {
        "task": "mash.tasks.deliver_notifications",
        "schedule": DELIVERY_INTERVAL_SECONDS,
        "options": {"expires": DELIVERY_INTERVAL_SECONDS},
    },
    "refresh-performance": {
        "task": "reports.tasks.refresh_performance",
        "schedule": PERFORMANCE_REFRESH_SECONDS,
        "options": {"expires": PERFORMANCE_REFRESH_SECONDS},
    },
    "purge-drafts": {
        "task": "contacts.tasks.purge_drafts",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Closed contacts past their retention rule are listed for managers to review (retention.tasks).
    "list-retention-due": {
        "task": "retention.tasks.list_due",
        "schedule": RETENTION_LIST_INTERVAL_SECONDS,
        "options": {"expires": RETENTION_LIST_INTERVAL_SECONDS},
    },
    # Old export files deleted, and exports whose message or worker was lost sent again (reports.exports).
    "purge-exports": {
        "task": "reports.tasks.purge_exports",
        "schedule": 300,
        "options": {"expires": 300},
    },
}
# A draft of a long form (what someone typed about a family) is deleted this many days after it was last saved,
# and at once when its contact is closed.
DRAFT_KEEP_DAYS = env.int("DRAFT_KEEP_DAYS", default=14)

# The front door's rules that councils set locally (see DOMAIN.md); admins refine them in the admin.
QUEUE_PAGE_SIZE = env.int("QUEUE_PAGE_SIZE", default=25)
# How often an open queue or board refreshes itself (htmx); an unchanged refresh costs one query (mash.polling).
POLL_SECONDS = env.int("POLL_SECONDS", default=30)
# A queue's region, once drawn for a version and a minute, is served from the cache this long (mash.polling.region).
POLL_REGION_CACHE_SECONDS = env.int("POLL_REGION_CACHE_SECONDS", default=90)
# A child named on this many contacts in 12 months is flagged as a repeat contact.
REPEAT_CONTACT_THRESHOLD = env.int("REPEAT_CONTACT_THRESHOLD", default=3)
# A MASH enquiry needs the contact's rating approved first (the request's clock runs on the window for that rating).
ENQUIRY_NEEDS_APPROVED_RATING = env_bool("ENQUIRY_NEEDS_APPROVED_RATING", default=True)
# Issue 12, the national returns. Outcomes that make a contact a referral (statutory assessment by default).
REFERRAL_OUTCOMES = env.list("REFERRAL_OUTCOMES", default=["s17_assessment", "strategy_s47"])
# The council's three-digit DfE local authority code, and the software named in the CIN census header.
LA_CODE = env.str("LA_CODE", default="999")
CIN_SOFTWARE_CODE = env.str("CIN_SOFTWARE_CODE", default="MASH front door")
# The national returns are made in the background (reports.tasks.export_run) into this folder, kept this many hours
# (children's details on disk no longer than needed: the sweep of old exports deletes the files), and their progress
# pages poll every EXPORT_POLL_SECONDS. A job whose worker has said nothing for EXPORT_STALE_SECONDS is taken over by
# the next message for it (a worker killed mid-file).
EXPORTS_DIR = Path(env.str("EXPORTS_DIR", default=str(VAR_DIR / "exports")))
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
EXPORT_POLL_SECONDS = env.int("EXPORT_POLL_SECONDS", default=2)
EXPORT_STALE_SECONDS = env.int("EXPORT_STALE_SECONDS", default=120)
# The largest police notification file a manager may upload (bytes).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
