"""The deadline clocks, defined once in ``tickets.clocks``: the tick, the cards and the demo."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.demo import recorder
from duban.testing import factories as f
from duban.tickets.choices import OPEN_STATES, Breach, State
from duban.tickets.clocks import CLOCKS, DUE_SOON, HANDLE, OVERDUE_STATES, card_clock
from duban.tickets.models import Ticket
from duban.tickets.services import sla_tick
from duban.web.templatetags.duban_web import clock, countdown

# The countdown a card shows in each state (as the pages have always shown it).
CARD = {
    State.REGISTERED: None,
    State.DISPATCHED: ("accept_due", "签收"),
    State.RETURN_PENDING: ("handle_due", "办理"),
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
