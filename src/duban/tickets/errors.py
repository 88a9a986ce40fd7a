"""Errors raised by ticket services; each has a stable code for the API."""

from duban.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

__all__ = [
    "DomainError",
    "ExemptionRefused",
    "ExtensionLimit",
    "IdempotencyInProgress",
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


class IdempotencyMismatch(InvalidInput):
    """An ``Idempotency-Key`` already used for a request with a different body (422)."""

    code = "idempotency_mismatch"


class IdempotencyInProgress(Conflict):
    """A concurrent identical request with the same ``Idempotency-Key`` is being handled (409):
    retrying shortly returns its ticket."""

    code = "idempotency_in_progress"


class ExemptionRefused(Conflict):
    """考核申诉 cannot be filed or ruled on now (already exempt, one pending, none pending)."""

    code = "exemption_refused"
