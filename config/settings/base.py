"""Settings shared by every environment, all read through one django-environ ``env``."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    # Background jobs on Django's Tasks API (the django-tasks backport), stored in the same database.
    "django_tasks",
    "django_tasks_db",
    # Apps by domain, in layers: each imports only from those above it (pyproject.toml, import-linter).
    "core",
    "notices",
    "beneficiaries",
    "jobs",
    "conventions",
    "registration",
    "budgets",
    "indicators",
    "documents",
    "finance",
    "messaging",
    "compliance",
    "campaigns",
    "deliberations",
    "dossier",
    "worklists",  # after every app whose admin it adds a filter to
    "search",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "config.middleware.RejectUnreadableFormInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CSRF, authentication and messages: keeps a form refused for an expired session.
    "core.session_expiry.ExpiredSessionFormMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Database sessions, but a forged session cookie is never looked up (config/sessions.py).
SESSION_ENGINE = "config.sessions"
WSGI_APPLICATION = "config.wsgi.application"

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
                "beneficiaries.context_processors.portal",
                "dossier.context_processors.accessibility",
            ],
            # French dates (« 1er ») and years without separator, in every template.
            "builtins": ["core.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's connection pool, built into Django >= 5.1.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = env.bool("DATABASE_POOL", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy: our own files only, no inline script or style, no framing.
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

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: 5 failures for one user name from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address (core/client_ip.py): PROXY_COUNT reverse proxies in front of the site, each
# appending to X-Forwarded-For. 0, no proxy: the header is ignored, the socket's address counts.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# French input « 1 234,56 » is parsed only with the separator on; templates print years with
# |unlocalize and amounts through conventions.money.
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Documents and signed PDFs: never served by the web server, only through authorising views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")


def storages_from_env() -> dict:
    """Return ``STORAGES`` for ``STORAGE_BACKEND``: local folders, or one S3-compatible bucket.

    With ``s3``, any number of stateless application servers share the bucket: public files
    under ``public/``, documents, signed PDFs and import files waiting for confirmation under
    ``private/`` (never public; served through the application's authorising views).
    """
    if env("STORAGE_BACKEND", default="filesystem") == "s3":
        s3 = {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "file_overwrite": False,
        }
        public = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**s3, "location": "public"}}
        private = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**s3, "location": "private", "default_acl": "private", "querystring_auth": True},
        }
    else:
        public = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        private = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/non-public/"},
        }
    return {
        "default": public,
        "private": private,
        # django-import-export's files waiting for confirmation: private, shared by every server.
        "import_export": private,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


STORAGES = storages_from_env()

# Upload limits: request bodies (forms) and files kept in memory before spilling to a temporary
# file in FILE_UPLOAD_TEMP_DIR; each upload form checks its own size limit too.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
# A budget edited in the admin posts about ten fields a line: room for several hundred lines.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=5000)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="conventions@metropole.invalid")
# Absolute address of the site, used in the links of emails.
# Long work (batch PDFs…) runs in workers: `manage.py db_worker`, as many as wanted, on the same
# database, with no other broker (README, « Plusieurs serveurs »). Each job is run once (jobs.services).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running job's worker writes a heartbeat when it claims the job and at each step of progress; a
# job whose heartbeat is older than this lease is taken to have lost its worker (killed, machine
# stopped) and is put back in the queue (jobs.services.jobs_reclaim, `manage.py jobs_maintenance`,
# and whenever its owner opens « Mes travaux » or its page). A kind must report progress more often.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=900)
# How many times a job is run, interruptions included, before it is marked failed (« Relancer » starts over).
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
# Finished jobs (ready or failed) and their files are deleted this many days after they finished
# (jobs.services.jobs_prune, `manage.py jobs_maintenance`).
JOBS_RETENTION_DAYS = env.int("JOBS_RETENTION_DAYS", default=30)

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Import files waiting for confirmation go to the "import_export" storage (private; the S3 bucket
# when switched), so that the confirming request may reach any application server.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
# Audit records are read-only: no « revert » from the history pages.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Portal (issue 7): invitation links expire; uploaded documents have a size limit.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
DOCUMENT_MAX_UPLOAD_BYTES = env.int("DOCUMENT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
# Self-registration on the portal: at most this many registrations or activation links per client
# address in this many seconds (registration.throttle).
REGISTRATION_THROTTLE = (env.int("REGISTRATION_THROTTLE_COUNT", default=5), 60 * 60)

# The public directory a typed SIRET or RNA is looked up in (beneficiaries/directory.py); empty: off.
DIRECTORY_API_URL = env("DIRECTORY_API_URL", default="https://recherche-entreprises.api.gouv.fr/search")
# How many look-ups the public registration form may ask for, per address and hour.
DIRECTORY_LOOKUP_THROTTLE = (env.int("DIRECTORY_LOOKUP_THROTTLE_COUNT", default=30), 60 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step of every PDF at INFO: keep only its warnings.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
