"""Domain errors shared by every app.

Each error has a stable machine ``code`` and an HTTP ``status``; the API turns them
into ``{"code": ..., "message": ...}`` responses.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class Conflict(DomainError):
    code = "conflict"
    status = 409
