"""The SLA tick flags each breach exactly once and records it as an event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket
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


def test_a_spent_budget_leaves_the_rest_to_the_next_tick_earliest_first(p, now):
    """After an outage a tick flags one batch per clock once its budget is spent; the next
    ticks take the rest, earliest deadline first, each breach once."""
    tickets = [f.accepted(p=p, now=now) for _ in range(5)]
    for i, t in enumerate(tickets):  # the last registered is due first
        Ticket.objects.filter(pk=t.pk).update(handle_due=now + timedelta(days=5, hours=5 - i))
    far = now + timedelta(days=60)
    first = sla_tick(now=far, batch=2, budget=0)
    assert first.flagged["handle"] == 2 and first.unfinished
    flagged = {t.pk for t in Ticket.objects.filter(handle_breached_at__isnull=False)}
    assert flagged == {t.pk for t in tickets[3:]}  # the earliest deadlines
    second = sla_tick(now=far, batch=2, budget=0)
    assert second.flagged["handle"] == 2
    last = sla_tick(now=far, batch=2, budget=0)
    assert last.flagged["handle"] == 1 and not last.unfinished
    assert sla_tick(now=far, batch=2, budget=0).total == 0
    for t in tickets:
        assert t.events.filter(type="breach", payload__clock="handle").count() == 1


def test_without_a_budget_one_tick_flags_every_batch(p, now):
    for i in range(5):
        f.accepted(p=p, now=now + timedelta(minutes=i))
    result = sla_tick(now=now + timedelta(days=60), batch=2)
    assert result.flagged["handle"] == 5 and not result.unfinished
