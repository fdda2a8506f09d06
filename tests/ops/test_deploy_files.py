"""deploy/ stays runnable: the commands its units start exist with the options given, every
timer has a service, and the environment example sets only variables the settings read."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from config.settings import TASK_BACKENDS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
TIMERS = sorted((DEPLOY / "systemd").glob("*.timer"))
APP_DIR = "/srv/toshima-ict"
ENV_FILE = "/etc/toshima-ict/toshima-ict.env"
# Every way the configuration reads a variable: config.env helpers, parse_origin, gunicorn.conf.py.
READ = re.compile(
    r"""(?:env_str|env_bool|env_int|env_list|parse_origin|_int|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(path, encoding="utf-8")
    return parser


def _variables_read() -> set[str]:
    sources = [
        ROOT / "config" / "settings.py",
        ROOT / "config" / "env.py",
        ROOT / "gunicorn.conf.py",
    ]
    return {name for src in sources for name in READ.findall(src.read_text(encoding="utf-8"))}


def test_there_are_units_for_the_server_the_worker_and_each_daily_job():
    names = {p.stem for p in UNITS}
    assert {"toshima-ict-web", "toshima-ict-worker", "toshima-ict-purge"} <= names
    assert {p.stem for p in TIMERS} >= {
        "toshima-ict-class-mails",
        "toshima-ict-class-reminders",
        "toshima-ict-training-reminders",
        "toshima-ict-purge",
    }


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_every_unit_runs_an_existing_command_with_valid_options(path: Path, settings):
    # As in production (the environment example): the task queue in the database.
    settings.TASKS = {"default": {"BACKEND": TASK_BACKENDS["database"]}}
    service = _unit(path)["Service"]
    assert service["WorkingDirectory"] == APP_DIR
    assert service["EnvironmentFile"] == ENV_FILE
    argv = shlex.split(service["ExecStart"])
    assert argv[0].startswith(f"{APP_DIR}/.venv/bin/")
    if argv[0].endswith("/gunicorn"):
        assert argv[1:] == ["-c", "gunicorn.conf.py", "config.wsgi"]
        assert (ROOT / "gunicorn.conf.py").is_file() and (ROOT / "config" / "wsgi.py").is_file()
        return
    assert argv[0].endswith("/python") and argv[1] == "manage.py", argv
    name, options = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"{path.name} runs manage.py {name}, which does not exist"
    command = load_command_class(commands[name], name)
    # argparse exits on an unknown option or a bad value: the options must parse as given.
    command.create_parser("manage.py", name).parse_args(options)


@pytest.mark.parametrize("path", TIMERS, ids=lambda p: p.name)
def test_every_timer_starts_a_oneshot_service(path: Path):
    timer = _unit(path)["Timer"]
    assert timer["OnCalendar"] and timer["Persistent"] == "true"
    service = path.with_suffix(".service")
    assert service.is_file(), f"{path.name} has no {service.name}"
    assert _unit(service)["Service"]["Type"] == "oneshot"


def test_the_environment_example_sets_only_variables_the_settings_read():
    read = _variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "WEB_CONCURRENCY"} <= read  # the regex works
    lines = (DEPLOY / "toshima-ict.env.example").read_text(encoding="utf-8").splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert names, "the example sets nothing"
    assert sorted(set(names) - read) == []
    assert len(names) == len(set(names)), "a variable is set twice"


def test_the_nginx_site_proxies_to_gunicorns_bind_and_never_serves_h5p_packages_raw():
    site = (DEPLOY / "nginx" / "toshima-ict.conf").read_text(encoding="utf-8")
    bind = re.search(r'GUNICORN_BIND", "([^"]+)"', (ROOT / "gunicorn.conf.py").read_text())
    assert bind and f"server {bind.group(1)};" in site
    assert re.search(r"location /media/h5p/ \{ return 404; \}", site)


def test_check_deploy_is_clean_with_the_environment_example(tmp_path):
    """The documented production environment passes ``check --deploy`` with no warning, once
    its placeholders are filled (secrets generated, the database a local file)."""
    from cryptography.fernet import Fernet
    from django.utils.crypto import get_random_string

    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
    for line in (DEPLOY / "toshima-ict.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env.update(
        SECRET_KEY=get_random_string(60),
        PERSON_KEY_SECRET=get_random_string(60),
        MFA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_ROOT=str(tmp_path / "private"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
