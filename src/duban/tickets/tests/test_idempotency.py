"""One ``Idempotency-Key``, three outcomes: a finished identical request is replayed (its
ticket), a different body is ``idempotency_mismatch`` (422), and an identical request that
loses the race to a concurrent one is ``idempotency_in_progress`` (409) — never a second
ticket, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from duban.tickets import services as s
from duban.tickets.errors import IdempotencyInProgress, IdempotencyMismatch
from duban.tickets.models import Caller, IdempotencyKey, Ticket
from duban.tickets.services import intake

from .test_concurrency import race

FIELDS: dict[str, Any] = {
    "title": "建业社区垃圾未清运",
    "content": "建业社区3号楼旁垃圾已堆放三天，气味很大。",
    "appeal_type": "complaint",
    "channel": "phone",
    "location": "湖滨路街道建业社区",
    "caller_name": "李四",
    "caller_phone": "13912345678",
}


def register(p, now, key: str = "k-1", **overrides: Any) -> Ticket:
    return s.ticket_register(
        actor=p.operator, now=now, idempotency_key=key, **{**FIELDS, **overrides}
    )


@pytest.mark.django_db
def test_a_finished_identical_request_returns_its_ticket(p, now):
    first = register(p, now)
    assert register(p, now).pk == first.pk
    assert (Ticket.objects.count(), IdempotencyKey.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_a_different_body_is_a_mismatch_with_its_own_code(p, now):
    register(p, now)
    with pytest.raises(IdempotencyMismatch) as exc:
        register(p, now, title="另一件事")
    assert (exc.value.code, exc.value.status) == ("idempotency_mismatch", 422)
    assert exc.value.message.startswith("同一幂等键对应了不同的请求")
    assert Ticket.objects.count() == 1


def _winner_stores_the_key_first(monkeypatch, p, now, *, digest_of: dict[str, Any]) -> None:
    """Simulate the race on any database: while this request works, another one with the
    same key (and the body ``digest_of``) finishes and stores its key."""
    real = intake._store_and_route

    def meanwhile(*, ticket: Ticket, now: Any, **kwargs: Any) -> Ticket:
        other = Ticket.objects.exclude(pk=ticket.pk).get()
        IdempotencyKey.objects.create(
            user=p.operator,
            key="k-1",
            request_digest=intake._digest(digest_of),
            ticket=other,
            created_at=now,
        )
        return real(ticket=ticket, now=now, **kwargs)

    monkeypatch.setattr(intake, "_store_and_route", meanwhile)


def _digest_fields(**overrides: Any) -> dict[str, Any]:
    data = {**FIELDS, **overrides}
    return {
        "kind": "appeal",
        "appeal_type": data["appeal_type"],
        "channel": data["channel"],
        "urgency": "normal",
        "title": data["title"],
        "content": data["content"],
        "location": data["location"],
        "category_id": None,
        "phone": data["caller_phone"],
        "name": data["caller_name"],
        "id": "",
    }


@pytest.mark.django_db
def test_losing_the_race_with_an_identical_request_is_in_progress(p, now, monkeypatch):
    other = s.ticket_register(actor=p.operator, now=now, **FIELDS)  # the winner's ticket
    _winner_stores_the_key_first(monkeypatch, p, now, digest_of=_digest_fields())
    with pytest.raises(IdempotencyInProgress) as exc:
        register(p, now)
    assert (exc.value.code, exc.value.status) == ("idempotency_in_progress", 409)
    assert exc.value.message.startswith("重复提交正在处理中，请稍后重试")
    # Nothing of the loser is left (the PostgreSQL race below shows the retry's replay).
    assert list(Ticket.objects.all()) == [other]


@pytest.mark.django_db
def test_losing_the_race_with_a_different_body_is_a_mismatch(p, now, monkeypatch):
    s.ticket_register(actor=p.operator, now=now, **FIELDS)
    _winner_stores_the_key_first(monkeypatch, p, now, digest_of=_digest_fields(title="另一件事"))
    with pytest.raises(IdempotencyMismatch):
        register(p, now)
    assert Ticket.objects.count() == 1


# -- real concurrency (row locks and unique indexes): PostgreSQL ------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_identical_requests_make_one_ticket(p, now):
    """Two identical requests at once make one ticket. The other request, by when it
    reaches its key, is told the first is in progress (409) or, when the first has already
    committed, gets the same ticket back; which one the threads' timing decides (a busy
    machine runs one thread to the end first), so either is right. The in-progress answer
    itself is forced in ``test_losing_the_race_with_an_identical_request_is_in_progress``."""
    results = race(lambda: register(p, now))
    assert len(results) == 2, results
    tickets = [r for r in results if isinstance(r, Ticket)]
    errors = [r for r in results if not isinstance(r, Ticket)]
    assert tickets and {t.pk for t in tickets} == {tickets[0].pk}, results
    assert all(e.code == "idempotency_in_progress" for e in errors), results
    assert Ticket.objects.count() == 1 and Caller.objects.count() == 1
    assert IdempotencyKey.objects.get().ticket_id == tickets[0].pk
    assert register(p, now).pk == tickets[0].pk  # the retry gets the winner's ticket


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_different_bodies_make_one_ticket_and_one_mismatch(p, now):
    titles = iter(["建业社区垃圾未清运", "另一件事"])
    results = race(lambda: register(p, now, title=next(titles)))
    codes = sorted(r.code if not isinstance(r, Ticket) else "ok" for r in results)
    assert codes == ["idempotency_mismatch", "ok"], results
    assert Ticket.objects.count() == 1
