"""Real-browser tests: Playwright drives Debian's Chromium against the live test server.

Every page a test lands on must be scanned with axe-core for WCAG 2.2 A/AA violations and for
slips in its visible text (a doubled word, doubled punctuation); the test fails if it visited a
page it did not scan, or if the browser logged any error (a failed request, a script error, a
Content-Security-Policy violation).
"""

import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
INSTALL_HINT = "Chromium is not installed; install it with: apt-get install -y chromium"

# In the text a reader sees: the same word twice in a row ("the the", in any case; words on
# either side of a line break or a table cell are not in a row), or doubled punctuation ("..",
# "??", ".:", ",,", "!!"; an ellipsis "..." is fine).
DOUBLED = re.compile(
    r"\b(?P<word>[^\W\d_]+)[ \u00a0]+(?P=word)\b|(?<!\.)\.\.(?!\.)|\?\?|\.:|,,|!!",
    re.IGNORECASE,
)


def doubled_text(text: str) -> list[str]:
    """Each doubled word or doubled punctuation in the text, with a little of what surrounds it."""
    return [
        text[max(match.start() - 30, 0) : match.end() + 30].replace("\n", " / ")
        for match in DOUBLED.finditer(text)
    ]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM))
    if missing and os.environ.get("CI"):
        raise pytest.UsageError(INSTALL_HINT)
    # Browser tests run last: while Playwright runs, database connections opened by other tests
    # land in its context and would outlive the test database.
    items.sort(key=lambda item: Path(item.fspath).is_relative_to(here))
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=INSTALL_HINT))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


class Visit:
    """The browser tab of one test, which insists that every page it lands on is scanned."""

    def __init__(self, page, base_url: str):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.base_url = base_url
        self.axe = Axe()
        self.errors: list[str] = []
        self.landed: list[str] = []
        self.scanned: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("framenavigated", self._navigated)

    def _console(self, message) -> None:
        if message.type in {"error", "warning"} and "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text}")
        elif message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.landed.append(frame.url)

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.scan()
        return self.page

    def scan(self) -> None:
        """Run axe-core on the page as it is now; fail on any WCAG 2.2 A/AA violation, and on a
        doubled word or doubled punctuation in the text it shows."""
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, (
            f"Accessibility violations on {self.page.url}:\n{results.generate_report()}"
        )
        slips = doubled_text(self.page.evaluate("document.body.innerText"))
        assert not slips, f"Doubled words or punctuation on {self.page.url}:\n" + "\n".join(slips)
        self.scanned.add(self.page.url)

    def sign_in(self, email: str, password: str) -> None:
        """Both steps, as a person does them: the password, then the code from their app (or,
        without an app yet, setting one up from the key the page shows)."""
        self.goto("/sign-in/")
        self.page.get_by_label("E-mail address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")
        self.scan()
        if "/sign-in/code/" in self.page.url:
            self.enter_code(email)
        elif "/account/two-step/set-up/" in self.page.url:
            self.set_up_authenticator()

    def enter_code(self, email: str) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.factories import current_code

        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=True)
        self.page.get_by_label("Code from your authenticator app").fill(current_code(device))
        self.page.get_by_role("button", name="Continue").click()
        self.page.wait_for_load_state("load")
        self.scan()

    def set_up_authenticator(self) -> None:
        """Type the key shown on the page into an "app" (the TOTP algorithm) and enter its code."""
        from base64 import b32decode

        from django_otp.oath import totp

        key = self.page.locator(".two-step-qr ~ code, li code").first.inner_text().replace(" ", "")
        # As a person would, wait for a fresh code rather than type one about to change: with no
        # tolerance, a code typed in the last moment of its 30 seconds can arrive too late.
        left = 30 - time.time() % 30
        if left < 3:
            time.sleep(left + 0.1)
        code = totp(b32decode(key + "=" * (-len(key) % 8)))
        self.page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
        self.page.get_by_role("button", name="Turn on two-step sign-in").click()
        self.page.wait_for_load_state("load")
        self.scan()
        self.page.get_by_role("link", name="I have saved them: continue").click()
        self.page.wait_for_load_state("load")
        self.scan()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state("load")
        self.scan()

    @contextmanager
    def expecting_errors(self, *patterns: str, timeout: float = 5.0):
        """For a test that breaks something on purpose, such as a connection: inside the block
        the browser must report exactly one error matching each pattern (a regular expression),
        and those errors, and only those, are not held against the test."""
        before = len(self.errors)
        yield
        deadline = time.monotonic() + timeout
        while len(self.errors) - before < len(patterns) and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # Lets Playwright deliver the console events.
        caused = self.errors[before:]
        unmatched = list(caused)
        for pattern in patterns:
            match = next((error for error in unmatched if re.search(pattern, error)), None)
            assert match is not None, (
                f"The browser did not report {pattern!r}; it reported {caused}"
            )
            unmatched.remove(match)
        assert not unmatched, "The browser reported unexpected errors:\n" + "\n".join(unmatched)
        del self.errors[before:]

    def check_finished(self) -> None:
        unscanned = [url for url in self.landed if url not in self.scanned]
        assert not unscanned, f"Pages visited without an accessibility scan: {unscanned}"
        assert not self.errors, "The browser reported errors:\n" + "\n".join(self.errors)


@pytest.fixture
def visit(browser, live_server, transactional_db, settings):
    # The live server finds static files by name; hashed manifest names are for production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/London"
    )
    tab = Visit(context.new_page(), live_server.url)
    yield tab
    context.close()
    tab.check_finished()
