"""The browser tests' setup, a pytest plugin (the root conftest loads it): Debian's Chromium
driven by Playwright, against the app in pytest-django's live server (a thread of the test's
process) calling the WB emulator over loopback; Chromium talks to nothing else.

Every test marked `browser` gets the app pointed at the emulator (`app`) and fails if its page
logged an error to the console, threw, or broke the Content-Security-Policy (`console`).
Helpers: `visit_as` (a page signed in), `session_cookie`, `screenshot` (into
test-artifacts/screenshots/) and `overflow` (how far a page is wider than its window).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Loopback only: any other host name fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("WBERP_UPDATE_SCREENSHOTS") == "1"


# --- Browser ----------------------------------------------------------------------------------
# pytest-playwright's fixtures, with Playwright's lifetime narrowed to a test module.
#
# The sync API keeps an asyncio loop marked as running in this thread for as long
# as Playwright is started, so Django's ORM, seeing it, refuses to work here
# (SynchronousOnlyOperation). There is no real concurrency: Playwright's loop only
# runs inside its own calls. DJANGO_ALLOW_ASYNC_UNSAFE lifts the guard exactly
# while Playwright runs, and each test module stops Playwright when its tests are done,
# so the rest of the suite keeps the guard.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """The system Chromium; Playwright never downloads a browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts) -> Iterator[Playwright]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            if _pw_api_request_contexts:
                _pw_api_request_contexts.instrument(playwright)
            yield playwright


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict, browser_type: BrowserType):
    return lambda **options: browser_type.launch(**{**browser_type_launch_args, **options})


@pytest.fixture(scope="module")
def browser(launch_browser) -> Iterator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def browser_context_args(live_server) -> dict:
    return {
        "base_url": live_server.url,
        "viewport": {"width": 1280, "height": 800},
        "color_scheme": "light",
        "locale": "ru-RU",
        "timezone_id": "Europe/Moscow",
    }


# --- The app ----------------------------------------------------------------------------------


@pytest.fixture
def app(wb, settings):
    """The live server calls the emulator: `settings` changes are global, so its thread sees them.

    The `wb` fixture points WB_API_BASE_URL at the emulator. Plain HTTP on loopback,
    whatever the environment says about HTTPS.
    """
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return wb


class Console:
    """What the page said that it should not: console errors, uncaught exceptions, CSP reports."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        # Chromium logs a CSP violation as a console error; the DOM event is the second witness.
        page.expose_function("wberpTestCspViolation", self.on_csp_violation)
        page.add_init_script(
            """
            window.wberpTestCspViolations = [];
            document.addEventListener("securitypolicyviolation", (event) => {
                const report = `CSP: ${event.violatedDirective} ${event.blockedURI}`;
                window.wberpTestCspViolation(report);
                window.wberpTestCspViolations.push(report);
            });
            """
        )

    def on_csp_violation(self, report: str) -> None:
        self.problems.append(report)

    def on_console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")


@pytest.fixture
def console(page: Page) -> Iterator[Console]:
    watch = Console(page)
    yield watch
    assert watch.problems == []


@pytest.fixture(autouse=True)
def browser_test(request) -> None:
    """A test marked `browser` runs with the app pointed at the emulator and its page's
    console watched; other tests open no browser."""
    if request.node.get_closest_marker("browser") is not None:
        request.getfixturevalue("app")
        request.getfixturevalue("console")


@pytest.fixture
def visit_as(page: Page, live_server):
    """Open a page signed in, quicker than the form: a session made server-side, its cookie given
    to the browser. The tests that go through the login form show that the form gives the same."""

    def visit(user, to: str = "/tokens/") -> Page:
        page.context.add_cookies([session_cookie(user, live_server.url)])
        page.goto(to)
        return page

    return visit


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": url}


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True, animations="disabled")


def overflow(page: Page) -> int:
    """How far the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
