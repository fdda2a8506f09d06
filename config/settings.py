"""Settings for the Toshima ICT-literacy platform.

One module, driven by environment variables (see README "Environment variables").
The defaults are the embedded set-up: SQLite under var/, media under media/, e-mail to the
console, tasks run immediately. Production switches each of these by environment variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_json,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
    parse_origin,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY を設定してください（DEBUG が無効のときは必須です）。 / "
            "Set SECRET_KEY: it is required when DEBUG is off."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates override those of the packages below.
    "base",
    "accounts",
    "courses",
    "learning",
    "training",
    "classes",
    "analytics",
    # Demo content on top of everything (seed_demo); imported by no app.
    "demo",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.UsersAppConfig",  # wagtail.users with our user forms
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts (django-allauth with MFA)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Staff sign-in with the ward's directory (accounts/sso.py, docs/operations.md "Single sign-on")
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    # Background tasks
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: Content-Security-Policy and Permissions-Policy on every response, errors and the
    # refusals of the middleware below included (SECURITY_CSP below).
    "base.security_headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before the session middleware: the H5P content origin answers only player and package
    # paths, and its responses leave with every cookie stripped.
    "learning.middleware.H5PContentHostMiddleware",
    # Before the session middleware (its cookie lookup is the first query): NUL, lone
    # surrogates and oversized bodies are refused before anything reads them (base.middleware).
    "base.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
    "accounts.middleware.AdminAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Course pages are routed from the shared cache, not by reading the tree (courses.routing).
    "courses.routing.CoursePageRouteMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "base.context_processors.site_chrome",
                "accounts.context_processors.staff_pages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": parse_database_url(env_str("DATABASE_URL", "sqlite:///var/db.sqlite3"), BASE_DIR)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
# A read replica for the analytics figures (analytics/routers.py, docs/analytics.md); in tests
# the alias mirrors default.
if env_str("ANALYTICS_DATABASE_URL"):
    DATABASES["analytics"] = {
        **parse_database_url(env_str("ANALYTICS_DATABASE_URL"), BASE_DIR),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["analytics.routers.AnalyticsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": parse_cache_url(env_str("CACHE_URL"))}

# --- Accounts ---------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the user with their roles in one query.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's defaults include login_failed (5 failures per 5 minutes per account and IP);
# spelled out here so the policy is visible and can be tightened in one place.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[豊島区 ICT学習] "

MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "豊島区 ICT学習")
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn needs HTTPS; browsers treat http://localhost as secure, allauth needs telling.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Roles (accounts.roles.Role values) that must set up a second factor before they reach any
# page but the MFA set-up (README, "Roles and access"): every role, 職員 included, as the
# design asks. A sign-in whose second factor was the identity provider's is exempt
# (accounts.middleware.SSO_SECOND_FACTOR_SESSION_KEY).
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["staff", "trainer", "counter", "admin"])
# TOTP secrets and recovery-code seeds are stored encrypted (accounts.mfa_secrets): Fernet keys,
# comma-separated; the first encrypts, all decrypt (rotation: docs/operations.md). Required
# when DEBUG is off; with DEBUG on a key derived from SECRET_KEY stands in.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS", [])
# Staff API tokens (accounts.tokens) expire this many days after issue at the latest.
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 180)

# Staff sign-in with the ward's directory over OpenID Connect (accounts/sso.py): on when
# SSO_OIDC_SERVER_URL (the issuer, whose /.well-known/openid-configuration is read) and the
# client are set. Only people already in the roster sign in (matched by employee number, then
# e-mail); nobody is created, no local password is needed, and the identity provider's
# second factor stands for ours.
SSO_OIDC_SERVER_URL = env_str("SSO_OIDC_SERVER_URL")
SSO_OIDC_CLIENT_ID = env_str("SSO_OIDC_CLIENT_ID")
SSO_OIDC_CLIENT_SECRET = env_str("SSO_OIDC_CLIENT_SECRET")
SSO_OIDC_NAME = env_str("SSO_OIDC_NAME", "庁内ディレクトリ")
# The claim carrying the employee number (職員番号), as the roster import stores it.
SSO_EMPLOYEE_NUMBER_CLAIM = env_str("SSO_EMPLOYEE_NUMBER_CLAIM", "employee_number")
# The same over SAML 2.0 (Active Directory Federation Services, Entra ID, Shibboleth …): on
# when the identity provider's entity ID, single sign-on URL and signing certificate are set
# (or its metadata URL instead of the last two). Assertions must be signed with that
# certificate; sign-ins the provider starts on its own are refused. The SP metadata is at
# /accounts/saml/<SSO_SAML_SLUG>/metadata/ (docs/operations.md "Single sign-on").
SSO_SAML_SLUG = env_str("SSO_SAML_SLUG", "ward")
SSO_SAML_NAME = env_str("SSO_SAML_NAME", SSO_OIDC_NAME)
SSO_SAML_IDP_ENTITY_ID = env_str("SSO_SAML_IDP_ENTITY_ID")
SSO_SAML_IDP_SSO_URL = env_str("SSO_SAML_IDP_SSO_URL")
SSO_SAML_IDP_METADATA_URL = env_str("SSO_SAML_IDP_METADATA_URL")
SSO_SAML_IDP_X509CERT = env_str("SSO_SAML_IDP_X509CERT")
if not SSO_SAML_IDP_X509CERT and env_str("SSO_SAML_IDP_X509CERT_FILE"):
    SSO_SAML_IDP_X509CERT = Path(env_str("SSO_SAML_IDP_X509CERT_FILE")).read_text()
SSO_SAML_SP_ENTITY_ID = env_str("SSO_SAML_SP_ENTITY_ID")
# Attributes carrying the employee number (職員番号) and the e-mail address; the defaults are
# the LDAP names' OIDs (employeeNumber, mail) most directories release.
SSO_SAML_EMPLOYEE_NUMBER_ATTRIBUTE = env_str(
    "SSO_SAML_EMPLOYEE_NUMBER_ATTRIBUTE", "urn:oid:2.16.840.1.113730.3.1.3"
)
SSO_SAML_EMAIL_ATTRIBUTE = env_str("SSO_SAML_EMAIL_ATTRIBUTE", "urn:oid:0.9.2342.19200300.100.1.3")
SSO_SAML_CONFIGURED = bool(
    SSO_SAML_IDP_ENTITY_ID
    and (SSO_SAML_IDP_METADATA_URL or (SSO_SAML_IDP_SSO_URL and SSO_SAML_IDP_X509CERT))
)
SSO_FORM_ACTION_ORIGINS = sorted(
    {
        f"{parts.scheme}://{parts.netloc}"
        for parts in map(
            urlsplit,
            [SSO_OIDC_SERVER_URL, SSO_SAML_IDP_SSO_URL or SSO_SAML_IDP_METADATA_URL],
        )
        if parts.scheme in ("http", "https") and parts.netloc
    }
    | set(env_list("CSP_FORM_ACTION_SOURCES"))
)
SOCIALACCOUNT_ADAPTER = "accounts.sso.StaffSSOAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "ward",
                    "name": SSO_OIDC_NAME,
                    "client_id": SSO_OIDC_CLIENT_ID,
                    "secret": SSO_OIDC_CLIENT_SECRET,
                    "settings": {"server_url": SSO_OIDC_SERVER_URL},
                }
            ]
            if SSO_OIDC_SERVER_URL and SSO_OIDC_CLIENT_ID
            else []
        ),
    },
    "saml": {
        "APPS": (
            [
                {
                    "name": SSO_SAML_NAME,
                    # allauth names the SAML app by its client_id: the slug in its URLs.
                    "client_id": SSO_SAML_SLUG,
                    "settings": {
                        "idp": {
                            "entity_id": SSO_SAML_IDP_ENTITY_ID,
                            "sso_url": SSO_SAML_IDP_SSO_URL,
                            "x509cert": SSO_SAML_IDP_X509CERT,
                            **(
                                {"metadata_url": SSO_SAML_IDP_METADATA_URL}
                                if SSO_SAML_IDP_METADATA_URL
                                else {}
                            ),
                        },
                        "sp": {"entity_id": SSO_SAML_SP_ENTITY_ID},
                        "attribute_mapping": {
                            "email": [SSO_SAML_EMAIL_ATTRIBUTE],
                            "employee_number": [SSO_SAML_EMPLOYEE_NUMBER_ATTRIBUTE],
                        },
                        "advanced": {
                            "strict": True,
                            "want_assertion_signed": True,
                            "reject_idp_initiated_sso": True,
                            "reject_deprecated_algorithm": True,
                        },
                    },
                }
            ]
            if SSO_SAML_CONFIGURED
            else []
        ),
    },
}

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# Named date formats per language (config/formats/ja, en): templates write |date:"DATE_FORMAT"
# or one of our names (WEEKDAY_DATE_FORMAT …), never a Japanese pattern, so English shows
# English dates.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media -------------------------------------------------------------------

STATIC_URL = env_str("STATIC_URL", "/static/")
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the installed plotly package (analytics/staticfiles.py), not a CDN.
    "analytics.staticfiles.PlotlyFinder",
]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

STORAGES = {
    # MEDIA_STORAGE takes a dotted storage class, e.g. storages.backends.s3.S3Storage, and
    # MEDIA_STORAGE_OPTIONS its options as JSON; nothing else in the code changes.
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("MEDIA_STORAGE_OPTIONS"),
    },
    # Files only the application hands out (analytics Excel exports), outside MEDIA_ROOT so
    # neither the proxy nor the development server can serve them by URL.
    "private": {
        "BACKEND": env_str("PRIVATE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("PRIVATE_STORAGE_OPTIONS")
        or {"location": env_str("PRIVATE_ROOT", str(BASE_DIR / "var" / "private"))},
    },
    "staticfiles": {
        # Hashed file names (long cache lifetimes behind the proxy) need collectstatic first.
        "BACKEND": (
            "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# Largest request body (files in multipart forms not counted) and most form fields; over them
# base.middleware answers 413 / 400 with a message before anything reads the body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "豊島区 ICT学習 <no-reply@example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS (classes.sms; docs/operations.md "SMS") ------------------------------------------

# classes.sms.ConsoleBackend (default), FileBackend (SMS_FILE_PATH), LocmemBackend (tests) or
# TwilioBackend (an HTTP provider with Twilio's API shape: the four SMS_API_* / SMS_SENDER).
SMS_BACKEND = env_str("SMS_BACKEND", "classes.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH")
SMS_API_URL = env_str("SMS_API_URL", "https://api.twilio.com")
SMS_API_ACCOUNT = env_str("SMS_API_ACCOUNT")
SMS_API_TOKEN = env_str("SMS_API_TOKEN")
SMS_SENDER = env_str("SMS_SENDER")
SMS_API_TIMEOUT = env_int("SMS_API_TIMEOUT", 10)

# --- Background tasks -------------------------------------------------------------------

TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
_task_backend = env_str("TASK_BACKEND", "immediate")
if _task_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {_task_backend!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_task_backend]}}

# --- Wagtail ----------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "豊島区 ICT学習"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_LOGIN_URL = "account_login"
# Private Wagtail pages send visitors here instead of Wagtail's password-only login form.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
# Passwords are reset through allauth only, so that one flow (and its rate limits) applies.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Lesson videos (MP4, WebM) and their WebVTT captions are documents too.
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "txt", "csv", "vtt", "mp4", "webm"]
# No avatars from gravatar.com (an MD5 of each shown user's e-mail, and no request may leave
# the closed network): Wagtail shows its own default avatar or an uploaded one instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Security ---------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# Seconds a staff search for a name or phone number stays readable by its id (base.private_search).
PRIVATE_SEARCH_MAX_AGE = env_int("PRIVATE_SEARCH_MAX_AGE", 30 * 60)
CSRF_COOKIE_HTTPONLY = False
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For); the
# rate limits and allauth count requests per client address found this way.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# /healthz is probed over plain HTTP by load balancers inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy of the app's pages, directive → sources (base/security_headers.py
# adds frame-src for the H5P player, frame-ancestors from X-Frame-Options, and the origins of
# STATIC_URL and MEDIA_URL). Values and reasons: docs/operations.md "Security headers".
# The H5P player page and package files send their own (learning/h5p/serving.py).
SECURITY_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    # Lesson videos given by URL (courses.blocks.VideoBlock) may come from these origins.
    "media-src": ["'self'", *env_list("CSP_MEDIA_SOURCES")],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    # Staff sign-in forms post to us and are redirected to the identity provider, which
    # browsers check against form-action too: its origin is allowed when SSO is on.
    "form-action": ["'self'", *SSO_FORM_ACTION_ORIGINS],
}
# Sources added for paths starting with a prefix.
SECURITY_CSP_EXTRA = {
    # Wagtail's admin writes inline <script> for its date pickers and inline panels, inline
    # styles, blob: image previews, and frames its own previews.
    "/admin/": {
        "script-src": ["'unsafe-inline'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["blob:"],
        "frame-src": ["'self'"],
    },
    # plotly.js draws its charts with <style> elements and style attributes (no script).
    "/analytics/": {"style-src": ["'unsafe-inline'"]},
}
# Permissions-Policy: powerful features off, geolocation for the app itself (classes near me).
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": ["self"],
    "display-capture": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "bluetooth": [],
    "midi": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "screen-wake-lock": [],
    "xr-spatial-tracking": [],
    "idle-detection": [],
    "browsing-topics": [],
}
# Features allowed on single views (URL names): the camera for the trainer's QR check-in.
PERMISSIONS_POLICY_EXTRA = {"classes_staff:checkin": {"camera": ["self"]}}

# --- Platform ---------------------------------------------------------------------------

# Fallbacks for the site settings (base.SiteSettings) before an admin has filled them in.
WARD_NAME = "豊島区"
HELP_PHONE = env_str("HELP_PHONE", "03-3981-1111")
# Booking abuse (classes.abuse): one policy for every channel a resident reaches (booking
# form and API; reference look-ups and cancellations on the pages and the API), counted per
# client IP and per phone number ("20/m", "1000/h", "5/10m"); staff channels are exempt. Load
# tests raise them. Counted in CACHE_URL's cache (base.ratelimit), which production must share
# between processes and count atomically: redis:// (base.checks refuses locmem and db:// there).
# API_BOOKING_RATE_LIMIT is the former name of CLASSES_BOOKING_RATE_LIMIT, still read.
CLASSES_BOOKING_RATE_LIMIT = env_str(
    "CLASSES_BOOKING_RATE_LIMIT", env_str("API_BOOKING_RATE_LIMIT", "10/10m")
)
CLASSES_BOOKING_PHONE_RATE_LIMIT = env_str("CLASSES_BOOKING_PHONE_RATE_LIMIT", "5/10m")
# Look-ups of a booking by reference + phone, so that references cannot be guessed by trying.
CLASSES_LOOKUP_RATE_LIMIT = env_str("CLASSES_LOOKUP_RATE_LIMIT", "10/10m")
CLASSES_LOOKUP_PHONE_RATE_LIMIT = env_str("CLASSES_LOOKUP_PHONE_RATE_LIMIT", "10/10m")
# Live bookings (confirmed or waiting, sessions not yet ended) one phone number may hold
# through the form and the API; 0 = no cap. Counter and phone staff may book beyond it.
CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = env_int("CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE", 3)
# 不審な申込 (staff page): resident bookings from one address or one phone pattern, each
# within this many minutes of the previous, at least CLASSES_SUSPICIOUS_MIN_BOOKINGS of them,
# made in the last CLASSES_SUSPICIOUS_DAYS days.
CLASSES_SUSPICIOUS_WINDOW_MINUTES = env_int("CLASSES_SUSPICIOUS_WINDOW_MINUTES", 10)
CLASSES_SUSPICIOUS_MIN_BOOKINGS = env_int("CLASSES_SUSPICIOUS_MIN_BOOKINGS", 3)
CLASSES_SUSPICIOUS_DAYS = env_int("CLASSES_SUSPICIOUS_DAYS", 7)
# Class mails (outbox, classes.notifications): a failed send is tried again after
# CLASSES_MAIL_RETRY_MINUTES, doubling each time; after CLASSES_MAIL_MAX_ATTEMPTS tries the
# person goes on the 要電話連絡 list. `manage.py send_class_mails` sends what is due.
CLASSES_MAIL_MAX_ATTEMPTS = env_int("CLASSES_MAIL_MAX_ATTEMPTS", 5)
CLASSES_MAIL_RETRY_MINUTES = env_int("CLASSES_MAIL_RETRY_MINUTES", 10)
# Check-in and attendance are accepted on the session's day only: from this many minutes
# before the start until the end of that day (classes.services.check_attendance_window).
CLASSES_CHECKIN_OPENS_MINUTES = env_int("CLASSES_CHECKIN_OPENS_MINUTES", 60)
# Retention (docs/operations.md "Retention"; manage.py purge_personal_data, daily): days after
# a booking's class ended, an audit entry, a sent mail's record, an xAPI statement was written.
RESIDENT_DATA_RETENTION_DAYS = env_int("RESIDENT_DATA_RETENTION_DAYS", 365)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 3 * 365)
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 90)
XAPI_STATEMENT_RETENTION_DAYS = env_int("XAPI_STATEMENT_RETENTION_DAYS", 365)
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 500)
# Key of the bookings' person key (classes.keys); SECRET_KEY when empty. Never change it.
PERSON_KEY_SECRET = env_str("PERSON_KEY_SECRET")
# xAPI statements per learner, and look-ups of the public certificate page per client IP.
XAPI_RATE_LIMIT = env_str("XAPI_RATE_LIMIT", "120/m")
CERTIFICATE_VERIFY_RATE_LIMIT = env_str("CERTIFICATE_VERIFY_RATE_LIMIT", "30/10m")
TEXT_SIZE_COOKIE = "text_size"
# Mandatory-training mails (training.reminders): days before the due date to remind on,
# how often to remind while overdue, and the weekday of the managers' digest (0 = Monday).
TRAINING_REMINDER_DAYS = env_str("TRAINING_REMINDER_DAYS", "14,3")
TRAINING_OVERDUE_EVERY_DAYS = env_int("TRAINING_OVERDUE_EVERY_DAYS", 7)
TRAINING_DIGEST_WEEKDAY = env_int("TRAINING_DIGEST_WEEKDAY", 0)
# Small cells (analytics.suppression): resident counts from 1 to ANALYTICS_MIN_CELL - 1 are
# hidden on every analytics page and file, and shown as ANALYTICS_SUPPRESSED_LABEL ("{k}" is
# replaced by the minimum: "<{k}" → "<5"; the ward may prefer "−"). 1 would hide nothing.
ANALYTICS_MIN_CELL = env_int("ANALYTICS_MIN_CELL", 5)
if ANALYTICS_MIN_CELL < 2:
    raise ImproperlyConfigured(f"ANALYTICS_MIN_CELL must be 2 or more, not {ANALYTICS_MIN_CELL}.")
ANALYTICS_SUPPRESSED_LABEL = env_str("ANALYTICS_SUPPRESSED_LABEL", "<{k}")
# Cells hidden although not small (so a small one cannot be worked out from totals or from a
# wider filter) and hidden rates: "x", the 秘匿 mark of Japanese official statistics.
ANALYTICS_PROTECTED_LABEL = env_str("ANALYTICS_PROTECTED_LABEL", "x")

# --- H5P player (docs/h5p-hosting.md) ----------------------------------------------------

# The separate, cookieless origin that serves the H5P player and package files, e.g.
# https://h5p-content.example.jp (its host is added to ALLOWED_HOSTS). Empty: the player runs
# on the app's own origin in a sandboxed iframe without allow-same-origin (an opaque origin).
H5P_CONTENT_ORIGIN = parse_origin("H5P_CONTENT_ORIGIN", env_str("H5P_CONTENT_ORIGIN"))
# Development only: with H5P_CONTENT_ORIGIN empty, an app reached at 127.0.0.1 or [::1] gets
# its content from http://localhost on the same port (one runserver, two sites).
H5P_DEV_CONTENT_ORIGIN = env_bool("H5P_DEV_CONTENT_ORIGIN", DEBUG)
if H5P_CONTENT_ORIGIN and "*" not in ALLOWED_HOSTS:
    _content_host = urlsplit(H5P_CONTENT_ORIGIN).hostname or ""
    _content_host = f"[{_content_host}]" if ":" in _content_host else _content_host
    if _content_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_content_host)
# The app origins whose lesson pages embed the player from H5P_CONTENT_ORIGIN (its CSP
# frame-ancestors). Default: the origin of WAGTAILADMIN_BASE_URL and CSRF_TRUSTED_ORIGINS.
H5P_APP_ORIGINS = [
    parse_origin("H5P_APP_ORIGINS", origin)
    for origin in env_list(
        "H5P_APP_ORIGINS",
        [
            "{0.scheme}://{0.netloc}".format(urlsplit(WAGTAILADMIN_BASE_URL)),
            *CSRF_TRUSTED_ORIGINS,
        ],
    )
]
# How long a player launch (made when a signed-in learner opens a lesson) stays valid.
H5P_LAUNCH_MAX_AGE = env_int("H5P_LAUNCH_MAX_AGE", 2 * 60 * 60)
# Saved player state (resume) per activity, in bytes; larger saves are refused with 413.
H5P_STATE_MAX_BYTES = env_int("H5P_STATE_MAX_BYTES", 64 * 1024)
H5P_STATE_RATE_LIMIT = env_str("H5P_STATE_RATE_LIMIT", "60/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Every task start and finish at INFO drowns the command output.
        "django_tasks": {"level": "WARNING"},
    },
}
