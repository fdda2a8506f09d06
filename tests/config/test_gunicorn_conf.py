"""gunicorn.conf.py: threads by default, sizes from the CPU count, every value from the env."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
NAMES = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_ACCESS_LOG")


@pytest.fixture
def clean_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_are_threaded_workers_per_cpu(clean_env):
    clean_env.setattr("multiprocessing.cpu_count", lambda: 8)
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "gthread"
    assert (conf["workers"], conf["threads"]) == (8, 4)
    assert conf["timeout"] == 60 and conf["keepalive"] > 0
    assert conf["accesslog"] == "-" and "%(D)s" in conf["access_log_format"]


def test_one_cpu_still_gets_two_workers_and_the_environment_wins(clean_env):
    clean_env.setattr("multiprocessing.cpu_count", lambda: 1)
    assert runpy.run_path(str(CONF))["workers"] == 2
    clean_env.setenv("WEB_CONCURRENCY", "3")
    clean_env.setenv("GUNICORN_THREADS", "1")
    clean_env.setenv("GUNICORN_ACCESS_LOG", "")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["accesslog"]) == (3, 1, None)


def test_gunicorn_accepts_the_file():
    from gunicorn.config import Config

    config = Config()
    for name, value in runpy.run_path(str(CONF)).items():
        if name in config.settings:
            config.set(name, value)
    assert config.worker_class_str == "gthread"
