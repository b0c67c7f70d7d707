"""Settings for the campaign partner portal, read from the environment.

Every setting a deployment may change is listed, with its default, in the README. Defaults are the
safe ones: DEBUG off, secure cookies, HSTS and an HTTPS redirect; `make run` turns DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_choice, env_int, env_int_list, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Set SECRET_KEY to a long random value, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # A fixed key so that development sessions survive the autoreloader; never used with DEBUG off.
    SECRET_KEY = "django-insecure-development-only-key-for-the-campaign-portal"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "portal",
    "audit",
    "outbox",
    "agencies",
    "campaigns",
]

MIDDLEWARE = [
    # First, so that the session's and the person's lookups are prepared statements too.
    "lib.prepared.PreparedStatementsMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, using the authenticators loaded with the person.
    "agencies.middleware.TwoStepStateMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "agencies.middleware.SessionLimitsMiddleware",
    "agencies.middleware.TwoStepSignInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.SecurityLogMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        # A connection that died (a database restart) is replaced before the next request uses it.
        # A signed-in request's first lookup doubles as the check (lib/precompiled.py).
        conn_health_checks=True,
    )
}
# Behind a pooler that gives each transaction whichever server connection is free (PgBouncer's
# transaction pooling), nothing may outlast a transaction on a connection: Django then needs
# server-side cursors off, and lib.precompiled prepares no statements.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_TRANSACTION_POOLING", False
)
if not env_bool("DATABASE_PREPARED_STATEMENTS", True):
    MIDDLEWARE.remove("lib.prepared.PreparedStatementsMiddleware")
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and not DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]
):
    # PostgreSQL compiles a query to machine code (JIT) once its estimated cost is high enough,
    # and the estimate of a page's query over thousands of rows is: the toolkit of a campaign
    # with 10,000 pieces of material spent 0.6 s compiling a query that then ran in 10 ms. The
    # portal's queries are short; compiling never pays for itself. (PgBouncer refuses the
    # connection option: behind it, the database is set so, see docs/deploy.md.)
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = f"{database_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People, passwords and sessions --------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
# django-axes first: it refuses sign-in attempts while an e-mail address and network address
# pair is locked out, before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the signed-in person with their memberships in one query.
    "agencies.backends.PersonBackend",
]
LOGIN_URL = "agencies:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "agencies:sign-in"

# Argon2 first: sign-in bursts (an embargo lifting) would make PBKDF2's CPU cost the bottleneck.
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
    {"NAME": "lib.validators.ContextWordsValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60, minimum=5) * 60
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7, minimum=1)

# --- Two-step sign-in (TOTP) -------------------------------------------------------------
# Required for everyone by default. It may be relaxed for partners' members and leads, never for
# campaign admins or staff (nobody reaches the Django admin with a password alone).
MFA_REQUIRED_FOR_PARTNERS = env_bool("MFA_REQUIRED_FOR_PARTNERS", True)
# Switches enforcement off for people without an authenticator, for the demo only.
MFA_DEMO_OFF = env_bool("MFA_DEMO_OFF", False)
if MFA_DEMO_OFF and not DEBUG:
    raise ImproperlyConfigured("MFA_DEMO_OFF is for the demo only: it needs DEBUG on.")
OTP_TOTP_ISSUER = "Campaign partner portal"
# django-otp's own throttle is off: it counts wrong codes per authenticator from every network
# address together and doubles the wait each time, so anyone who had only the password could lock
# the person out for hours. The code step's limits are per person and address instead
# (agencies/views/two_step.py).
OTP_TOTP_THROTTLE_FACTOR = 0
# Nobody, staff included, may read another person's authenticator secret or its QR code in the
# Django admin: whoever holds the secret holds that person's second step.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Brute-force protection (django-axes) ---------------------------------------------------
# Locked by e-mail address and network address together, never by address alone: a force's
# staff share one corporate address, and one attacker must not lock them all out.
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "agencies.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "lib.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "agencies.security.locked_out"
AXES_RESET_ON_SUCCESS = True
# Successful sign-ins are already in the portal's own audit trail.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind a proxy, how many hops it adds to X-Forwarded-For; 0 ignores that header entirely.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1)
# The cookie's age is the idle limit. A session is saved when it changes, and at most once a
# minute to record the last activity (agencies.middleware.SessionLimitsMiddleware), which slides
# the cookie and the stored session's expiry forward: a page view does not write every time.
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False

# --- Transport security --------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    # Only trust the proxy's scheme header when a proxy that sets it is really in front.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Strict: nothing inline, nothing from elsewhere. Served files get a stricter one of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws its form controls' icons as data: SVG images; images run no script.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- Caching and rate limits --------------------------------------------------------------------
# Rate limits count in the cache: with several server processes, set REDIS_URL so they share it.
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "portal.cache.SharedCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Sessions in the database; with a shared cache, read from the cache with the database behind it
# (never with a cache per process: a session ended in one process would live on in the others).
SESSION_ENGINE = "portal.cached_sessions" if REDIS_URL else "portal.sessions"

# --- Files ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded material lives here and is only ever served through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Upload limits, checked before anything is stored: films may be large, everything else is not.
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 25, minimum=1)
UPLOAD_MAX_FILM_MB = env_int("UPLOAD_MAX_FILM_MB", 500, minimum=1)
# Files bigger than this go to a temporary file while the request is read, not into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Where uploaded files are kept: MEDIA_ROOT on this machine's disk ("local"), or an S3-compatible
# object store ("s3") that every web server and task worker shares. Code reaches stored files
# only through the storage API, never through a path.
MEDIA_STORAGE = env_choice("MEDIA_STORAGE", "local", ("local", "s3"))
if MEDIA_STORAGE == "s3":
    import botocore.config

    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and usually AWS_S3_ENDPOINT_URL, "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)."
        )
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Path-style addresses work with every S3-compatible store, not only AWS. A store that
            # does not answer is reported within seconds, not after botocore's minute-long waits.
            "client_config": botocore.config.Config(
                signature_version="s3v4",
                s3={
                    "addressing_style": env_choice(
                        "AWS_S3_ADDRESSING_STYLE", "path", ("path", "virtual")
                    )
                },
                connect_timeout=5,
                read_timeout=60,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            # Never overwrite: a second "poster.png" gets a name of its own, as on disk.
            "file_overwrite": False,
            # Objects are private; the portal hands out short-lived signed links only.
            "default_acl": None,
            "querystring_auth": True,
            # A file opened through the storage API is spooled to a temporary file past this
            # size, never held whole in memory (django-storages' default holds it all).
            "max_memory_size": FILE_UPLOAD_MAX_MEMORY_SIZE,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# How the bytes of a download leave, once the view has checked access and recorded it:
# "django" streams them from the web process (FileResponse: fine for one machine and `make run`);
# "nginx" hands them to nginx with X-Accel-Redirect (deploy/nginx.conf), which sends a local file
# itself or fetches the object from the store with a signed link that only nginx ever sees.
DOWNLOADS_VIA = env_choice("DOWNLOADS_VIA", "django", ("django", "nginx"))
# How long a signed link to a stored object works. It is a bearer token: whoever holds it may
# fetch the object until it expires, so it is short and never shown to a browser.
DOWNLOAD_LINK_SECONDS = env_int("DOWNLOAD_LINK_SECONDS", 60, minimum=1)

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Campaign partner portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's own address, used in links sent by e-mail, e.g. https://portal.example.org. In
# development it follows the port `make run` serves on (PORT), so that e-mailed links work there.
PORT = env_int("PORT", 8000, minimum=1)
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", f"http://127.0.0.1:{PORT}" if DEBUG else "").rstrip(
    "/"
)
if not PORTAL_BASE_URL:
    raise ImproperlyConfigured(
        "PORTAL_BASE_URL must be set when DEBUG is off, e.g. https://portal.example.org: it is the "
        "address used in the links the portal e-mails to people."
    )

# An SMTP server that does not answer within this many seconds counts as a failed attempt: the mail
# is tried again later by the task worker, never inside a web request.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)

# --- Background tasks (docs/deploy.md) -----------------------------------------------------------
# E-mail, big exports, scans of large files and data-protection jobs run in a task worker
# (`manage.py run_worker`). The database backend makes the portal's own database the queue.
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", ("database", "rq", "immediate"))
if TASKS_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL, e.g. redis://127.0.0.1:6379/0.")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# A failed task is tried again after each of these delays (seconds), then left failed for a
# system administrator to see in the Django admin.
TASK_RETRY_DELAYS = env_int_list("TASK_RETRY_DELAYS", [60, 300, 900, 3600, 21600])
# A task still marked running this long after it started belonged to a worker that died: the
# worker puts it back in the queue (each task is safe to run again).
TASK_STALE_MINUTES = env_int("TASK_STALE_MINUTES", 30, minimum=1)
# Exports with more rows than this are written by the task worker; the person follows progress.
EXPORT_IN_BACKGROUND_ROWS = env_int("EXPORT_IN_BACKGROUND_ROWS", 2000, minimum=0)

# --- Language and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Forms ---------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PORTAL_NAME = "Campaign partner portal"

# --- Data protection: how long records about people are kept (docs/data-protection.md) ---------
DEACTIVATED_RETENTION_DAYS = env_int("DEACTIVATED_RETENTION_DAYS", 365, minimum=1)
DOWNLOAD_RETENTION_DAYS = env_int("DOWNLOAD_RETENTION_DAYS", 730, minimum=1)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 2190, minimum=1)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 90, minimum=1)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7, minimum=1)

# --- Virus scanning ------------------------------------------------------------------------------
# The address of a ClamAV daemon, "host:port" or a Unix socket path. When set, every upload is
# scanned before it is stored and an upload that cannot be scanned is refused (fail closed).
CLAMAV_ADDRESS = env_str("CLAMAV_ADDRESS")
# Uploads bigger than this (films) are scanned by the task worker rather than while the person
# waits; until scanned clean they are stored but not served.
SCAN_IN_REQUEST_MAX_MB = env_int("SCAN_IN_REQUEST_MAX_MB", 25, minimum=1)

# Help-seeker counts below this are shown to partners as "fewer than N" (helpline figures are
# confidential), and totals that would reveal them are rounded.
SMALL_NUMBER_THRESHOLD = env_int("SMALL_NUMBER_THRESHOLD", 5, minimum=1)
FIGURE_IMPORT_MAX_MB = env_int("FIGURE_IMPORT_MAX_MB", 5, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "lib.security_log.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # The security log's messages are JSON objects already: one event a line.
        "security": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        "security": {
            "class": "logging.StreamHandler",
            "formatter": "security",
            "filters": ["redact"],
        },
    },
    "loggers": {
        "portal.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        # django-axes logs every sign-in; the portal's audit trail already records them.
        "axes": {"level": "WARNING"},
        # The worker polls every second; its "no more tasks" lines would drown the useful ones.
        "django_tasks_db": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
