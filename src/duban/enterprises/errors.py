"""The enterprise service's refusals: each a stable ``code`` and a Chinese message."""

from __future__ import annotations

from duban.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class InvalidCreditCode(InvalidInput):
    code = "invalid_credit_code"


class DuplicateEnterprise(Conflict):
    code = "duplicate_enterprise"


class EnterpriseNotFound(NotFound):
    code = "enterprise_not_found"


class NotYourEnterprise(PermissionDenied):
    code = "not_your_enterprise"


class WrongUnit(PermissionDenied):
    code = "wrong_unit"


class StepOutOfOrder(DomainError):
    code = "step_out_of_order"
    status = 409


class StepState(DomainError):
    code = "step_state"
    status = 409


class CloseoutUnconfirmed(DomainError):
    code = "closeout_unconfirmed"
    status = 409


class CaseState(DomainError):
    code = "case_state"
    status = 409


class LinkUsed(DomainError):
    code = "link_used"
    status = 410


class LinkExpired(DomainError):
    code = "link_expired"
    status = 410


class LinkInvalid(PermissionDenied):
    code = "link_invalid"


class CodeInvalid(PermissionDenied):
    code = "code_invalid"


class Throttled(DomainError):
    code = "throttled"
    status = 429


class ImportRejected(InvalidInput):
    code = "import_rejected"


class WhistleAtRegistration(DomainError):
    """A whistle (园区吹哨) sends a problem that waits for its departments — at its
    registration or later; one a department holds, or closed, cannot be whistled. (The code
    is kept from when only the registration's whistle was the officer's.)"""

    code = "whistle_at_registration"
    status = 409
