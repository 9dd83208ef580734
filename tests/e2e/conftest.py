"""Browser-test fixtures: the app on a live loopback server, one headless Chromium per run, desktop and phone pages.

Chromium is Debian's (`/usr/bin/chromium`, or BACKLINE_CHROMIUM); nothing is downloaded. Without it the browser
tests skip on a developer's machine, and fail when CI=1 or BACKLINE_E2E_REQUIRED=1. When a test fails, every open
page is saved as a full-page screenshot in tests/e2e/artifacts/.
"""

from __future__ import annotations

import glob
import os
import re

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support import live
from tests.support.browser import ARTIFACTS, screenshot

CHROMIUM = os.environ.get("BACKLINE_CHROMIUM", "/usr/bin/chromium")
# Playwright waits this long for an element or a navigation before it fails (its default is 30 s).
TIMEOUT_MS = 10_000

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
}

_browser: Browser | None = None  # the session's browser, for the failure hook


def _required() -> bool:
    return any(os.environ.get(name, "").strip().lower() in {"1", "true", "yes"} for name in ("CI", "BACKLINE_E2E_REQUIRED"))


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served by a real threaded WSGI server on 127.0.0.1 and a free port; yields its base URL."""
    with live.serve(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    global _browser
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)"
        if _required():
            pytest.fail(message + "; the browser tests are required here (CI or BACKLINE_E2E_REQUIRED).", pytrace=False)
        pytest.skip(message)
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        _browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield _browser
        finally:
            _browser.close()
            _browser = None


@pytest.fixture
def open_page(browser, live_server):
    """open_page(device) -> a Page in a fresh browser context ("desktop" 1280x800 or "phone" 390x844, touch)."""
    contexts = []

    def make(device: str = "desktop", **options) -> Page:
        # Reduced motion turns Bootstrap's transitions off, so menus are open (and screenshots settled) at once.
        context = browser.new_context(base_url=live_server, locale="en-GB", reduced_motion="reduce", **DEVICES[device], **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def desktop_page(open_page) -> Page:
    return open_page("desktop")


@pytest.fixture
def phone_page(open_page) -> Page:
    return open_page("phone")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", item.name).strip("-")
    if report.when == "setup":
        for stale in ARTIFACTS.glob(f"{glob.escape(stem)}-[0-9]*.png"):  # an earlier run's failure, not this one's
            stale.unlink()
    if report.failed and report.when in ("setup", "call") and _browser is not None:
        pages = [page for context in _browser.contexts for page in context.pages if not page.is_closed() and page.url != "about:blank"]
        lines = []
        for number, page in enumerate(pages, start=1):
            try:
                lines.append(f"{page.url}: {screenshot(page, f'{stem}-{number}')}")
            except Exception as error:  # a crashed page must not hide the test's own failure
                lines.append(f"{page.url}: no screenshot ({error})")
        if lines:
            print("\nScreenshots of the open pages:\n" + "\n".join(lines))
            report.sections.append(("screenshots of the open pages", "\n".join(lines)))
    return report
