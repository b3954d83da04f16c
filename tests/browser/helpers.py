"""Real pages in Debian's Chromium (Playwright), checked by axe-core for WCAG 2.2 AA."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API keeps an event loop on the test thread; the fixtures' database calls
# there are still synchronous, so Django's async guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Each browser test module skips, with the reason, where these are missing.
needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not AXE.exists(),
    reason="Debian's chromium or axe-core is not installed (make test installs both)",
)


def axe_violations(page):
    # axe is served by the app itself, so the page's content security policy allows it.
    if page.url.startswith("http"):
        page.add_script_tag(url=page.base + "/static/axe.min.js")
    else:
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def sign_in(page, username: str, start: str) -> None:
    """Open a page, meet the sign-in form (checked by axe), sign in, and land on the page."""
    from ..factories import PASSWORD

    page.goto(page.base + start)
    assert "/accounts/login/" in page.url
    assert axe_violations(page) == []
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**" + start)
