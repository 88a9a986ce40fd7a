"""Consistency checks over stored tickets (``duban demo --check``).

One streaming pass over the tickets in chunks of :data:`CHUNK`: each chunk's tickets,
events and assignments are read with three queries, every ticket is checked for the
invariants below and its events against the engine's rules
(:mod:`duban.demo.rules_check`), then merges are checked across tickets. Each problem
names the ticket, the check and what is wrong; an empty list means all is well.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from duban.tickets.choices import OPEN_STATES, State
from duban.tickets.events import REPLAYED_FIELDS, ReplayError, replay
from duban.tickets.models import Ticket, TicketAssignment, TicketEvent

from .rules_check import STORED_COLUMNS, Assigned, Event, Problem, RuleChecker

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
TICKET_FIELDS = (
    "pk",
    "number",
    "district_id",
    "state",
    "version",
    "created_at",
    "closed_at",
    "dispatched_at",
)
EVENT_FIELDS = (
    "ticket_id",
    "seq",
    "type",
    "from_state",
    "to_state",
    "payload",
    "at",
    "actor_id",
    "actor_unit_id",
)


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    tickets: int = 0
    events: Counter[str] = field(default_factory=Counter)  # events checked, by type


def _sample_ids(sample: int | None) -> list[int]:
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    if sample is None or sample >= len(ids):
        return ids
    step = len(ids) / sample
    return [ids[int(i * step)] for i in range(sample)]


def check_ticket(t: dict[str, Any], events: list[Event], master_state: str | None) -> list[Problem]:
    n, problems = t["number"], []

    def bad(check: str, detail: str) -> None:
        problems.append(Problem(n, check, detail))

    seqs = [e.seq for e in events]
    if seqs != list(range(1, t["version"] + 1)):
        bad("sequence", f"event seq {seqs[:3]}…{seqs[-3:]} is not 1..{t['version']}")
    try:
        rebuilt = replay(events)  # type: ignore[arg-type]
    except ReplayError as exc:
        bad("sequence", f"replay fails: {exc}")
    else:
        stored = {f: t[f] for f in REPLAYED_FIELDS}
        diff = {f: (rebuilt[f], stored[f]) for f in stored if rebuilt[f] != stored[f]}
        if diff:
            bad("invariants", f"replay differs (replayed, stored): {diff}")
    for name in DEADLINES:
        if t[name] is not None and t[name] < t["created_at"]:
            bad("invariants", f"{name} before created_at")
    if t["state"] in PAST_DISPATCH:
        if t["primary_unit_id"] is None:
            bad("invariants", f"state {t['state']} without primary unit")
        missing = [f for f in DEADLINES[:4] if t[f] is None]
        if t["dispatched_at"] is None or missing:
            bad("invariants", f"dispatched without dispatched_at/deadlines {missing}")
    if t["state"] == State.CLOSED and t["closed_at"] is None:
        bad("invariants", "closed without closed_at")
    if t["state"] == State.MERGED and master_state not in MASTER_OK:
        bad("invariants", f"merged into a master in state {master_state!r}")
    return problems


def _load(chunk: list[int], columns: list[str]) -> tuple[list[dict], dict, dict, dict]:
    """One chunk: ticket rows, events and assignments by ticket, masters' states."""
    tickets = list(Ticket.objects.filter(pk__in=chunk).order_by("pk").values(*columns))
    events: dict[int, list[Event]] = defaultdict(list)
    for tid, *rest in (
        TicketEvent.objects.filter(ticket_id__in=chunk)
        .order_by("ticket_id", "seq")
        .values_list(*EVENT_FIELDS)
    ):
        events[tid].append(Event(*rest))
    assigned: dict[int, list[Assigned]] = defaultdict(list)
    for tid, *rest in TicketAssignment.objects.filter(ticket_id__in=chunk).values_list(
        "ticket_id", "unit__path", "role", "assigned_at", "finished_at"
    ):
        assigned[tid].append(Assigned(*rest))
    masters = {t["master_id"] for t in tickets if t["master_id"]}
    master_states = dict(Ticket.objects.filter(pk__in=masters).values_list("pk", "state"))
    return tickets, events, assigned, master_states


def check_invariants(
    sample: int | None = None,
    *,
    ids: list[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Check every ticket, an evenly spread ``sample`` of them, or the tickets ``ids``;
    ``progress(n)`` after each chunk of ``n`` tickets."""
    result = CheckResult()
    problems = result.problems
    rules = RuleChecker()
    ids = sorted(ids) if ids is not None else _sample_ids(sample)
    columns = list(dict.fromkeys([*TICKET_FIELDS, *DEADLINES, *REPLAYED_FIELDS, *STORED_COLUMNS]))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tickets, events, assigned, master_states = _load(chunk, columns)
        for t in tickets:
            mine = events.get(t["pk"], [])
            problems += check_ticket(t, mine, master_states.get(t["master_id"]))
            problems += rules.check_ticket(t, mine, assigned.get(t["pk"], []))
        result.tickets += len(tickets)
        if progress is not None:
            progress(len(chunk))
    problems += rules.check_merges()
    result.events = rules.events
    return result
