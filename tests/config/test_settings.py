"""Settings come from environment variables; each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import parse_cache_url, parse_database_url

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "x7#kq9!Lm2@vR4$tN8^pW3&zY6*bC1(dF5)gH0-jK_sQeUiOaZ"
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default'], "
    "'tasks': s.TASKS['default']['BACKEND'], 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, "
    "'languages': [c for c, _ in s.LANGUAGES], 'mw': s.MIDDLEWARE, "
    "'email': s.EMAIL_BACKEND, 'media': str(s.MEDIA_ROOT), 'cache': s.CACHES['default']}, "
    "default=str))"
)


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _MANAGED}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


_MANAGED = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "TASK_BACKEND", "EMAIL_HOST",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CACHE_URL",
    "MEDIA_ROOT",
    # Set by the browser tests for Playwright's event loop; production never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def probe(env: dict[str, str]) -> dict:
    result = run_python(PROBE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_default_is_embedded_sqlite_under_var():
    s = probe({"DEBUG": "1"})
    assert s["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["db"]["NAME"] == str(ROOT / "var" / "db.sqlite3")
    assert s["db"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert s["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["tz"] == "Asia/Tokyo"
    assert s["lang"] == "ja"
    assert s["languages"] == ["ja", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in s["mw"]
    assert s["cache"]["BACKEND"].endswith("LocMemCache")


def test_postgres_from_database_url():
    s = probe(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://app:s%40cret@db.internal:6543/toshima?sslmode=require",
        }
    )
    assert s["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert s["db"]["NAME"] == "toshima"
    assert s["db"]["USER"] == "app"
    assert s["db"]["PASSWORD"] == "s@cret"
    assert s["db"]["HOST"] == "db.internal"
    assert s["db"]["PORT"] == "6543"
    assert s["db"]["OPTIONS"] == {"sslmode": "require"}


def test_production_variables_switch_backends(tmp_path):
    s = probe(
        {
            "DEBUG": "0",
            "SECRET_KEY": PROD_SECRET,
            "ALLOWED_HOSTS": "ict.example.jp",
            "TASK_BACKEND": "database",
            "EMAIL_HOST": "smtp.example.jp",
            "CACHE_URL": "db://django_cache",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    assert s["debug"] is False
    assert s["tasks"] == "django_tasks_db.DatabaseBackend"
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["cache"] == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
    assert s["media"] == str(tmp_path / "media")


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_python(PROBE, {"DEBUG": "0"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_rejects_a_malformed_boolean():
    result = run_python(PROBE, {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": PROD_SECRET,
        "ALLOWED_HOSTS": "ict.example.jp",
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        # The rate limits need a shared, atomic cache (base.checks); check connects to none.
        "CACHE_URL": "redis://cache.internal:6379/0",
        # Texts to residents go to a provider, not the log (classes.checks).
        "SMS_BACKEND": "classes.sms.TwilioBackend",
        "SMS_API_ACCOUNT": "AC0000",
        "SMS_API_TOKEN": "token",
        "SMS_SENDER": "+815000000000",
    }
    result = run_python("", env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:///var/db.sqlite3", "/srv/app/var/db.sqlite3"),
        ("sqlite:////tmp/abs.sqlite3", "/tmp/abs.sqlite3"),
    ],
)
def test_sqlite_paths_relative_and_absolute(url, name):
    assert parse_database_url(url, Path("/srv/app"))["NAME"] == name


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/x", "sqlite://", "postgres://u@host:5432/"]
)
def test_unsupported_or_incomplete_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, Path("/srv/app"))


def test_cache_url_forms():
    assert parse_cache_url("")["BACKEND"].endswith("LocMemCache")
    assert parse_cache_url("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    with pytest.raises(ImproperlyConfigured):
        parse_cache_url("memcached://x")
