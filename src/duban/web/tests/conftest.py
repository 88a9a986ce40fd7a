"""Helpers for page tests: a signed-in client per persona, tickets in a given state."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from duban.org.models import User

# Browser tests drive Playwright's sync API (an event loop in this thread) beside the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def recent() -> datetime:
    """A moment two hours ago: tickets made then are fresh for the pages (which use real time)."""
    return timezone.now() - timedelta(hours=2)


# -- browser tests (``pytest -m browser``): Debian's Chromium, helpers in ``browser.py`` --


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """``playwright install`` cannot download browsers here: use Debian's chromium."""
    from .browser import CHROMIUM_ARGS, CHROMIUM_PATH

    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    """The rows data migrations seed (SLA rules, working hours, calendar), put back.

    A transactional test's database is flushed after each test, data-migration rows
    included. ``serialized_rollback`` would restore them, but it breaks (duplicate
    content types) as soon as a transactional test without it ran earlier in the same
    worker, so the browser tests re-seed explicitly; the seeds skip what exists.
    """
    from duban.sla import seed
    from duban.sla.models import CalendarDay, CalendarYear, SlaRule, WorkingPeriod
    from duban.sla.selectors import calendar_invalidate
    from duban.tickets.modules import seed_sla

    if not SlaRule.objects.exists():
        seed.seed_rules(SlaRule)
        seed_sla(SlaRule)
    seed.seed_periods(WorkingPeriod)
    if not CalendarYear.objects.exists():
        seed.seed_calendar(CalendarDay, CalendarYear)
    calendar_invalidate()


@pytest.fixture
def open_as(live_server, new_context):  # type: ignore[no-untyped-def]
    """``open_as(user)``: a page in a fresh browser context, signed in as ``user``.

    ``open_as(None)`` gives an anonymous page (portal). Every page reports console
    errors and uncaught exceptions to ``open_as.console``; tests end with
    ``open_as.console.assert_clean()``.
    """
    from .browser import Browsing

    return Browsing(live_server.url, new_context)
