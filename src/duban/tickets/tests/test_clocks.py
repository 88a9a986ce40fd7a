"""The deadline clocks, defined once in ``tickets.clocks``: the tick, the cards and the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duban.demo import recorder
from duban.testing import factories as f
from duban.tickets.choices import OPEN_STATES, Breach, State
from duban.tickets.clocks import (
    ACCEPT,
    CALLBACK,
    CLOCKS,
    DUE_SOON,
    HANDLE,
    OVERDUE_STATES,
    SOON_SHARE,
    card_clock,
)
from duban.tickets.models import Ticket
from duban.tickets.services import sla_tick
from duban.web.templatetags.duban_web import clock, countdown, deadline_state

# The countdown a card shows in each state (as the pages have always shown it).
CARD = {
    State.REGISTERED: None,
    State.DISPATCHED: ("accept_due", "签收"),
    State.RETURN_PENDING: None,  # the unit's clock stands still while the centre rules
    State.ACCEPTED: ("handle_due", "办理"),
    State.REPLIED: None,
    State.REVIEWED: ("callback_due", "回访"),
    State.REOPENED: ("handle_due", "办理"),
    State.CLOSED: None,
    State.MERGED: None,
    State.INVALID: None,
}


def test_one_clock_per_breach_each_running_only_in_open_states():
    assert [c.breach for c in CLOCKS] == list(Breach)
    for c in CLOCKS:
        assert c.states and c.states <= OPEN_STATES


@pytest.mark.parametrize("state", list(State))
def test_card_countdown_by_state(state):
    c = card_clock(state)
    assert (None if c is None else (c.due, c.label)) == CARD[state]


def test_demo_recorder_plays_the_same_clocks():
    assert [
        (str(c.breach), c.due, c.breached, c.states, c.done) for c in CLOCKS
    ] == recorder._CLOCKS


@pytest.mark.django_db
def test_tick_flags_a_clock_only_while_it_runs(p, now):
    dispatched = f.dispatched(p=p, now=now)
    replied = f.replied(p=p, now=now)
    far = now + timedelta(days=60)
    flagged = sla_tick(now=far).flagged
    assert flagged == {"accept": 1, "contact": 1, "handle": 1, "callback": 0}
    dispatched.refresh_from_db()
    replied.refresh_from_db()
    assert dispatched.handle_breached_at == far
    assert replied.handle_breached_at is None  # the handling clock stops at the reply


@pytest.mark.django_db
def test_card_clock_tag_counts_down_the_running_clock(p, now):
    t = f.dispatched(p=p, now=now)
    html = clock(t, now)
    assert "签收" in html and t.accept_due.isoformat() in html
    t = f.reviewed(p=p, now=now)
    assert "回访" in clock(t, now) and t.callback_due.isoformat() in clock(t, now)
    assert clock(f.replied(p=p, now=now), now) == ""
    assert clock(f.closed(p=p, now=now), now) == ""
    waiting = f.in_state("return_pending", p=p, now=now)
    assert clock(waiting, now + timedelta(days=60)) == "<small>计时暂停</small>"
    row = deadline_state(waiting.handle_due, None, now + timedelta(days=60), waiting, "handle")
    assert "计时暂停" in row and "超期" not in row


def test_overdue_means_the_handling_clock_ran_out():
    assert set(OVERDUE_STATES) == HANDLE.states


@pytest.mark.django_db
def test_overdue_reads_and_the_due_soon_countdown(p, now):
    dispatched = f.dispatched(p=p, now=now)
    replied = f.replied(p=p, now=now)
    far = now + timedelta(days=60)
    assert list(Ticket.objects.overdue(far)) == [dispatched]
    assert replied.handle_due < far
    due = dispatched.handle_due
    assert 'class="countdown soon"' in countdown(due, due - DUE_SOON + timedelta(minutes=1))
    assert 'class="countdown "' in countdown(due, due - DUE_SOON - timedelta(minutes=1))


# --- due soon (临期) is relative to the clock ------------------------------------------


def _soon(html: str) -> bool:
    return 'class="countdown soon"' in html


@pytest.mark.django_db
def test_a_just_dispatched_ticket_is_not_due_soon(p, now):
    """The 2-working-hour accept clock is shorter than 24 hours: under a flat 24-hour
    threshold every dispatched card was amber (临期) from the first second."""
    t = f.dispatched(p=p, now=now)
    assert t.accept_due - t.dispatched_at < timedelta(hours=24)
    assert not _soon(clock(t, t.dispatched_at))
    assert not _soon(clock(t, t.dispatched_at + timedelta(minutes=30)))
    # The last fifth of the accept clock's span (2 h → 24 min) is amber; then overdue.
    assert _soon(clock(t, t.accept_due - timedelta(minutes=20)))
    assert not _soon(clock(t, t.accept_due - timedelta(minutes=25)))
    assert 'class="countdown overdue"' in clock(t, t.accept_due + timedelta(minutes=1))
    # The page's script keeps the same window (seconds) when it ticks.
    assert 'data-soon="1440"' in clock(t, t.dispatched_at)


@pytest.mark.django_db
def test_the_handling_clock_is_due_soon_in_its_last_day_at_most(p, now):
    t = f.accepted(p=p, now=now)  # a complaint: 15 working days
    assert HANDLE.soon_window(started=t.dispatched_at, due=t.handle_due) == timedelta(hours=24)
    assert not _soon(clock(t, t.handle_due - timedelta(hours=25)))
    assert _soon(clock(t, t.handle_due - timedelta(hours=23)))


@pytest.mark.django_db
def test_an_urgent_24_hour_ticket_turns_amber_in_its_last_fifth(p, now):
    t = f.accepted(p=p, now=now, urgency="urgent")
    span = t.handle_due - t.dispatched_at
    assert span <= timedelta(hours=24)
    assert not _soon(clock(t, t.dispatched_at + timedelta(hours=1)))
    assert _soon(clock(t, t.handle_due - span * 0.2 + timedelta(minutes=1)))
    assert not _soon(clock(t, t.handle_due - span * 0.2 - timedelta(minutes=1)))


@pytest.mark.django_db
def test_the_ticket_pages_deadline_rows_use_the_clocks_window(p, now):
    t = f.dispatched(p=p, now=now)
    at = t.dispatched_at + timedelta(minutes=10)
    # The 24-hour first-contact clock and the accept clock are on time after dispatch.
    for due, name in ((t.contact_due, "contact"), (t.accept_due, "accept")):
        assert "按期" in deadline_state(due, None, at, ticket=t, clock=name)
    assert "临期" in deadline_state(
        t.contact_due, None, t.contact_due - timedelta(hours=1), ticket=t, clock="contact"
    )
    # Without a clock the old flat window still applies (callers outside a ticket).
    assert "临期" in deadline_state(t.contact_due, None, at)


def test_soon_window_is_a_share_of_the_span_capped_per_clock():
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert SOON_SHARE == 0.2
    two_hours = ACCEPT.soon_window(started=start, due=start + timedelta(hours=2))
    assert two_hours == timedelta(minutes=24)
    a_weekend = ACCEPT.soon_window(started=start, due=start + timedelta(hours=64))
    assert a_weekend == ACCEPT.soon_within == timedelta(minutes=30)
    assert CALLBACK.soon_window(started=None, due=start) == CALLBACK.soon_within
    due = start + timedelta(hours=10)
    assert HANDLE.due_soon(started=start, due=due, now=due - timedelta(hours=1))
    assert not HANDLE.due_soon(started=start, due=due, now=due + timedelta(seconds=1))
    assert not HANDLE.due_soon(started=start, due=due, now=start)
