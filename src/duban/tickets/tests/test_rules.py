"""The lifecycle numbers of ``tickets.rules``, as the services and the demo apply them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.demo import centre
from duban.testing import factories as f
from duban.tickets import rules
from duban.tickets import services as s

pytestmark = pytest.mark.django_db


def test_the_demo_uses_the_services_numbers():
    assert centre.ESCALATE_AFTER is rules.ESCALATE_AFTER
    assert centre.MAX_CALLBACK_ATTEMPTS is rules.MAX_CALLBACK_ATTEMPTS


def test_returns_escalate_the_ticket_at_the_threshold(p, now):
    t = f.registered(actor=p.operator, now=now)
    for n in range(1, rules.ESCALATE_AFTER + 1):
        at = now + timedelta(hours=n)
        t = s.ticket_dispatch(ticket=t, actor=p.dispatcher, now=at, unit=p.district.binhu)
        t = s.ticket_request_return(ticket=t, actor=p.street_handler, now=at, reason="非本单位")
        t = s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=at)
        assert (t.return_count, t.escalated) == (n, n >= rules.ESCALATE_AFTER)


def test_reopens_escalate_the_ticket_at_the_threshold(p, now):
    t = f.closed(p=p, now=now)
    for n in range(1, rules.ESCALATE_AFTER + 1):
        at = now + timedelta(days=2 + n)
        t = s.ticket_reopen(ticket=t, actor=p.dispatcher, now=at, reason="仍未解决")
        assert (t.reopen_count, t.escalated) == (n, n >= rules.ESCALATE_AFTER)
        t = s.ticket_accept(ticket=t, actor=p.street_handler, now=at)
        t = s.ticket_reply(ticket=t, actor=p.street_handler, now=at, result="solved", text="已修复")
        t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=at)
        t = s.ticket_callback(
            ticket=t, actor=p.dispatcher, now=at, reached=True, resolved=True, satisfaction="basic"
        )


def test_unanswered_callbacks_close_the_ticket_as_unreachable(p, now):
    t = f.reviewed(p=p, now=now)
    for n in range(1, rules.MAX_CALLBACK_ATTEMPTS + 1):
        t = s.ticket_callback(
            ticket=t, actor=p.dispatcher, now=now + timedelta(days=n), reached=False
        )
        last = n == rules.MAX_CALLBACK_ATTEMPTS
        assert (t.callback_attempts, t.state, t.unreachable) == (
            n,
            "closed" if last else "reviewed",
            last,
        )
