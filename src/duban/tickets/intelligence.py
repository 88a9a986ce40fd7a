"""The engine's port for text intelligence: what intake and the reply check may ask for.

The ticket engine writes; the intelligence only reads. ``ticket_register`` asks the
installed intelligence for a ticket's fingerprint (duplicate band keys, stored by the
engine) and for its suggestions (units, duplicates, repeat caller, knowledge, and the
unit to auto-dispatch to, if any), both before the ticket is saved; ``ticket_reply``
asks it to check a reply. The engine stores the answers through ``transition()``. The
dispatch form asks which stored suggestion is confident enough to preselect as 主办单位.

The ``dispatch`` app installs its implementation from ``DispatchConfig.ready()`` with
:func:`install`; without it the engine runs with :class:`NoIntelligence` (no
suggestions, no automatic dispatch). Nothing here imports the dispatch app, so the
dependency runs one way: dispatch → tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .models import Ticket


@dataclass(frozen=True)
class Analysis:
    """What the intelligence found for a new ticket (nothing here is written by it)."""

    suggestions: dict[str, Any] = field(default_factory=dict)
    # The unit to dispatch to at once (confident suggestion, auto-dispatch switched on).
    auto_unit_id: int | None = None


class Intelligence(Protocol):
    def fingerprint(self, *, title: str, content: str) -> list[int]:
        """Band keys of the text, stored by the engine for duplicate look-up."""

    def analyse(self, *, ticket: Ticket, keys: list[int], now: datetime) -> Analysis:
        """Suggestions for a ticket being registered (pure reads). The ticket is not saved
        yet: it has its text, caller, category and district, but no ``pk`` or number."""

    def preselected_unit(self, *, suggestions: dict[str, Any]) -> int | None:
        """The suggested unit a form may preselect (confident enough), or None."""

    def check_reply(self, *, ticket: Ticket, text: str, result: str) -> dict[str, Any]:
        """The reply check's verdict (score, weak, reasons) for the reviewing centre."""


class NoIntelligence:
    """The engine without the dispatch app: no keys, no suggestions, no verdict."""

    def fingerprint(self, *, title: str, content: str) -> list[int]:
        return []

    def analyse(self, *, ticket: Ticket, keys: list[int], now: datetime) -> Analysis:
        return Analysis()

    def preselected_unit(self, *, suggestions: dict[str, Any]) -> int | None:
        return None

    def check_reply(self, *, ticket: Ticket, text: str, result: str) -> dict[str, Any]:
        return {}


_installed: Intelligence = NoIntelligence()


def install(intelligence: Intelligence) -> None:
    """Install the implementation (called once from an ``AppConfig.ready()``)."""
    global _installed
    _installed = intelligence


def current() -> Intelligence:
    return _installed
