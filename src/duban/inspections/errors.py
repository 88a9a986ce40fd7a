"""The inspections module's refusals: each a stable ``code`` and a Chinese message."""

from __future__ import annotations

from duban.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class PhotoRequired(InvalidInput):
    code = "photo_required"


class InvalidPhoto(InvalidInput):
    code = "invalid_photo"


class StandardNotApplicable(InvalidInput):
    code = "standard_not_applicable"


class AlreadySubmitted(Conflict):
    code = "check_already_submitted"


class TokenReused(Conflict):
    code = "client_token_reused"


class RoundClosed(Conflict):
    code = "round_closed"


class NotAwaitingVerification(Conflict):
    code = "not_awaiting_verification"


class VerifierIsRectifier(PermissionDenied):
    code = "verifier_is_rectifier"


class ChecklistInvalid(InvalidInput):
    code = "checklist_invalid"


class InspectionNotFound(NotFound):
    code = "not_found"
