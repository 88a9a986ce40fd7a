"""Errors raised by ticket services; each has a stable code for the API."""

from duban.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

__all__ = [
    "DomainError",
    "ExtensionLimit",
    "IdempotencyMismatch",
    "IllegalTransition",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "ReturnWindowClosed",
    "StaleTicket",
    "TicketNotFound",
]


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class StaleTicket(Conflict):
    code = "stale_version"


class ReturnWindowClosed(Conflict):
    code = "return_window_closed"


class ExtensionLimit(InvalidInput):
    code = "extension_limit"


class IdempotencyMismatch(Conflict):
    code = "idempotency_mismatch"
