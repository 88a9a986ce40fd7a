"""Idempotency keys are forgotten after ``IDEMPOTENCY_KEY_DAYS``: the service deletes the
old ones and keeps the recent, and the worker's job is that service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from duban.jobs import tasks
from duban.testing import factories as f
from duban.tickets.models import IdempotencyKey
from duban.tickets.services.idempotency import idempotency_keys_purge

pytestmark = pytest.mark.django_db


def _keys(p, now, ages_in_days):
    ticket = f.dispatched(p=p, now=now - timedelta(days=30))
    for n, age in enumerate(ages_in_days):
        IdempotencyKey.objects.create(
            user=p.operator,
            key=f"k-{n}",
            request_digest="d" * 64,
            ticket=ticket,
            created_at=now - timedelta(days=age),
        )


def test_keys_older_than_the_setting_are_purged_and_recent_ones_kept(p, settings):
    now = timezone.now()
    settings.DUBAN = {**settings.DUBAN, "IDEMPOTENCY_KEY_DAYS": 7}
    _keys(p, now, [0.5, 6.9, 7.1, 20])
    assert idempotency_keys_purge(now=now) == 2
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-0", "k-1"]
    assert idempotency_keys_purge(now=now, days=0) == 2
    assert not IdempotencyKey.objects.exists()


def test_the_worker_job_runs_the_service_at_the_given_moment(p):
    now = timezone.now()
    _keys(p, now, [1, 3])
    assert "purged: 0" in tasks.purge_idempotency_keys(now.isoformat())
    later = (now + timedelta(days=5)).isoformat()
    assert "purged: 1" in tasks.purge_idempotency_keys(later)
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-0"]
