"""`duban sla tick`: flags the breaches of the moment; the dashboard's rollup is a separate job."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from duban.core.periods import period_containing
from duban.metrics.models import MonthlyRollup, RollupPeriod
from duban.testing import factories as f
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def tick(*args: str) -> str:
    out = StringIO()
    call_command("sla", "tick", *args, stdout=out)
    return out.getvalue()


def test_tick_prints_the_new_breaches(p, now):
    t = f.dispatched(p=p, now=now)
    later = now + timedelta(days=2)
    out = tick("--now", later.isoformat())
    assert f"{later.isoformat()} 新增超时 2 件" in out
    assert "签收超时 1, 联系超时 1" in out
    t.refresh_from_db()
    assert t.accept_breached_at == later and t.contact_breached_at == later
    assert "新增超时 0 件" in tick("--now", (later + timedelta(minutes=1)).isoformat())


def test_the_rollup_is_a_job_of_its_own(p, now):
    """The tick no longer waits for the rollup (nor the rollup for the tick)."""
    f.dispatched(p=p, now=now)
    assert "rollup" not in tick("--now", now.isoformat())
    out = StringIO()
    call_command("jobs", "run", "rollup", "--now", now.isoformat(), stdout=out)
    month = period_containing(now).label
    assert "rollup refreshed" in out.getvalue() and month in out.getvalue()
    assert RollupPeriod.objects.filter(period=month, computed_at=now).exists()
    assert MonthlyRollup.objects.filter(period=month, dispatched=1).exists()
    # A minute later every month is still fresh: nothing is rebuilt.
    out = StringIO()
    later = (now + timedelta(minutes=1)).isoformat()
    call_command("jobs", "run", "rollup", "--now", later, stdout=out)
    assert "rollup refreshed" not in out.getvalue()


def test_a_naive_now_is_local_time(p, now):
    f.dispatched(p=p, now=now)
    later = (now + timedelta(days=2)).replace(tzinfo=None)
    assert "新增超时 2 件" in tick("--now", later.isoformat())
    assert Ticket.objects.filter(accept_breached_at__isnull=False).count() == 1


def test_a_bad_now_is_refused():
    with pytest.raises(CommandError, match="--now"):
        tick("--now", "yesterday")
    with pytest.raises(CommandError):
        call_command("sla")  # the action is required


def test_tick_reminds_units_of_deadlines_that_come_near(p, now):
    from duban.notifications.models import Notice

    t = f.accepted(p=p, now=now)
    soon = t.handle_due - timedelta(hours=2)
    assert "临期提醒 2 条" in tick("--now", soon.isoformat())
    assert Notice.objects.filter(ticket=t, kind="due_soon").count() == 2
    assert "临期提醒" not in tick("--now", (soon + timedelta(minutes=1)).isoformat())
