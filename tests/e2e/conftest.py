"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
`live_server` (which makes every test here transactional). Without /usr/bin/chromium the tests
skip, except in CI (CI=true), where that is a failure. A failing test leaves a screenshot of
each of its pages under var/test-screenshots/."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import IN_CI
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).parent
BLUESKY_DIR = E2E_DIR / "bluesky"
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "test-screenshots"
TIMEOUT_MS = 10_000
# "Password:", not "Password (again):" on the sign-up page.
PASSWORD_LABEL = re.compile(r"^Password:?$")

NewPage = Callable[[], Page]

expect.set_options(timeout=TIMEOUT_MS)


def _in_e2e(item: pytest.Item) -> bool:
    """A browser test: under tests/e2e/, except the Bluesky network layer (tests/e2e/bluesky/)."""
    return E2E_DIR in item.path.parents and BLUESKY_DIR not in item.path.parents


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _in_e2e(item):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _in_e2e(item) or CHROMIUM.exists():
        return
    reason = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"CI must run every test, but this one {reason}", pytrace=False)
    pytest.skip(reason)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all tests here, closed before the tests of other packages run.

    Playwright's sync API keeps an asyncio loop running in this thread while it lives, so Django
    would refuse the ORM calls of fixtures and tests as "async unsafe". That check is off only
    for as long as the browser lives: not in later tests, nor in the processes they start (where
    `check --deploy` rejects the variable).
    """
    with (
        pytest.MonkeyPatch.context() as env,
        sync_playwright() as playwright,
    ):
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[NewPage]:
    """Opens a page in a fresh browser context: one more person with their own cookies."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    if request.node.stash.get(_CALL_FAILED, False):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                with contextlib.suppress(PlaywrightError):  # a crashed page has no picture
                    page.screenshot(path=SCREENSHOT_DIR / f"{name}-{n}-{m}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()


@pytest.fixture(autouse=True)
def _links_in_emails_open_the_live_server(settings, live_server) -> None:
    settings.SITE_URL = live_server.url


def _log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    main = page.locator("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label(PASSWORD_LABEL).fill(password)
    main.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def log_in() -> Callable[..., None]:
    """`log_in(page, email, password=PASSWORD)`: through the login form, like a person."""
    return _log_in


def _sign_up(page: Page, email: str, password: str = PASSWORD) -> None:
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Sign Up")
    main.get_by_label("Email").fill(email)
    main.get_by_label(PASSWORD_LABEL).fill(password)
    main.get_by_label("Password (again)").fill(password)
    main.get_by_role("button", name="Sign Up").click()


@pytest.fixture
def sign_up() -> Callable[..., None]:
    """`sign_up(page, email, password=PASSWORD)`: fills in and sends the open sign-up form."""
    return _sign_up
