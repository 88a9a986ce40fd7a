"""Input and output schemas of the enterprise service's API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field

from duban.core.schemas import Id, InputSchema, Name, PageOut, ShortText, Text, no_nul

SearchText = Annotated[str, Field(max_length=100), AfterValidator(no_nul)]
# The credit code's own rules (length, alphabet, check character) are the service's:
# a wrong code answers ``invalid_credit_code``, not a generic schema error.
CreditCode = Annotated[str, Field(max_length=100), AfterValidator(no_nul)]
Phone = Annotated[str, Field(max_length=30), AfterValidator(no_nul)]
Size = Literal["large", "medium", "small", "micro"]
LevelIn = Literal["district", "city", "province"]
SatisfactionIn = Literal["satisfied", "basic", "unsatisfied"]


class EnterpriseIn(InputSchema):
    name: Name
    credit_code: CreditCode
    chain_id: Id | None = None
    park_id: Id | None = None
    street_id: Id | None = None
    size: Size = "small"
    above_scale: bool = False
    specialized: bool = False
    high_tech: bool = False
    tech_sme: bool = False
    contact_name: Annotated[str, Field(max_length=50), AfterValidator(no_nul)] = ""
    contact_phone: Phone = ""
    officer_id: Id | None = None
    group_id: Id | None = None


class EnterpriseFilters(Schema):
    name: SearchText | None = Field(None, description="企业名称包含")
    credit_code: SearchText | None = Field(None, description="信用代码前缀")
    chain: Id | None = None
    park: Id | None = None
    street: Id | None = None
    officer: Id | None = None
    group: Id | None = None
    above_scale: bool | None = None
    specialized: bool | None = None
    high_tech: bool | None = None
    tech_sme: bool | None = None
    visit_overdue: bool | None = Field(None, description="走访超期")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class RefOut(Schema):
    id: int
    name: str


class ContactOut(Schema):
    name: str
    phone: str


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    chain: RefOut | None
    park: RefOut | None
    street: RefOut | None
    size: str
    above_scale: bool
    specialized: bool
    high_tech: bool
    tech_sme: bool
    contact: ContactOut
    officer: RefOut | None
    group: RefOut | None
    last_visited_on: date | None
    created_at: datetime


class EnterprisePageOut(PageOut):
    items: list[EnterpriseOut]


class FoundProblemIn(InputSchema):
    title: Name
    content: Text
    category_id: Id
    level: LevelIn = "district"
    unit_ids: list[Id] = Field(
        default_factory=list, max_length=10, description="园区吹哨：主办部门在前，其余协办"
    )


class VisitIn(InputSchema):
    visited_on: date
    topics: Text
    participants: ShortText = ""
    problems: list[FoundProblemIn] = Field(default_factory=list, max_length=20)


class VisitOut(Schema):
    id: int
    enterprise_id: int
    officer: str
    visited_on: date
    participants: str
    topics: str
    problem_ids: list[int]


class ProblemIn(InputSchema):
    title: Name
    content: Text
    category_id: Id
    level: LevelIn = "district"
    source: Literal["visit", "assigned"] = "assigned"
    unit_ids: list[Id] = Field(
        default_factory=list, max_length=10, description="园区吹哨：主办部门在前，其余协办"
    )


class ProblemOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    ticket_number: str
    ticket_state: str
    title: str
    category: str
    level: str
    source: str
    created_at: datetime
    closed_at: datetime | None
    solved: bool
    satisfaction: str


class ProblemPageOut(PageOut):
    items: list[ProblemOut]


class WhistleIn(InputSchema):
    unit_ids: list[Id] = Field(min_length=1, max_length=10)
    note: ShortText = ""


class EscalateIn(InputSchema):
    level: Literal["city", "province"]
    to: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_nul)]
    note: ShortText = ""


class EscalationOut(Schema):
    id: int
    problem_id: int
    level: str
    escalated_to: str
    escalated_at: datetime
    note: str
    response: str
    responded_at: datetime | None


class EscalationAnswerIn(InputSchema):
    response: Text


class StepOut(Schema):
    id: int
    case_id: int
    enterprise: str
    service: str
    order: int
    name: str
    unit: RefOut
    documents: str
    days: int
    state: str
    started_at: datetime | None
    due_at: datetime | None
    accepted_at: datetime | None
    done_at: datetime | None
    blocked_reason: str
    late: bool
    overdue: bool


class StepPageOut(PageOut):
    items: list[StepOut]


class CaseIn(InputSchema):
    service_id: Id
    project_name: Name = ""
    note: ShortText = ""


class CaseOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    service: str
    project_name: str
    state: str
    created_at: datetime
    due_at: datetime
    completed_at: datetime | None
    on_time: bool | None
    satisfaction: str
    steps: list[StepOut]


class CaseItemOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    service: str
    state: str
    created_at: datetime
    due_at: datetime
    completed_at: datetime | None
    on_time: bool | None
    satisfaction: str


class CasePageOut(PageOut):
    items: list[CaseItemOut]


class StepActionIn(InputSchema):
    note: ShortText = ""


class StepBlockIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=300), AfterValidator(no_nul)]


class ServiceStepOut(Schema):
    order: int
    name: str
    unit: RefOut
    documents: str
    days: int


class ServiceOut(Schema):
    id: int
    name: str
    fast_track: bool
    description: str
    steps: list[ServiceStepOut]


class ProblemFiguresOut(Schema):
    key: str | int | None
    label: str
    problems: int
    solved: int
    open: int
    rated: int
    satisfied: int
    avg_days: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class ProxyFiguresOut(Schema):
    key: str | int | None
    label: str
    cases: int
    completed: int
    on_time: int
    rated: int
    satisfied: int
    completion_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class ProxyTotalOut(ProxyFiguresOut):
    by_service: list[ProxyFiguresOut]


class FiguresOut(Schema):
    year: int
    problems: ProblemFiguresOut
    by_level: list[ProblemFiguresOut]
    by_category: list[ProblemFiguresOut]
    proxy: ProxyTotalOut


class FiguresQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class ProblemFiguresQuery(FiguresQuery):
    by: Literal["level", "category", "unit", "officer", "group", "month"] = "level"


class ProxyFiguresQuery(FiguresQuery):
    by: Literal["service", "officer", "month"] = "service"


class CoverageOut(Schema):
    key: int | None
    label: str
    enterprises: int
    overdue: int
    coverage_rate: float | None
