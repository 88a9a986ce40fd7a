"""临期提醒: one notice to the unit when a handling deadline enters its clock's due-soon
window — once per ticket, clock and deadline, never for a breached or waiting ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.notifications.models import DueSoonMark, Notice, NoticeKind
from duban.notifications.services import notify_due_soon
from duban.notifications.services.due_soon import _remind
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.clocks import HANDLE
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def reminded(ticket: Ticket) -> set[str]:
    return set(
        Notice.objects.filter(ticket=ticket, kind=NoticeKind.DUE_SOON).values_list(
            "recipient__username", flat=True
        )
    )


def test_a_deadline_within_a_day_is_announced_once(p, now):
    t = f.accepted(p=p, now=now)  # a complaint: 15 working days, due soon in its last 24 h
    assert notify_due_soon(now=t.handle_due - timedelta(hours=25)) == 0
    at = t.handle_due - timedelta(hours=23)
    assert notify_due_soon(now=at) == 2
    assert reminded(t) == {"binhu_handler", "binhu_head"}
    notice = Notice.objects.get(ticket=t, recipient=p.street_head, kind=NoticeKind.DUE_SOON)
    assert notice.created_at == at and "办理时限将于" in notice.text and "到期" in notice.text
    assert notify_due_soon(now=at + timedelta(minutes=1)) == 0
    assert notify_due_soon(now=t.handle_due - timedelta(minutes=1)) == 0
    assert DueSoonMark.objects.filter(ticket=t, clock="handle", due=t.handle_due).count() == 1


def test_a_short_clock_is_announced_in_its_own_window(p, now):
    t = f.accepted(p=p, now=now, urgency="urgent")  # 24 hours to handle
    span = t.handle_due - t.dispatched_at
    window = HANDLE.soon_window(started=t.dispatched_at, due=t.handle_due)
    assert window < timedelta(hours=24) and window == span * 0.2
    assert notify_due_soon(now=t.handle_due - window - timedelta(minutes=1)) == 0
    assert notify_due_soon(now=t.handle_due - window + timedelta(minutes=1)) == 2


def test_a_new_deadline_is_announced_again(p, now):
    t = f.accepted(p=p, now=now)
    notify_due_soon(now=t.handle_due - timedelta(hours=20))
    t = s.ticket_request_extension(
        ticket=t,
        actor=p.street_handler,
        now=t.handle_due - timedelta(hours=19),
        days=3,
        reason="需协调施工",
    )
    t = s.ticket_approve_extension(
        ticket=t, actor=p.dispatcher, now=t.handle_due - timedelta(hours=18)
    )
    assert notify_due_soon(now=t.handle_due - timedelta(hours=2)) == 2
    assert Notice.objects.filter(ticket=t, kind=NoticeKind.DUE_SOON).count() == 4


def test_breached_finished_and_waiting_tickets_are_not_announced(p, now):
    waiting = f.in_state("return_pending", p=p, now=now)
    replied = f.replied(p=p, now=now)
    late = f.accepted(p=p, now=now)
    s.sla_tick(now=late.handle_due + timedelta(minutes=1))
    assert notify_due_soon(now=waiting.handle_due - timedelta(hours=1)) == 0
    assert notify_due_soon(now=replied.accept_due) == 0
    assert reminded(waiting) == reminded(replied) == reminded(late) == set()


def test_a_sub_dispatched_ticket_reminds_both_units(p, now):
    t = f.accepted(p=p, now=now)
    t = s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=1), unit=p.district.dongliu
    )
    notify_due_soon(now=t.handle_due - timedelta(hours=1))
    assert reminded(t) == {"binhu_handler", "binhu_head", "dongliu_handler"}


def test_every_ticket_is_reached_in_batches(p, now):
    tickets = [f.accepted(p=p, now=now) for _ in range(3)]
    latest = max(t.handle_due for t in tickets)
    assert notify_due_soon(now=latest - timedelta(hours=1), batch=1) == 6
    assert all(reminded(t) == {"binhu_handler", "binhu_head"} for t in tickets)


def test_a_second_run_over_the_same_rows_notifies_nobody(p, now):
    t = f.accepted(p=p, now=now)
    at = t.handle_due - timedelta(hours=1)
    rows = [
        {
            "pk": t.pk,
            "number": t.number,
            "title": t.title,
            "primary_unit_id": t.primary_unit_id,
            "handling_unit_id": None,
            "handle_due": t.handle_due,
        }
    ]
    assert _remind(HANDLE, rows, now=at) == 2
    assert _remind(HANDLE, rows, now=at) == 0  # the mark is taken: a concurrent tick's lot
    assert Notice.objects.filter(kind=NoticeKind.DUE_SOON).count() == 2


def test_the_scan_runs_a_fixed_number_of_queries(p, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(n: int) -> int:
        tickets = [f.accepted(p=p, now=now) for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            notify_due_soon(now=max(t.handle_due for t in tickets) - timedelta(hours=1))
        return len(ctx.captured_queries)

    assert run(1) == run(5)
