"""Ticket events: the typed vocabulary, one payload function per type, the log and replay.

- :class:`EventType` — every event type the code writes, with its Chinese label
  (:mod:`.types`; also the choices of ``TicketEvent.type``);
- :mod:`.payloads` — one function per type that owns its payload keys;
- :data:`VOCABULARY` — per type: label, payload function and, where the portal shows
  it, the public wording (:mod:`.vocabulary`);
- :func:`event_append`, :func:`replay` — the writer and the fold (:mod:`.log`).

Adding an event type: a member of :class:`EventType`, a function in :mod:`.payloads`,
an entry in :data:`VOCABULARY` (with ``public`` if citizens may see it); the tests in
``tickets/tests/test_event_vocabulary.py`` check the three agree.
"""

from . import payloads
from .log import REPLAYED_FIELDS, ReplayError, event_append, replay, ticket_replayed_fields
from .payloads import Payload
from .types import EventType
from .vocabulary import PUBLIC_EVENT_TYPES, VOCABULARY, EventSpec, event_label, public_wording

__all__ = [
    "PUBLIC_EVENT_TYPES",
    "REPLAYED_FIELDS",
    "VOCABULARY",
    "EventSpec",
    "EventType",
    "Payload",
    "ReplayError",
    "event_append",
    "event_label",
    "payloads",
    "public_wording",
    "replay",
    "ticket_replayed_fields",
]
