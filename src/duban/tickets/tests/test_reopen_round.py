"""A reopen (重办) is a new round: a fresh handling deadline from the reopen, the last
round's reply, review, call-backs and rating cleared (its events keep them)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.metrics.selectors import unit_figures
from duban.sla.calendar import LOCAL_TZ
from duban.sla.deadlines import dispatch_deadlines
from duban.sla.selectors import get_calendar, rule_for
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket
from duban.tickets.services import sla_tick

pytestmark = pytest.mark.django_db


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=LOCAL_TZ)


def fresh_handle_due(ticket: Ticket, at: datetime) -> datetime:
    rule = rule_for(kind=ticket.kind, appeal_type=ticket.appeal_type, urgency=ticket.urgency)
    return dispatch_deadlines(rule=rule, calendar=get_calendar(), dispatched_at=at).handle_due


def late_and_reviewed(p, now) -> Ticket:
    """A complaint answered after its deadline (breached), reviewed, its call-back late too."""
    t = f.accepted(p=p, now=now)  # handling deadline Mon 24 Mar 18:00
    assert sla_tick(now=local(3, 25, 9)).flagged["handle"] == 1
    t = s.ticket_reply(
        ticket=t, actor=p.street_handler, now=local(3, 25, 10), result="partly", text="已部分修复。"
    )
    t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=local(3, 25, 11))
    assert sla_tick(now=local(3, 28, 9)).flagged["callback"] == 1
    t = s.ticket_callback(ticket=t, actor=p.dispatcher, now=local(3, 28, 9, 30), reached=False)
    t.refresh_from_db()
    assert (t.handle_breached_at, t.callback_breached_at, t.callback_attempts) == (
        local(3, 25, 9),
        local(3, 28, 9),
        1,
    )
    return t


def test_a_reopened_ticket_starts_a_new_round_not_overdue(p, now):
    t = late_and_reviewed(p, now)
    reopen_at = local(3, 28, 10)
    t = s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=reopen_at,
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        reopen=True,
    )
    assert t.state == "reopened" and t.reopen_count == 1
    # A fresh handling deadline from the reopen; the breach of the last round is gone.
    assert t.handle_due == fresh_handle_due(t, reopen_at) > reopen_at
    assert t.handle_breached_at is None
    assert not Ticket.objects.overdue(reopen_at + timedelta(minutes=1)).filter(pk=t.pk).exists()
    assert sla_tick(now=reopen_at + timedelta(minutes=5)).total == 0
    # The last round's answer, review, call-backs and rating no longer stand.
    assert (t.replied_at, t.reply_result, t.reply_text, t.reply_check) == (None, "", "", {})
    assert (t.reviewed_at, t.callback_due, t.callback_breached_at) == (None, None, None)
    assert (t.callback_attempts, t.rated_at, t.resolved, t.satisfaction, t.unreachable) == (
        0,
        None,
        None,
        "",
        False,
    )
    # … but the events keep them.
    reply = t.events.get(type="reply")
    assert (reply.payload["result"], reply.payload["text"]) == ("partly", "已部分修复。")
    rating = t.events.filter(type="callback").order_by("-seq").first()
    assert (rating.payload["resolved"], rating.payload["satisfaction"]) == (False, "unsatisfied")
    assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t)

    # The figures read the current round: no reply, no rating, not overdue.
    (fig,) = unit_figures(
        period_start=local(3, 1, 0),
        period_end=local(4, 1, 0),
        units=[p.district.binhu],
        now=reopen_at + timedelta(minutes=1),
    )
    assert (fig.replied, fig.rated, fig.overdue_count) == (0, 0, 0)

    # Signing for it later does not move the deadline again.
    due = t.handle_due
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=local(3, 31, 16))
    assert (t.state, t.handle_due) == ("accepted", due)


def test_three_unanswered_call_backs_of_the_new_round_close_it(p, now):
    """The attempts count per round: the miss before the reopen is not one of them."""
    t = late_and_reviewed(p, now)
    t = s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=local(3, 28, 10),
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        reopen=True,
    )
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=local(3, 28, 11))
    t = s.ticket_reply(
        ticket=t, actor=p.street_handler, now=local(3, 31, 10), result="solved", text="已修复。"
    )
    t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=local(3, 31, 11))
    assert t.callback_breached_at is None and t.callback_due > local(3, 31, 11)
    for hour in (12, 15):
        t = s.ticket_callback(ticket=t, actor=p.dispatcher, now=local(3, 31, hour), reached=False)
    assert (t.state, t.callback_attempts) == ("reviewed", 2)
    t = s.ticket_callback(ticket=t, actor=p.dispatcher, now=local(3, 31, 16), reached=False)
    assert (t.state, t.unreachable, t.callback_attempts) == ("closed", True, 3)


def test_reopening_an_unreachable_ticket_resets_its_call_backs(p, now):
    t = f.reviewed(p=p, now=now)
    for hour in (10, 11, 12):
        t = s.ticket_callback(ticket=t, actor=p.dispatcher, now=local(3, 5, hour), reached=False)
    assert (t.state, t.unreachable) == ("closed", True)
    t = s.ticket_reopen(ticket=t, actor=p.dispatcher, now=local(3, 6, 9), reason="来电人再次来电")
    assert (t.state, t.unreachable, t.callback_attempts, t.closed_at) == (
        "reopened",
        False,
        0,
        None,
    )
    assert t.handle_due == fresh_handle_due(t, local(3, 6, 9))


def test_a_review_starts_the_call_back_clock_afresh(p, now):
    """A breach flag left on the row by an earlier round (as reopens before issue 9 left
    them) is not the new call-back clock's: the review clears it."""
    t = f.replied(p=p, now=now)
    Ticket.objects.filter(pk=t.pk).update(callback_breached_at=local(3, 1, 9))
    t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=local(3, 5, 9))
    assert t.callback_breached_at is None


def test_signing_for_a_reopened_ticket_is_timed_from_the_reopen(p, now):
    """The accept clock restarts too: the unit is not late to sign from the reopen's first
    minute because the first round's accept deadline passed long ago."""
    t = f.closed(p=p, now=now)
    at = local(3, 20, 9)
    t = s.ticket_reopen(ticket=t, actor=p.dispatcher, now=at, reason="群众反映仍未解决")
    rule = rule_for(kind=t.kind, appeal_type=t.appeal_type, urgency=t.urgency)
    due = dispatch_deadlines(rule=rule, calendar=get_calendar(), dispatched_at=at)
    assert t.accept_due == due.accept_due > at and t.accept_breached_at is None
    accepted = s.ticket_accept(ticket=t, actor=p.street_handler, now=at + timedelta(minutes=30))
    assert accepted.accepted_at <= accepted.accept_due
