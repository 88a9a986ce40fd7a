"""Duplicate keys are read only within the duplicate window, so the worker deletes those
older than ``DUPLICATE_KEY_DAYS`` (never fewer days than the window): in batches, keeping
the recent keys, and the look-up still finds its duplicates afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.dispatch.models import DispatchSettings
from duban.dispatch.services import duplicate_key_days, duplicate_keys_purge
from duban.jobs import tasks
from duban.testing import factories as f
from duban.tickets.models import DuplicateKey

pytestmark = pytest.mark.django_db

TEXT = {
    "title": "搅拌站夜间施工噪音",
    "content": "丽发新城附近搅拌站日夜施工，噪音和粉尘严重影响居民休息",
}


def _ticket(p, at):
    return f.registered(actor=p.operator, now=at, location="", **TEXT)


def _keys_of(ticket) -> int:
    return DuplicateKey.objects.filter(ticket=ticket).count()


def test_keys_older_than_the_setting_go_and_recent_ones_stay(p, now, settings):
    settings.DUBAN = {**settings.DUBAN, "DUPLICATE_KEY_DAYS": 90}
    old = _ticket(p, now - timedelta(days=91))
    recent = _ticket(p, now - timedelta(days=89))
    assert _keys_of(old) > 0 and _keys_of(recent) > 0
    kept = _keys_of(recent)

    assert duplicate_keys_purge(now=now) > 0
    assert _keys_of(old) == 0
    assert _keys_of(recent) == kept
    old.refresh_from_db()
    assert old.content == TEXT["content"]  # the ticket keeps its text
    assert duplicate_keys_purge(now=now) == 0  # nothing left to do


def test_the_window_wins_when_it_is_longer_than_the_setting(p, now, settings):
    settings.DUBAN = {**settings.DUBAN, "DUPLICATE_KEY_DAYS": 30}
    DispatchSettings.objects.update_or_create(pk=1, defaults={"duplicate_window_days": 60})
    assert duplicate_key_days() == 60
    within_window = _ticket(p, now - timedelta(days=45))
    duplicate_keys_purge(now=now)
    assert _keys_of(within_window) > 0


def test_a_large_purge_runs_in_batches_and_reports_its_progress(p, now):
    tickets = [_ticket(p, now - timedelta(days=200 + n)) for n in range(3)]
    total = sum(_keys_of(t) for t in tickets)
    seen: list[int] = []
    assert duplicate_keys_purge(now=now, days=90, batch=10, progress=seen.append) == total
    assert seen == sorted(seen) and seen[-1] == total and len(seen) == -(-total // 10)
    assert not DuplicateKey.objects.exists()


def test_the_look_up_still_finds_a_duplicate_within_its_window_after_a_purge(p, now):
    _ticket(p, now - timedelta(days=200))
    first = _ticket(p, now - timedelta(days=2))
    duplicate_keys_purge(now=now)
    again = _ticket(p, now)
    numbers = [d["number"] for d in again.suggestions["duplicates"]]
    assert numbers == [first.number]


def test_the_worker_job_runs_the_service_at_the_given_moment(p, now, settings):
    settings.DUBAN = {**settings.DUBAN, "DUPLICATE_KEY_DAYS": 90}
    t = _ticket(p, now - timedelta(days=80))
    assert "purged: 0" in tasks.purge_duplicate_keys(now.isoformat())
    later = (now + timedelta(days=20)).isoformat()
    assert f"purged: {_keys_of(t)}" in tasks.purge_duplicate_keys(later)
    assert _keys_of(t) == 0
