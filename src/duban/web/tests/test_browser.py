"""Smoke test in a real Chromium: an operator signs in and lands on the intake desk.

Run with ``pytest -m browser``; uses Debian's chromium (``playwright install`` cannot
download browsers here) and leaves a screenshot in docs/screenshots/login.png.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from duban.testing.personas import make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = settings.PROJECT_DIR / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_signs_in(live_server, page, district):
    make_user("operator", "operator", district.centre)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "督办平台"
    page.fill("#id_username", "operator")
    page.fill("#id_password", "pass-12345")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if os.environ.get("DUBAN_SCREENSHOTS") == "1":  # regenerate the committed screenshot
        page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/intake/")
    assert "受理台" in page.locator("h1").inner_text()
