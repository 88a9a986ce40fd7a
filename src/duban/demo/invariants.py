"""Consistency checks over stored tickets (``duban demo --check``).

Each check names the ticket and what is wrong; an empty list means all is well.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from duban.tickets.choices import OPEN_STATES, State
from duban.tickets.events import REPLAYED_FIELDS, ReplayError, replay
from duban.tickets.models import Ticket, TicketEvent

CHUNK = 2000
DEADLINES = ("accept_due", "contact_due", "return_due", "handle_due", "callback_due")
PAST_DISPATCH = frozenset(
    {
        State.DISPATCHED,
        State.RETURN_PENDING,
        State.ACCEPTED,
        State.REPLIED,
        State.REVIEWED,
        State.REOPENED,
    }
)
MASTER_OK = frozenset({*OPEN_STATES, State.CLOSED})
TICKET_FIELDS = ("pk", "number", "state", "version", "created_at", "closed_at", "dispatched_at")


class _Event(NamedTuple):
    seq: int
    type: str
    from_state: str
    to_state: str
    payload: dict[str, Any]


def _sample_ids(sample: int | None) -> list[int]:
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    if sample is None or sample >= len(ids):
        return ids
    step = len(ids) / sample
    return [ids[int(i * step)] for i in range(sample)]


def check_ticket(t: dict[str, Any], events: list[_Event], master_state: str | None) -> list[str]:
    n, problems = t["number"], []
    seqs = [e.seq for e in events]
    if seqs != list(range(1, t["version"] + 1)):
        problems.append(f"{n}: event seq {seqs[:3]}…{seqs[-3:]} is not 1..{t['version']}")
    try:
        rebuilt = replay(events)  # type: ignore[arg-type]
    except ReplayError as exc:
        problems.append(f"{n}: replay fails: {exc}")
    else:
        stored = {f: t[f] for f in REPLAYED_FIELDS}
        diff = {f: (rebuilt[f], stored[f]) for f in stored if rebuilt[f] != stored[f]}
        if diff:
            problems.append(f"{n}: replay differs (replayed, stored): {diff}")
    for field in DEADLINES:
        if t[field] is not None and t[field] < t["created_at"]:
            problems.append(f"{n}: {field} before created_at")
    if t["state"] in PAST_DISPATCH:
        if t["primary_unit_id"] is None:
            problems.append(f"{n}: state {t['state']} without primary unit")
        missing = [f for f in DEADLINES[:4] if t[f] is None]
        if t["dispatched_at"] is None or missing:
            problems.append(f"{n}: dispatched without dispatched_at/deadlines {missing}")
    if t["state"] == State.CLOSED and t["closed_at"] is None:
        problems.append(f"{n}: closed without closed_at")
    if t["state"] == State.MERGED and master_state not in MASTER_OK:
        problems.append(f"{n}: merged into a master in state {master_state!r}")
    return problems


def check_invariants(sample: int | None = None) -> list[str]:
    """Check every ticket, or an evenly spread ``sample`` of them."""
    problems: list[str] = []
    ids = _sample_ids(sample)
    columns = [*TICKET_FIELDS, *DEADLINES, *REPLAYED_FIELDS]
    columns = list(dict.fromkeys(columns))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tickets = list(Ticket.objects.filter(pk__in=chunk).values(*columns))
        events: dict[int, list[_Event]] = defaultdict(list)
        for tid, *rest in (
            TicketEvent.objects.filter(ticket_id__in=chunk)
            .order_by("ticket_id", "seq")
            .values_list("ticket_id", "seq", "type", "from_state", "to_state", "payload")
        ):
            events[tid].append(_Event(*rest))
        masters = {t["master_id"] for t in tickets if t["master_id"]}
        master_states = dict(Ticket.objects.filter(pk__in=masters).values_list("pk", "state"))
        for t in tickets:
            problems += check_ticket(t, events.get(t["pk"], []), master_states.get(t["master_id"]))
    return problems
