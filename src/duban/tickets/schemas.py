"""API schemas of tickets: the register body, list filters, action bodies and outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field

from duban.core.schemas import (
    Id,
    InputSchema,
    MonthPeriod,
    Name,
    PageOut,
    Ref,
    RequiredName,
    RequiredShortText,
    RequiredText,
    ShortText,
    no_nul,
)

from .choices import (
    AppealType,
    AssignmentRole,
    Channel,
    ExemptionReason,
    Kind,
    ReplyResult,
    State,
    Urgency,
)
from .selectors import assignment_units, caller_view
from .selectors_related import master_number_for, suggestions_for

Ordering = Literal["number", "-number", "created_at", "-created_at", "handle_due", "-handle_due"]
Period = MonthPeriod
Query = Annotated[str, Field(max_length=100), AfterValidator(no_nul)]


# --- input --------------------------------------------------------------------------


class CallerIn(InputSchema):
    name: Annotated[str, Field(max_length=50), AfterValidator(no_nul)] = ""
    phone: Annotated[str, Field(max_length=30), AfterValidator(no_nul)] = ""
    id_number: Annotated[str, Field(max_length=18), AfterValidator(no_nul)] = ""


class TicketIn(InputSchema):
    title: RequiredName
    content: RequiredText
    appeal_type: AppealType
    channel: Channel
    kind: Kind = Kind.APPEAL
    urgency: Urgency = Urgency.NORMAL
    location: Name = ""
    category_id: Id | None = None
    caller: CallerIn | None = None


class TicketFilters(Schema):
    state: State | None = None
    kind: Kind | None = None
    unit: Ref | None = Field(None, description="主办单位编码或 id / primary unit code or id")
    subtree: bool = Field(False, description="包含下级单位 / include the unit's subtree")
    overdue: bool | None = None
    period: Period | None = Field(None, description="登记月份 YYYY-MM（本地时间）")
    q: Query | None = Field(None, description="标题包含 / title contains")
    ordering: Ordering = "-number"
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class ActionIn(InputSchema):
    """Every action accepts the version the client saw (also as ``If-Match``)."""

    expected_version: Id | None = None


class DispatchIn(ActionIn):
    unit: Ref
    co_units: list[Ref] = Field(default_factory=list, max_length=20)
    note: ShortText = ""


class DirectAnswerIn(ActionIn):
    answer: RequiredText
    result: Literal[ReplyResult.SOLVED, ReplyResult.EXPLAINED] = ReplyResult.EXPLAINED


class NoteIn(ActionIn):
    note: ShortText = ""


class ReasonIn(ActionIn):
    reason: RequiredShortText


class RevealIn(InputSchema):
    reason: RequiredName  # at most 200 characters


class InvalidateIn(ActionIn):
    reason: RequiredName  # at most 200 characters (``Ticket.invalid_reason``)


class ExemptionIn(ActionIn):
    reason_kind: ExemptionReason
    reason: RequiredShortText


class ReassignIn(ActionIn):
    unit: Ref
    reason: RequiredShortText


class SubDispatchIn(ActionIn):
    unit: Ref
    note: ShortText = ""


class TextIn(ActionIn):
    text: RequiredText


class ExtensionIn(ActionIn):
    days: int = Field(ge=1, le=100)
    reason: RequiredShortText


class ReplyIn(ActionIn):
    result: ReplyResult
    text: RequiredText
    reason: ShortText = ""
    attachment_ids: list[Id] = Field(default_factory=list, max_length=20)


class CallbackIn(ActionIn):
    reached: bool
    resolved: bool | None = None
    satisfaction: Literal["satisfied", "basic", "unsatisfied", ""] = ""
    note: ShortText = ""
    reopen: bool = False


class MergeIn(ActionIn):
    master: Annotated[str, Field(pattern=r"^[0-9]{8,16}$")]


class SuperviseIn(ActionIn):
    level: int = Field(ge=1, le=3, description="1 一般 · 2 重点 · 3 挂牌")
    note: ShortText = ""


class LeaderIn(ActionIn):
    leader: Annotated[str, Field(min_length=1, max_length=150), AfterValidator(no_nul)]
    note: ShortText = ""


# --- output -------------------------------------------------------------------------


class UnitRefOut(Schema):
    id: int
    code: str
    name: str


class CategoryOut(Schema):
    id: int
    name: str
    full_name: str


class CallerOut(Schema):
    name: str
    phone: str
    id_number: str


def _user(context: Any) -> Any:
    return context["request"].auth


class TicketItemOut(Schema):
    number: str
    title: str
    kind: str
    appeal_type: str
    channel: str
    urgency: str
    state: str
    state_label: str
    location: str
    primary_unit: UnitRefOut | None
    handling_unit: UnitRefOut | None
    category: CategoryOut | None
    caller: CallerOut | None
    created_at: datetime
    dispatched_at: datetime | None
    handle_due: datetime | None
    overdue: bool
    version: int

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return str(State(obj.state).label)

    @staticmethod
    def resolve_caller(obj: Any, context: Any) -> dict[str, str] | None:
        return caller_view(obj.caller, _user(context))

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class TicketPageOut(PageOut):
    items: list[TicketItemOut]


class DeadlinesOut(Schema):
    accept_due: datetime | None
    contact_due: datetime | None
    return_due: datetime | None
    handle_due: datetime | None
    callback_due: datetime | None
    extension_days: int
    extension_pending_days: int
    extension_pending_reason: str


class TicketOut(TicketItemOut):
    content: str
    co_units: list[UnitRefOut]
    sub_units: list[UnitRefOut]
    deadlines: DeadlinesOut
    accepted_at: datetime | None
    first_contact_at: datetime | None
    replied_at: datetime | None
    reviewed_at: datetime | None
    rated_at: datetime | None
    closed_at: datetime | None
    reply_result: str
    reply_text: str
    resolved: bool | None
    satisfaction: str
    callback_attempts: int
    unreachable: bool
    return_count: int
    reopen_count: int
    urge_count: int
    supervise_level: int
    escalated: bool
    leader: str | None
    master: str | None
    invalid_reason: str
    suggestions: dict[str, Any]

    @staticmethod
    def resolve_co_units(obj: Any) -> list[dict[str, Any]]:
        return assignment_units(obj, AssignmentRole.CO)

    @staticmethod
    def resolve_sub_units(obj: Any) -> list[dict[str, Any]]:
        return assignment_units(obj, AssignmentRole.SUB)

    @staticmethod
    def resolve_deadlines(obj: Any) -> Any:
        return obj

    @staticmethod
    def resolve_leader(obj: Any) -> str | None:
        return str(obj.leader) if obj.leader_id else None

    @staticmethod
    def resolve_master(obj: Any, context: Any) -> str | None:
        # Only a master the reader may see (selectors_related; None otherwise).
        return master_number_for(obj, _user(context))

    @staticmethod
    def resolve_suggestions(obj: Any, context: Any) -> dict[str, Any]:
        # Other tickets (duplicates, the caller's earlier ones) only as far as the reader sees.
        return suggestions_for(obj, _user(context))


class EventOut(Schema):
    seq: int
    type: str
    at: datetime
    actor: str | None
    actor_unit: str | None
    from_state: str
    to_state: str
    payload: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_actor_unit(obj: Any) -> str | None:
        return obj.actor_unit.name if obj.actor_unit_id else None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
