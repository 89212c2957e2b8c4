"""Fixtures for the real-browser tests of every app: Playwright driving Debian's Chromium against the live server.

Without Chromium (at /usr/bin/chromium or $TIDTAM_CHROMIUM) they skip with the reason, unless
TIDTAM_REQUIRE_BROWSER=1, which turns the skip into a failure (CI).
"""

import os
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    for candidate in (os.environ.get("TIDTAM_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module.

    Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse the test's own
    database calls (SynchronousOnlyOperation) while the browser is open; the flag allows them, for these tests only.
    """
    path = chromium_path()
    if path is None:
        reason = "Chromium not found at /usr/bin/chromium or $TIDTAM_CHROMIUM"
        if os.environ.get("TIDTAM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and TIDTAM_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh Thai-locale page on the live server; fails the test on JavaScript errors or missing assets."""
    context = browser.new_context(base_url=live_server.url, locale="th-TH", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("response", lambda r: r.status >= 400 and "/static/" in r.url and problems.append(f"{r.status} {r.url}"))
    yield tab
    context.close()
    assert not problems, problems
