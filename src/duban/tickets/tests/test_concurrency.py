"""Two clerks act on the same ticket at the same moment: the row lock lets exactly one win."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from duban.core.errors import DomainError
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(fn, n: int = 2) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome: object = fn()
        except DomainError as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_accepts_exactly_one_wins(p, now):
    ticket = f.dispatched(p=p, now=now)
    results = race(
        lambda: s.ticket_accept(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=p.street_handler,
            now=now + timedelta(minutes=20),
        )
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].code == "illegal_transition"
    assert ticket.events.filter(type="accept").count() == 1


def test_stale_version_is_refused(p, now):
    ticket = f.dispatched(p=p, now=now)
    seen = ticket.version
    results = race(
        lambda: s.ticket_urge(ticket=ticket, actor=p.supervisor, now=now, expected_version=seen)
    )
    codes = sorted(r.code if isinstance(r, DomainError) else "ok" for r in results)
    assert codes == ["ok", "stale_version"]
    ticket.refresh_from_db()
    assert ticket.urge_count == 1 and ticket.events.filter(type="urge").count() == 1
