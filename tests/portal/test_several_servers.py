"""Several web servers: two gunicorn instances on one database and one Redis count rate limits and
sign-in lockouts together, and a session works whichever of them answers. Without REDIS_URL the
deployment checklist warns."""

import http.client
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from tests.portal.test_settings import run_django
from tests.servers import BASE_DIR, gunicorn, redis_database

REDIS_URL = "redis://127.0.0.1:6379/7"
PASSWORD = "a-long-test-password-for-two-servers"  # noqa: S105
DEPLOYMENT = {
    "SECRET_KEY": "deployment-check-only-5c0e9a27d1f84b6e93a2c7d08f1e4b5a6c9d2e7f3a1b8c4d",
    "ALLOWED_HOSTS": "portal.example.org",
    "PORTAL_BASE_URL": "https://portal.example.org",
}


def test_the_deployment_checklist_warns_when_there_is_no_shared_cache():
    alone = run_django(["check", "--deploy", "--fail-level", "WARNING"], **DEPLOYMENT)
    assert alone.returncode != 0
    assert "portal.W001" in alone.stderr
    assert "REDIS_URL is not set" in alone.stderr
    shared = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"], **DEPLOYMENT, REDIS_URL=REDIS_URL
    )
    assert shared.returncode == 0, shared.stderr
    assert "portal.W001" not in shared.stdout + shared.stderr


def test_no_warning_in_development():
    assert "portal.W001" not in run_django(["check", "--deploy"], DEBUG="true").stderr


class Browser:
    """Cookies kept by hand, sent to whichever server is asked."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server, method: str, path: str, form: dict | None = None):
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.headers, content

    def sign_in(self, server, email: str, password: str):
        path = reverse("agencies:sign-in")
        _, _, page = self.request(server, "GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            server,
            "POST",
            path,
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
        )


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    """Two gunicorn instances (one worker each) on one SQLite file and Redis database 7."""
    redis_database(REDIS_URL, needed_for="sessions shared by two servers").flushdb()
    folder = tmp_path_factory.mktemp("two-servers")
    environment = {
        "SECRET_KEY": "two-servers-test-only-not-a-secret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": REDIS_URL,
        "SIGN_IN_FAILURE_LIMIT": "3",
        "MFA_REQUIRED_FOR_PARTNERS": "false",
        "LOG_LEVEL": "WARNING",
    }
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(environment)
    for command in (
        ["migrate", "--noinput", "--verbosity", "0"],
        [
            "shell",
            "-c",
            "from agencies.models import User; "
            f"User.objects.create_user('two.servers@example.org', '{PASSWORD}'); "
            f"User.objects.create_user('locked.out@example.org', '{PASSWORD}')",
        ],
    ):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, timeout=300
        )
    with (
        gunicorn(folder / "a", environment, workers=1) as first,
        gunicorn(folder / "b", environment, workers=1) as second,
    ):
        yield first, second
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_a_rate_limit_counts_requests_to_both_servers(two_servers):
    first, second = two_servers
    browser = Browser()
    path = reverse("agencies:invitation-open", args=["not-a-real-invitation-token"])
    # The limit is 20 opened invitation links per address in 15 minutes: 10 to each server.
    for server in (first, second) * 10:
        assert browser.request(server, "GET", path)[0] == 302
    assert browser.request(first, "GET", path)[0] == 429
    assert browser.request(second, "GET", path)[0] == 429


def test_a_lockout_counts_failures_on_both_servers(two_servers):
    first, second = two_servers
    browser = Browser()
    for server in (first, second):
        status, _, page = browser.sign_in(server, "locked.out@example.org", "wrong password")
        assert status == 200, page
    # The third failure (the limit), wherever it lands, pauses sign-in...
    status, _, page = browser.sign_in(first, "locked.out@example.org", "wrong password")
    assert status == 429
    assert "Sign-in paused for this e-mail address" in page
    # ...even with the right password, on the other server.
    status, _, page = browser.sign_in(second, "locked.out@example.org", PASSWORD)
    assert status == 429
    assert "Sign-in paused for this e-mail address" in page


def test_a_session_works_whichever_server_answers(two_servers):
    first, second = two_servers
    browser = Browser()
    status, headers, _ = browser.sign_in(first, "two.servers@example.org", PASSWORD)
    assert status == 302, headers
    status, headers, _ = browser.request(second, "GET", reverse("home"))
    assert status == 200, headers.get("Location")
    status, headers, _ = browser.request(first, "GET", reverse("home"))
    assert status == 200, headers.get("Location")
    log = Path(first.log_path).read_text() + Path(second.log_path).read_text()
    assert "Traceback" not in log
