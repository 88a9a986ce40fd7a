"""The immutable event log: one small writer, and replay.

Every event records ``from_state`` and ``to_state`` (overlays keep the state), and its
payload carries whatever the transition changed, so :func:`replay` rebuilds a
ticket's state from its events alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder

# The module, not its classes: ``tickets.models`` imports :mod:`.types` of this package
# (the choices of ``TicketEvent.type``), so the models may still be loading here.
from .. import models as ticket_models
from .types import EventType

if TYPE_CHECKING:
    from duban.org.models import User

    from ..models import Ticket, TicketEvent


def event_append(
    *,
    ticket: Ticket,
    type: str,
    actor: User | None,
    at: datetime,
    from_state: str,
    payload: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append an event for a ticket the caller holds locked (seq = ticket.version).

    ``type`` must be an :class:`EventType` (a ``ValueError`` otherwise): the vocabulary
    is the one list of what the log may contain.
    """
    return ticket_models.TicketEvent.objects.create(
        ticket=ticket,
        seq=ticket.version,
        type=EventType(type).value,
        actor=actor,
        actor_unit_id=getattr(actor, "unit_id", None),
        at=at,
        from_state=from_state,
        to_state=ticket.state,
        payload=json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder)),
    )


# Fields of the ticket that replay rebuilds, with their initial values.
REPLAYED_FIELDS: dict[str, Any] = {
    "state": "",
    "primary_unit_id": None,
    "handling_unit_id": None,
    "return_count": 0,
    "reopen_count": 0,
    "urge_count": 0,
    "supervise_level": 0,
    "leader_id": None,
    "escalated": False,
    "extension_days": 0,
    "reply_result": "",
    "resolved": None,
    "satisfaction": "",
    "master_id": None,
    "unreachable": False,
    "exempt": False,
}


class ReplayError(ValueError):
    pass


def replay(events: Iterable[TicketEvent]) -> dict[str, Any]:
    """Fold a ticket's events into the fields in :data:`REPLAYED_FIELDS`."""
    state = dict(REPLAYED_FIELDS)
    for event in events:
        if state["state"] and event.from_state != state["state"]:
            raise ReplayError(
                f"event {event.seq} ({event.type}) starts from {event.from_state!r}, "
                f"but replay is at {state['state']!r}"
            )
        state["state"] = event.to_state
        for field, value in (event.payload.get("set") or {}).items():
            if field in state:
                state[field] = value
    return state


def ticket_replayed_fields(ticket: Ticket) -> dict[str, Any]:
    return {field: getattr(ticket, field) for field in REPLAYED_FIELDS}
