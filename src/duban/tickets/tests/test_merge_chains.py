"""Merges chain without leaving a ticket behind: a master merged into another hands its
duplicates on, closing the final master closes every ticket merged into it, and two merges
crossing each other give one winner and a refusal (409), never a deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection

from duban.core.errors import DomainError
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket


def _registered(p, now, title: str) -> Ticket:
    return f.registered(actor=p.operator, now=now, title=title)


def _merge(p, now, ticket: Ticket, master: Ticket) -> Ticket:
    return s.ticket_merge(ticket=ticket, actor=p.operator, now=now, master=master)


def _replays(*tickets: Ticket) -> None:
    for t in tickets:
        t.refresh_from_db()
        assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t), t.number


@pytest.mark.django_db
def test_merging_a_master_hands_its_duplicates_on_to_the_new_master(p, now):
    a, b, c = (_registered(p, now, t) for t in ("甲", "乙", "丙"))
    _merge(p, now, a, b)
    _merge(p, now + timedelta(minutes=5), b, c)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, a.master_id, b.state, b.master_id) == ("merged", c.pk, "merged", c.pk)
    handed_on = a.events.order_by("-seq").first()
    assert (handed_on.type, handed_on.from_state, handed_on.to_state) == (
        "merge",
        "merged",
        "merged",
    )
    assert handed_on.payload["master"] == c.number
    assert handed_on.actor == p.operator
    _replays(a, b, c)


@pytest.mark.django_db
def test_closing_the_final_master_closes_the_whole_chain(p, now):
    c = f.reviewed(p=p, now=now)
    a, b = (_registered(p, now, t) for t in ("甲", "乙"))
    _merge(p, now, a, b)
    _merge(p, now, b, c)
    s.ticket_callback(
        ticket=c,
        actor=p.dispatcher,
        now=now + timedelta(days=3),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )
    for t in (a, b):
        t.refresh_from_db()
        assert t.state == "merged" and t.closed_at == now + timedelta(days=3), t.number
        assert t.events.filter(type="close_with_master").count() == 1
    _replays(a, b, c)


@pytest.mark.django_db
def test_a_chain_left_by_older_merges_still_closes_with_its_final_master(p, now):
    """Data from before duplicates were handed on: A follows B, which follows C."""
    c = f.reviewed(p=p, now=now)
    a, b = (_registered(p, now, t) for t in ("甲", "乙"))
    _merge(p, now, b, c)
    _merge(p, now, a, _registered(p, now, "丁"))
    Ticket.objects.filter(pk=a.pk).update(master=b)
    s.ticket_callback(
        ticket=c,
        actor=p.dispatcher,
        now=now + timedelta(days=3),
        reached=True,
        resolved=True,
        satisfaction="basic",
    )
    a.refresh_from_db()
    assert a.closed_at is not None
    assert a.events.get(type="close_with_master").payload["master"] == b.number


@pytest.mark.django_db
def test_a_merged_ticket_is_no_master(p, now):
    a, b, c = (_registered(p, now, t) for t in ("甲", "乙", "丙"))
    _merge(p, now, a, b)
    with pytest.raises(DomainError) as exc:
        _merge(p, now, c, a)
    assert (exc.value.code, exc.value.status) == ("illegal_transition", 409)
    c.refresh_from_db()
    assert c.state == "registered" and c.master_id is None


@pytest.mark.django_db
def test_a_master_of_another_district_is_refused(p, now):
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d)
    theirs = f.registered(actor=make_user("o_operator", "operator", centre), now=now)
    mine = _registered(p, now, "甲")
    with pytest.raises(DomainError) as exc:
        _merge(p, now, mine, theirs)
    assert exc.value.code == "permission_denied"
    mine.refresh_from_db()
    assert mine.state == "registered"


# -- crossing merges: PostgreSQL row locks ---------------------------------------------------


def _together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    guard = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcome: object = call()
        except Exception as exc:
            outcome = exc
        finally:
            connection.close()
        with guard:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(3))
def test_crossing_merges_give_one_winner_and_a_conflict(p, now, attempt):
    a, b = _registered(p, now, "甲"), _registered(p, now, "乙")
    results = _together(
        lambda: _merge(p, now, Ticket.objects.get(pk=a.pk), Ticket.objects.get(pk=b.pk)),
        lambda: _merge(p, now, Ticket.objects.get(pk=b.pk), Ticket.objects.get(pk=a.pk)),
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if not isinstance(r, Ticket)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], DomainError), losers  # not a database deadlock
    assert (losers[0].code, losers[0].status) == ("illegal_transition", 409)
    states = sorted(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True))
    assert states == ["merged", "registered"]
    _replays(a, b)
