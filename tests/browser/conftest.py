"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: `make browser` (run by .ci/run) installs Debian's chromium
package and the tests launch that binary. Without it they skip, unless REQUIRE_BROWSER is set (CI), in
which case they fail: CI must never pass without having run them.
"""

import os
import shutil

import pytest

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
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}: run `make browser` (Debian's chromium package)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
