"""Settings for the platform.

Every deployment choice comes from the environment; the defaults give the embedded mode that
`make run` uses (SQLite, tasks in-process, local media, local-memory cache, console mail).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name, default=False):
    """A switch from the environment; a misspelt value stops the start instead of reading as
    off (an unset or empty variable keeps the default)."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a switch: use one of "
        + ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
        + "."
    )


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("DJANGO_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the form renderer below finds Django's widget templates here
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "config.apps.AxesConfig",  # django-axes, its admin section translated
    "csp",
    "facilities",
    "campaigns",
    "resources",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    # The API download skips what follows but sessions, language and authentication.
    "config.middleware.DownloadLaneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Forms render through templates/forms/ (one field and error pattern, see config/forms.py).
FORM_RENDERER = "config.forms.SiteFormRenderer"

# Database: SQLite file by default, anything dj-database-url understands otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, local memory otherwise. A Redis that is down costs speed,
# never an answer: the backend fails open (config/cache.py).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            # A cache that stops answering must not hang the requests that use it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): lock a username+address pair after repeated failures.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Internationalisation: Simplified Chinese first, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date style per language for every page (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise; media go to local disk or S3-compatible storage.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (favicon.ico), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300)
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", "path")
AWS_S3_SIGNATURE_VERSION = "s3v4"

if AWS_STORAGE_BUCKET_NAME:
    # django-storages' S3Storage, its outages a 503 (config/storage.py).
    default_storage = {"BACKEND": "config.storage.S3Storage"}
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Mail: console by default; EMAIL_URL=smtp://user:pass@host:port (smtp+tls:// for STARTTLS),
# file:///some/dir writes each message to a file there.
EMAIL_URL = env("EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@kepu.localhost")
# Public address of the site (https://kepu.example.org), for links in mail; paths only when unset.
SITE_URL = env("SITE_URL")
if EMAIL_URL.startswith("console:"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("locmem:"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_URL.startswith("file:"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = EMAIL_URL.removeprefix("file://")
else:
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_TIMEOUT = 10

# Celery: a real broker when CELERY_BROKER_URL is set, otherwise tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing fails fast instead of retrying the connection when the broker is down, so that
# callers with a fallback (download tracking) never hang: max_retries 0 = no reconnect loop.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_BEAT_SCHEDULE = {
    # Download records queued on Redis by the web processes, written in batches.
    "drain-download-events": {
        "task": "resources.tasks.drain_download_events",
        "schedule": 1.0,
        "options": {"expires": 10},
    },
    "roll-up-downloads": {
        "task": "resources.tasks.roll_up_downloads",
        "schedule": 300.0,
    },
    # Distributions whose task never reached the broker (it was down) are sent again.
    "resume-waiting-distributions": {
        "task": "resources.tasks.resume_distributions",
        "schedule": 300.0,
        "kwargs": {"waiting_minutes": 5},
    },
    # Receipt reminders: the task sends at most one a day per shipment, so hourly is safe.
    "remind-overdue-shipments": {
        "task": "resources.tasks.remind_overdue_shipments",
        "schedule": 3600.0,
    },
    # Facilities with field work last month and no submitted report are reminded once.
    "remind-monthly-reports": {
        "task": "campaigns.tasks.remind_monthly_reports",
        "schedule": crontab(day_of_month="3", hour="8", minute="0"),
    },
}
# Shipments not confirmed as received this many days after shipping are overdue and chased.
KIT_RECEIPT_CHASE_DAYS = env_int("KIT_RECEIPT_CHASE_DAYS", 14)
# Campaign figures are computed again after at most this many seconds (capped at 120).
STATS_CACHE_SECONDS = env_int("STATS_CACHE_SECONDS", 60)
# Bulk distributions allocate this many facilities per transaction.
DISTRIBUTION_CHUNK_SIZE = env_int("DISTRIBUTION_CHUNK_SIZE", 500)
# The yearly field-work norm of a facility: this many days out or this many km (either).
CARAVAN_NORM_DAYS = env_int("CARAVAN_NORM_DAYS", 120)
CARAVAN_NORM_KM = env_int("CARAVAN_NORM_KM", 10000)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not signed in" a 401 (API.md), not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    # A JSON body nested too deeply is a 400 (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "600/minute"),
        "user": env("API_THROTTLE_USER", "3000/minute"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mobile Science Popularization Platform API",
    "DESCRIPTION": "Catalogue, kits, activities and coverage statistics of the joint action.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets ship with the sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "resources.api.digital.document_download",
        "config.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "events.models.ActivityKind",
        "ReceiptConditionEnum": "resources.models.ReceiptCondition",
        "ActivityStatusEnum": "events.models.ActivityStatus",
        "FacilityKindEnum": "facilities.models.FacilityKind",
        "FacilityStatusEnum": "facilities.models.FacilityStatus",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "ParticipationStatusEnum": "campaigns.models.ParticipationStatus",
        "KitRequestStatusEnum": "resources.models.KitRequestStatus",
        "KitRequestOriginEnum": "resources.models.KitRequestOrigin",
        "ResourceStatusEnum": "resources.models.ResourceStatus",
        "ResourceFormatEnum": "resources.models.ResourceFormat",
        "ResourceAccessEnum": "resources.models.ResourceAccess",
        "DistributionStatusEnum": "resources.models.DistributionStatus",
        "BundleStatusEnum": "resources.models.BundleStatus",
        "FacilityLevelEnum": "facilities.models.FacilityLevel",
        "RegionLevelEnum": "facilities.models.RegionLevel",
        "ExhibitionSetStatusEnum": "resources.models.ExhibitionSetStatus",
        "ExhibitStatusEnum": "resources.models.ExhibitStatus",
        "TourStopStatusEnum": "events.models.TourStopStatus",
        "CaravanTripStatusEnum": "events.models.CaravanTripStatus",
        "RepairStatusEnum": "resources.models.RepairStatus",
        "RepairSeverityEnum": "resources.models.RepairSeverity",
        "RepairCauseEnum": "resources.models.RepairCause",
        "HandOverStageEnum": "resources.models.HandOverStage",
        "HandOverConditionEnum": "resources.models.HandOverCondition",
    },
}

# Upload limits (bytes).
RESOURCE_MAX_UPLOAD_SIZE = env_int("RESOURCE_MAX_UPLOAD_SIZE", 512 * 1024 * 1024)
PHOTO_MAX_UPLOAD_SIZE = env_int("PHOTO_MAX_UPLOAD_SIZE", 15 * 1024 * 1024)
# No request body may exceed the largest upload plus room for the other form fields.
MAX_REQUEST_SIZE = env_int("MAX_REQUEST_SIZE", RESOURCE_MAX_UPLOAD_SIZE + 2 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Exhibit care: a set is shown as under maintenance when open blocking tickets cover more than
# this share of its exhibits; known faults are suggested above this trigram similarity.
EXHIBIT_MAINTENANCE_SHARE = float(os.environ.get("EXHIBIT_MAINTENANCE_SHARE", "0.2"))
KNOWN_FAULT_MIN_SIMILARITY = float(os.environ.get("KNOWN_FAULT_MIN_SIMILARITY", "0.2"))

# Production hardening, on whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes inside the network speak plain HTTP
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp): scripts only from this site; files may also come from
# the object store's signed URLs.
_storage_origin = []
if AWS_S3_ENDPOINT_URL:
    from urllib.parse import urlparse as _urlparse

    _endpoint = _urlparse(AWS_S3_ENDPOINT_URL)
    _storage_origin = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
_storage_origin += env_list("CSP_EXTRA_MEDIA_ORIGINS")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes (admin previews, chart bars) are harmless; inline scripts are not.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_storage_origin],
        "media-src": ["'self'", "blob:", *_storage_origin],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "config.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print every record a second time through root.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["client_errors"], "propagate": True},
    },
}
