"""Ticket writes. Every function is keyword-only, takes the actor and ``now``, and is atomic."""

from .attachments import check_upload, ticket_attach
from .closing import (
    ticket_callback,
    ticket_invalidate,
    ticket_merge,
    ticket_rate_online,
    ticket_reopen,
    ticket_review_pass,
    ticket_review_reject,
)
from .dispatching import (
    ticket_approve_return,
    ticket_direct_answer,
    ticket_dispatch,
    ticket_reassign,
    ticket_reject_return,
    ticket_request_return,
    ticket_sub_dispatch,
    ticket_submit_part,
)
from .exemptions import (
    ticket_approve_exemption,
    ticket_reject_exemption,
    ticket_request_exemption,
)
from .handling import (
    ticket_accept,
    ticket_approve_extension,
    ticket_record_contact,
    ticket_reject_extension,
    ticket_reply,
    ticket_request_extension,
)
from .intake import IntakeResult, ticket_register, ticket_register_and_route
from .overlays import (
    ticket_assign_leader,
    ticket_escalate,
    ticket_reveal_caller,
    ticket_supervise,
    ticket_urge,
)
from .sla_tick import sla_tick

__all__ = [
    "IntakeResult",
    "check_upload",
    "sla_tick",
    "ticket_accept",
    "ticket_approve_exemption",
    "ticket_approve_extension",
    "ticket_approve_return",
    "ticket_assign_leader",
    "ticket_attach",
    "ticket_callback",
    "ticket_direct_answer",
    "ticket_dispatch",
    "ticket_escalate",
    "ticket_invalidate",
    "ticket_merge",
    "ticket_rate_online",
    "ticket_reassign",
    "ticket_record_contact",
    "ticket_reject_exemption",
    "ticket_reject_extension",
    "ticket_reject_return",
    "ticket_register",
    "ticket_register_and_route",
    "ticket_reopen",
    "ticket_reply",
    "ticket_request_exemption",
    "ticket_request_extension",
    "ticket_request_return",
    "ticket_reveal_caller",
    "ticket_review_pass",
    "ticket_review_reject",
    "ticket_sub_dispatch",
    "ticket_submit_part",
    "ticket_supervise",
    "ticket_urge",
]
