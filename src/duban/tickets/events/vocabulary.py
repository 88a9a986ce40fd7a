"""The registry: for each :class:`EventType`, its payload function and what the public reads.

- the label (staff pages: the ticket's history) is the choice's label, ``EventType.X.label``;
- ``payload`` is the function of :mod:`.payloads` that builds the event's payload;
- ``public`` is ``None`` for an event the public never sees (staff, notes, returns,
  extensions, urging…). Otherwise the portal reads the event, and ``public`` maps a
  variant (``""`` is the usual one) to the plain wording of its step on the tracking page,
  with ``{placeholders}`` filled from the payload. The portal decides which variant an
  event is (e.g. a call-back that reached the caller or not); the words live here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import payloads
from .payloads import Payload
from .types import EventType


@dataclass(frozen=True)
class EventSpec:
    type: EventType
    payload: Callable[..., Payload]
    public: Mapping[str, str] | None = None

    @property
    def label(self) -> str:
        return str(self.type.label)


E = EventType
_SPECS = [
    EventSpec(E.REGISTER, payloads.register, public={"": "诉求已受理登记"}),
    EventSpec(E.SUGGEST, payloads.suggest),
    EventSpec(
        E.DISPATCH,
        payloads.dispatch,
        public={"": "已转交{unit_name}办理", "unknown_unit": "已转交承办单位办理"},
    ),
    EventSpec(E.DIRECT_ANSWER, payloads.direct_answer, public={"": "已直接答复"}),
    EventSpec(E.REASSIGN, payloads.reassign, public={"": "已改派{unit_name}办理"}),
    EventSpec(E.REQUEST_RETURN, payloads.request_return),
    EventSpec(E.APPROVE_RETURN, payloads.approve_return),
    EventSpec(E.REJECT_RETURN, payloads.reject_return),
    EventSpec(E.SUB_DISPATCH, payloads.sub_dispatch),
    EventSpec(E.SUBMIT_PART, payloads.submit_part),
    EventSpec(E.ACCEPT, payloads.accept, public={"": "承办单位已签收，开始办理"}),
    EventSpec(E.RECORD_CONTACT, payloads.record_contact, public={"": "承办单位已与您联系"}),
    EventSpec(E.REQUEST_EXTENSION, payloads.request_extension),
    EventSpec(E.APPROVE_EXTENSION, payloads.approve_extension),
    EventSpec(E.REJECT_EXTENSION, payloads.reject_extension),
    EventSpec(E.EXTENSION_LAPSED, payloads.extension_lapsed),
    EventSpec(
        E.REPLY,
        payloads.reply,
        public={"": "承办单位已答复", "with_result": "承办单位已答复（{result}）"},
    ),
    EventSpec(E.REVIEW_PASS, payloads.review_pass, public={"": "答复已审核，欢迎您评价办理结果"}),
    # Read by the portal (a reply sent back in review never shows), with no step of its own.
    EventSpec(E.REVIEW_REJECT, payloads.review_reject, public={}),
    EventSpec(
        E.CALLBACK,
        payloads.callback,
        public={"reached": "已电话回访", "unreachable": "多次回访未能联系到您，工单已办结"},
    ),
    EventSpec(E.RATE_ONLINE, payloads.rate_online, public={"": "您已网上评价"}),
    EventSpec(E.REOPEN, payloads.reopen, public={"": "重新办理"}),
    EventSpec(E.MERGE, payloads.merge, public={"": "已与相同诉求合并办理"}),
    EventSpec(
        E.CLOSE_WITH_MASTER,
        payloads.close_with_master,
        public={"": "相同诉求已办结，本工单一并办结"},
    ),
    EventSpec(E.INVALIDATE, payloads.invalidate, public={"": "经审核，不予受理"}),
    EventSpec(E.REQUEST_EXEMPTION, payloads.request_exemption),
    EventSpec(E.APPROVE_EXEMPTION, payloads.approve_exemption),
    EventSpec(E.REJECT_EXEMPTION, payloads.reject_exemption),
    EventSpec(E.URGE, payloads.urge),
    EventSpec(E.SUPERVISE, payloads.supervise),
    EventSpec(E.ASSIGN_LEADER, payloads.assign_leader),
    EventSpec(E.ESCALATE, payloads.escalate),
    EventSpec(E.REVEAL_CALLER, payloads.reveal_caller),
    EventSpec(E.ATTACH, payloads.attach),
    EventSpec(E.ATTACH_PUBLIC, payloads.attach_public, public={"": "已上传现场照片"}),
    EventSpec(E.BREACH, payloads.breach),
]
VOCABULARY: dict[EventType, EventSpec] = {spec.type: spec for spec in _SPECS}

# The event types the portal reads (everything else never leaves the staff pages).
PUBLIC_EVENT_TYPES: frozenset[EventType] = frozenset(
    spec.type for spec in _SPECS if spec.public is not None
)


def event_label(type: str) -> str:
    """The Chinese label of an event type; an unknown type shows as itself."""
    try:
        return str(EventType(type).label)
    except ValueError:
        return type


def public_wording(type: str, variant: str = "", **values: Any) -> str:
    """The public step's wording for an event type (and variant), placeholders filled in."""
    public = VOCABULARY[EventType(type)].public
    if public is None or variant not in public:
        raise KeyError(f"no public wording for {type!r} (variant {variant!r})")
    return public[variant].format(**values)
