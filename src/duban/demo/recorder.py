"""Records one simulated ticket's history exactly as the services would have written it.

:class:`TicketRecord` mirrors ``tickets.services.base.transition``: every action bumps
the version, appends an event with ``seq = version``, ``from_state``/``to_state``, the
payload its caller built with the event type's payload function
(``tickets.events.payloads``) and ``payload["set"]`` = the replayed fields it changed.
Between actions it plays the periodic ``duban sla tick`` (every :data:`TICK_SECONDS`),
emitting ``breach`` events with ``payloads.breach`` as
:mod:`duban.tickets.services.sla_tick` does, the first tick after a deadline passed while
its clock was running. A closing by one of the services that close a master's duplicates
(``CLOSES_DUPLICATES``) is noted for the tickets merged into this one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from duban.org.models import Unit, User
from duban.tickets.choices import AssignmentRole, AssignmentStatus
from duban.tickets.clocks import CLOCKS
from duban.tickets.events import REPLAYED_FIELDS, EventType, payloads
from duban.tickets.models import TicketAssignment
from duban.tickets.services.closing import CLOSES_DUPLICATES

TICK_SECONDS = 300  # `duban sla tick` every five minutes
_REPLAYED = tuple(REPLAYED_FIELDS)
EVENT_COLUMNS = (
    "ticket_id",
    "seq",
    "type",
    "actor_id",
    "actor_unit_id",
    "at",
    "from_state",
    "to_state",
    "payload",
)
_CLOCKS = [(str(c.breach), c.due, c.breached, c.states, c.done) for c in CLOCKS]


class Stop(Exception):
    """The simulation's end was reached: the ticket stays where it is."""


def tick_after(due: datetime) -> datetime:
    """The first tick strictly after ``due`` (the tick flags ``due < now``)."""
    ts = int(due.timestamp()) // TICK_SECONDS * TICK_SECONDS + TICK_SECONDS
    return datetime.fromtimestamp(ts, UTC)


class TicketRecord:
    def __init__(self, *, pk: int, end: datetime, fields: dict[str, Any]) -> None:
        self.pk = pk
        self.end = end
        self.t = fields
        self.version = 0
        self.last_at: datetime = fields["created_at"]
        self.events: list[tuple] = []  # rows in the order of EVENT_COLUMNS
        self.assignments: list[TicketAssignment] = []
        # Moments at which the ticket closed in a way that closes its duplicates
        # (CLOSES_DUPLICATES: direct answer, call-back or online rating), with the actor.
        self.closings: list[tuple[datetime, User | None]] = []
        self.left_open_at: datetime | None = None  # first time it left the open states

    # -- events ---------------------------------------------------------------------------
    def act(
        self,
        type: EventType,
        actor: User | None,
        at: datetime,
        changes: dict[str, Any] | None = None,
        target: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> datetime:
        if at > self.end:
            raise Stop
        at = max(at, self.last_at)
        self.tick_until(at)
        t = self.t
        before = [t[f] for f in _REPLAYED]
        from_state = t["state"]
        if changes:
            t.update(changes)
        if target is not None:
            t["state"] = target
        self.version += 1
        changed = {f: t[f] for f, old in zip(_REPLAYED, before, strict=True) if t[f] != old}
        self._append(type, actor, at, from_state, {**(payload or {}), "set": changed})
        if t["state"] in ("closed", "merged", "invalid") and self.left_open_at is None:
            self.left_open_at = at
        if type in CLOSES_DUPLICATES and t["state"] == "closed":
            self.closings.append((at, actor))
        self.last_at = at
        return at

    def _append(
        self, type: str, actor: User | None, at: datetime, from_state: str, payload: dict
    ) -> None:
        self.events.append(
            (
                self.pk,
                self.version,
                type,
                actor.pk if actor else None,
                actor.unit_id if actor else None,
                at,
                from_state,
                self.t["state"],
                payload,
            )
        )

    def tick_until(self, at: datetime, inclusive: bool = False) -> None:
        """Play the SLA ticks before ``at`` (up to and including it when ``inclusive``)."""
        t = self.t
        while True:
            best: tuple[datetime, int] | None = None
            for i, (_b, due_f, flag_f, states, done_f) in enumerate(_CLOCKS):
                due = t[due_f]
                if (
                    due is None
                    or t[flag_f] is not None
                    or t["state"] not in states
                    or (done_f and t[done_f] is not None)
                ):
                    continue
                tick = tick_after(due)
                if tick < self.last_at:  # the clock restarted at the last event, already late
                    tick = tick_after(self.last_at)
                if (tick < at or (inclusive and tick == at)) and (best is None or tick < best[0]):
                    best = (tick, i)
            if best is None:
                return
            tick, i = best
            breach, due_f, flag_f, _s, _d = _CLOCKS[i]
            t[flag_f] = tick
            self.version += 1
            self._append(
                EventType.BREACH,
                None,
                tick,
                t["state"],
                payloads.breach(clock=breach, due=t[due_f].astimezone(UTC)),
            )
            self.last_at = max(self.last_at, tick)

    def finish(self) -> None:
        self.tick_until(self.end, inclusive=True)
        self.t["version"] = self.version

    # -- assignments (as the dispatch/handling services write them) ------------------------
    def assign(self, unit: Unit, role: str, at: datetime, note: str = "") -> None:
        self.assignments.append(
            TicketAssignment(
                ticket_id=self.pk, unit_id=unit.pk, role=role, assigned_at=at, note=note
            )
        )
        self.assignments[-1]._path = unit.path  # type: ignore[attr-defined]

    def _active(self) -> list[TicketAssignment]:
        return [a for a in self.assignments if a.status == AssignmentStatus.ACTIVE]

    def accept_primary(self, at: datetime) -> None:
        for a in self._active():
            if (
                a.role == AssignmentRole.PRIMARY
                and a.unit_id == self.t["primary_unit_id"]
                and a.accepted_at is None
            ):
                a.accepted_at = at

    def return_all(self, at: datetime) -> None:
        for a in self._active():
            a.status, a.finished_at = AssignmentStatus.RETURNED, at

    def finish_subs(self, at: datetime) -> None:
        for a in self._active():
            if a.role == AssignmentRole.SUB:
                a.status, a.finished_at = AssignmentStatus.DONE, at

    def contribute(self, scope: str, at: datetime, text: str) -> None:
        for a in self._active():
            if a.role in (AssignmentRole.CO, AssignmentRole.SUB) and a._path.startswith(scope):  # type: ignore[attr-defined]
                a.status, a.finished_at, a.note = AssignmentStatus.CONTRIBUTED, at, text
