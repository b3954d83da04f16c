"""The browser and a page for each test: Debian's Chromium, never a downloaded browser."""

from urllib.parse import urlparse

import pytest

from .helpers import CHROMIUM


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, universe):
    context = browser.new_context()
    page = context.new_page()
    page.requested_hosts = set()
    page.csp_violations = []
    page.on("request", lambda r: page.requested_hosts.add(urlparse(r.url).netloc))
    # The content security policy is enforced: anything it blocks is a fault of the page.
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    page.base = live_server.url
    yield page
    assert page.csp_violations == [], "the pages broke their own content security policy"
    context.close()
