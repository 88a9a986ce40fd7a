"""The SLA tick flags each breach exactly once and records it as an event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.services import sla_tick

pytestmark = pytest.mark.django_db


def test_breaches_flag_once(p, now):
    t = f.dispatched(p=p, now=now)
    before = sla_tick(now=now + timedelta(minutes=10))
    assert before.total == 0
    later = now + timedelta(days=2)
    first = sla_tick(now=later)
    assert first.flagged["accept"] == 1 and first.flagged["contact"] == 1
    assert sla_tick(now=later + timedelta(hours=1)).flagged["accept"] == 0
    t.refresh_from_db()
    assert t.accept_breached_at == later and t.contact_breached_at == later
    breaches = t.events.filter(type="breach")
    assert sorted(e.payload["clock"] for e in breaches) == ["accept", "contact"]
    assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t)
    assert t.version == t.events.count()


def test_handle_breach_only_while_open(p, now):
    done = f.closed(p=p, now=now)
    open_ = f.accepted(p=p, now=now)
    far = now + timedelta(days=60)
    result = sla_tick(now=far)
    assert result.flagged["handle"] == 1
    open_.refresh_from_db()
    done.refresh_from_db()
    assert open_.handle_breached_at == far and done.handle_breached_at is None
