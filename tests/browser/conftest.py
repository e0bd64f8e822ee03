"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: `make browser` (run by .ci/run) installs Debian's chromium
package and the tests launch that binary. Without it they skip, unless REQUIRE_BROWSER is set (CI), in
which case they fail: CI must never pass without having run them.
"""

import os
import shutil

import pytest

from tests.conftest import PASSWORD

# Playwright's sync API keeps an asyncio loop on the main thread; Django's guard against ORM calls from
# async code would trip on the test's own database reads. The live server runs in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}: run `make browser` (Debian's chromium package)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Once Playwright's sync API starts, an event loop counts as running on the main thread and
    # Django hands out new connection objects there, without the serialized test data
    # pytest-django stored on the originals: serialized_rollback tests would then start from an
    # empty database (no sections, no Moderators group). Carry the data across.
    saved = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for alias, contents in saved.items():
            if contents is not None and not hasattr(
                connections[alias], "_test_serialized_contents"
            ):
                # Django's test runner's private attribute, which django-stubs doesn't declare.
                connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies: one per member).

    Contexts close before the live server stops, so no keep-alive connection outlives it.
    """
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def in_the_header(page):
    """What shows a member is logged in: their name in the page header."""
    return page.get_by_role("banner").locator(".current-user")


def log_in(page, username, *, logged_in=in_the_header, totp_secret=None):
    """Log in as `username` (password PASSWORD) through the real form, and with a code from the
    authenticator app when they have two-factor on (totp_secret), then wait until
    logged_in(page) is visible."""
    from playwright.sync_api import expect

    from tests.conftest import totp_code

    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.locator("input[name='code']").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()
    expect(logged_in(page)).to_be_visible()
