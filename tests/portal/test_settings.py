"""Settings come from the environment and fail loudly on bad values."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_int_list, env_list

ROOT = Path(__file__).resolve().parents[2]


def run_django(args: list[str], **env: str) -> subprocess.CompletedProcess:
    ours = {"SECRET_KEY", "DEBUG", "PORTAL_BASE_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
    ours |= {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(  # noqa: S603 - runs this project's own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_env_int_checks_numbers_and_minimums(monkeypatch):
    monkeypatch.setenv("MINUTES", "thirty")
    with pytest.raises(ImproperlyConfigured, match="MINUTES must be a whole number"):
        env_int("MINUTES", 30)
    monkeypatch.setenv("MINUTES", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("MINUTES", 30, minimum=1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_a_missing_secret_key_with_debug_off_stops_start_up_saying_what_to_set():
    result = run_django(["check"], PORTAL_BASE_URL="https://portal.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_value_stops_start_up_naming_the_setting():
    result = run_django(["check"], DEBUG="true", SESSION_IDLE_MINUTES="soon")
    assert result.returncode != 0
    assert "SESSION_IDLE_MINUTES must be a whole number" in result.stderr


def test_the_deployment_checklist_passes_with_production_settings():
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="a-long-random-production-secret-key-with-plenty-of-characters-0123456789",
        ALLOWED_HOSTS="portal.example.org",
        PORTAL_BASE_URL="https://portal.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_defaults_are_the_safe_ones(settings):
    # The suite runs with DEBUG off and only SSL redirect relaxed for the test server.
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.LANGUAGE_CODE == "en-gb"


def base_url_with(**env: str) -> str:
    result = run_django(
        ["shell", "-c", "from django.conf import settings; print(settings.PORTAL_BASE_URL)"],
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_e_mailed_links_follow_the_port_the_development_server_runs_on():
    assert base_url_with(DEBUG="true", PORT="8123") == "http://127.0.0.1:8123"
    assert base_url_with(DEBUG="true") == "http://127.0.0.1:8000"
    # A base URL that is set wins: behind a proxy the port served is not the one people use.
    assert (
        base_url_with(DEBUG="true", PORT="8123", PORTAL_BASE_URL="https://portal.example.org")
        == "https://portal.example.org"
    )


def test_make_run_hands_its_port_to_the_demo_and_the_server():
    make = shutil.which("make")
    assert make, "make is needed to run the portal"
    result = subprocess.run(  # noqa: S603 - make, on this project's own Makefile
        [make, "--dry-run", "--always-make", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    # The web server and the task worker start together from the Procfile (honcho), which gives
    # the web server the port it is started with and the worker the same e-mailed address.
    serving = next(line for line in lines if "honcho" in line)
    assert "PORT=8123" in serving and "--port 8123" in serving
    assert "PORT=8123" in next(line for line in lines if "load_demo" in line)
    procfile = (ROOT / "Procfile").read_text()
    assert "runserver 127.0.0.1:${PORT}" in procfile
    assert "PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:${WEB_PORT}}" in procfile


def test_env_int_list_reads_delays_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("DELAYS", "60, 300,900")
    assert env_int_list("DELAYS", [1]) == [60, 300, 900]
    monkeypatch.setenv("DELAYS", "60,soon")
    with pytest.raises(ImproperlyConfigured, match="DELAYS must be whole numbers"):
        env_int_list("DELAYS", [1])


@pytest.mark.parametrize(
    "env,message",
    [
        ({"TASKS_BACKEND": "celery"}, "TASKS_BACKEND must be one of database, rq, immediate"),
        ({"TASKS_BACKEND": "rq"}, "TASKS_BACKEND=rq needs REDIS_URL"),
    ],
)
def test_a_bad_task_backend_stops_start_up_saying_what_to_set(env, message):
    result = run_django(["check"], DEBUG="true", **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_postgresql_never_compiles_the_portals_queries():
    """JIT compiling cost a toolkit page of 10,000 pieces of material 0.6 s for 10 ms of work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
