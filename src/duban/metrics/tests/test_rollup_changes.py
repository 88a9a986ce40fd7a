"""An older month's rollup is rebuilt when something changed in it, not on a timer: a write
to one of its tickets notes the month, the tick rebuilds it within ``OLDER_TTL``, and a
month nothing changed in waits for its daily rebuild. Recent months keep their minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.core.periods import PERIOD_TZ
from duban.metrics import services
from duban.metrics.models import MonthlyRollup, RollupChange, RollupPeriod
from duban.metrics.services import OLDER_TTL, UNCHANGED_TTL, refresh_due
from duban.testing import factories as f
from duban.testing import personas
from duban.tickets import services as s

pytestmark = pytest.mark.django_db

# The personas' district (this directory's conftest builds a bare one of its own).
district = personas.district

JANUARY = datetime(2025, 1, 13, 9, 0, tzinfo=PERIOD_TZ)  # a Monday
MARCH = datetime(2025, 3, 10, 9, 0, tzinfo=PERIOD_TZ)
T = datetime(2025, 4, 14, 9, 0, tzinfo=PERIOD_TZ)  # the months: 2025-01 … 2025-04


def changes() -> list[str]:
    return sorted(RollupChange.objects.values_list("period", flat=True))


def replied_in_rollup(period: str) -> int:
    return sum(r.replied for r in MonthlyRollup.objects.filter(period=period))


def test_each_write_to_a_ticket_of_an_older_month_notes_the_month(p):
    """A row per write: a rebuild in progress may be about to delete an earlier row without
    this write in its figures."""
    old = f.dispatched(p=p, now=JANUARY)
    RollupChange.objects.all().delete()  # the dispatch's own note, in January
    old = s.ticket_accept(ticket=old, actor=p.street_handler, now=T)
    s.ticket_record_contact(ticket=old, actor=p.street_handler, now=T + timedelta(minutes=5))
    assert changes() == ["2025-01", "2025-01"]


def test_a_write_to_a_ticket_of_a_recent_month_notes_the_ticket(p):
    """The tick recounts that ticket's part in the month's figures (services_recent)."""
    recent = f.dispatched(p=p, now=MARCH)  # the dispatch, in March: then the current month
    RollupChange.objects.all().delete()
    s.ticket_accept(ticket=recent, actor=p.street_handler, now=T)  # March is the previous month
    assert list(RollupChange.objects.values_list("period", "ticket_id")) == [("2025-03", recent.pk)]


def test_the_tick_rebuilds_a_changed_older_month_and_leaves_an_unchanged_one_for_a_day(p):
    old = f.accepted(p=p, now=JANUARY)
    f.dispatched(p=p, now=JANUARY.replace(month=2))
    assert refresh_due(now=T, months=4).refreshed == ("2025-01", "2025-02", "2025-03", "2025-04")

    # Past OLDER_TTL nothing changed in January or February: only the recent months.
    later = T + OLDER_TTL + timedelta(minutes=1)
    assert refresh_due(now=later, months=4).refreshed == ("2025-03", "2025-04")

    # A reply to the January ticket: January is rebuilt on the next tick past its OLDER_TTL,
    # with the reply in its figures, and its change is done with.
    s.ticket_reply(ticket=old, actor=p.street_handler, now=later, result="solved", text="已修复。")
    assert replied_in_rollup("2025-01") == 0
    assert refresh_due(now=later + timedelta(minutes=1), months=4).refreshed == ("2025-01",)
    assert replied_in_rollup("2025-01") == 1
    assert changes() == []

    # February, unchanged, waits for its daily rebuild.
    february = RollupPeriod.objects.get(period="2025-02").computed_at
    assert february == T
    day_later = T + UNCHANGED_TTL + timedelta(minutes=1)
    assert "2025-02" in refresh_due(now=day_later, months=4).refreshed


def test_a_month_marked_stale_is_rebuilt_at_once(p):
    """An approved exemption's ``mark_stale`` still wins over the older months' timing."""
    f.dispatched(p=p, now=JANUARY)
    refresh_due(now=T, months=4)
    RollupPeriod.objects.filter(period="2025-01").update(stale=True)  # as mark_stale does
    assert refresh_due(now=T + timedelta(minutes=1), months=4).refreshed == ("2025-01",)


def test_a_change_committed_during_a_rebuild_stays_for_the_next_one(p, monkeypatch):
    """The rebuild deletes only the changes it read before aggregating: one written after
    that read (a write committed while the month was being aggregated) is kept."""
    old = f.dispatched(p=p, now=JANUARY)
    refresh_due(now=T, months=4)
    s.ticket_accept(ticket=old, actor=p.street_handler, now=T + timedelta(minutes=1))
    (first,) = RollupChange.objects.all()
    aggregate = services.cells

    def concurrent_write_then_aggregate(periods, **kwargs):
        RollupChange.objects.create(period="2025-01", at=kwargs["now"])  # after the read
        return aggregate(periods, **kwargs)

    monkeypatch.setattr(services, "cells", concurrent_write_then_aggregate)
    tick = T + OLDER_TTL + timedelta(minutes=2)
    assert "2025-01" in refresh_due(now=tick, months=4).refreshed
    assert not RollupChange.objects.filter(pk=first.pk).exists()
    assert changes() == ["2025-01"]
