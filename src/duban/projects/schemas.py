"""API schemas of the projects module (amounts in 万元, rates as fractions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

from duban.core.schemas import Code, Id, InputSchema, MonthPeriod, PageOut, ShortText, Text, no_nul

from .models import Grouping, LagStatus, Level, Stage

Month = Annotated[int, Field(ge=1, le=12)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Amount = Annotated[float, Field(ge=-1e11, le=1e11, allow_inf_nan=False)]


class ProjectFilters(Schema):
    name: Annotated[str, Field(max_length=100)] | None = Field(None, description="名称或编号包含")
    stage: Stage | None = None
    level: Level | None = None
    lag_status: LagStatus | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class ProjectItemOut(Schema):
    code: str
    name: str
    stage: Stage
    stage_label: str
    levels: list[Level]
    nature: str
    chain: str | None
    street: str | None
    unit: str
    lead: str | None
    owner: str
    total_investment: float
    annual_plan: float
    completed_this_year: float
    reported_month: int | None = Field(
        description="最近审核的报告月份 / month of the last approved report"
    )
    completion_rate: float
    time_elapsed_rate: float
    lag_status: LagStatus
    warning: str = Field(description="'' / yellow / red")
    stage_lag: str
    open_blockers: int
    bond_applied: float
    bond_received: float
    bond_spent: float
    in_stats: bool


class ProjectPageOut(PageOut):
    items: list[ProjectItemOut]


class ReportOut(Schema):
    id: int
    year: int
    month: int
    state: str
    investment_month: float
    cumulative_year: float
    cumulative_total: float
    progress: str
    problems: str
    requests: str
    correction_note: str
    late: bool
    revision: int
    submitted_at: datetime
    reviewed_at: datetime | None
    review_comment: str


class BlockerOut(Schema):
    number: str
    title: str
    state: str
    raised_at: datetime
    closed_at: datetime | None


class StageDateOut(Schema):
    stage: Stage
    planned_date: date | None
    actual_date: date | None


class ProjectDetailOut(ProjectItemOut):
    location: str
    total_since_start: float
    stage_dates: list[StageDateOut]
    reports: list[ReportOut]
    blockers: list[str] = Field(description="工单编号 / ticket numbers")
    blocker_states: list[BlockerOut]


class ReportIn(InputSchema):
    year: Year
    month: Month
    investment_month: Amount
    progress: Text
    problems: Text = ""
    requests: Text = ""
    correction_note: ShortText = ""


class ReviewIn(InputSchema):
    comment: ShortText = ""


class StageIn(InputSchema):
    stage: Stage
    on: date | None = None
    note: ShortText = ""


class BlockerIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    content: Text


class ScoreIn(InputSchema):
    entrant: Id
    scores: dict[
        Annotated[int, Field(ge=1, le=2**53)], Annotated[float, Field(allow_inf_nan=False)]
    ]


class BoardRowOut(Schema):
    rank: int
    label: str | None
    rate: float
    change: int | None


class BoardOut(Schema):
    title: str
    rows: list[BoardRowOut]


class ContestOut(Schema):
    id: int
    name: str
    season: str
    state: str
    ranking: list[dict[str, Any]] = []


ContestName = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"\S"), AfterValidator(no_nul)
]
Username = Annotated[str, Field(min_length=1, max_length=150), AfterValidator(no_nul)]


class CriterionIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=30, pattern=r"\S"), AfterValidator(no_nul)]
    weight: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = Field(
        description="权重(%)，各项合计须为100 / weight in %, all add up to 100"
    )


class ContestIn(InputSchema):
    """A contest's whole set-up: entrants are project codes or unit codes (never both),
    judges are usernames of the district."""

    name: ContestName
    season: Annotated[str, Field(max_length=30), AfterValidator(no_nul)] = ""
    criteria: list[CriterionIn] = Field(min_length=1, max_length=20)
    projects: list[Code] = Field(default=[], max_length=500)
    units: list[Code] = Field(default=[], max_length=500)
    judges: list[Username] = Field(min_length=1, max_length=50)
    drop_extremes: bool = False
    grouping: Grouping = Grouping.KIND


class CriterionOut(Schema):
    id: int
    name: str
    weight: float


class EntrantOut(Schema):
    id: int
    name: str
    group: str
    project: str | None = Field(description="项目编号 / project code")
    unit: str | None = Field(description="单位编码 / unit code")


class ContestDetailOut(ContestOut):
    drop_extremes: bool
    grouping: Grouping
    criteria: list[CriterionOut]
    entrants: list[EntrantOut]
    judges: list[str] = Field(description="评委用户名 / judges' usernames")
    scoring_started: bool
    my_scored: list[int] = Field(description="本人已评分的参评对象 / entrants the caller scored")


class PhotoOut(Schema):
    id: int
    report: int
    period: MonthPeriod
    name: str
    caption: str
    content_type: str
    size: int
    uploaded_at: datetime | None


__all__ = ["Code"]
