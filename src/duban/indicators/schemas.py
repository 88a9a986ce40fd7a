"""Input and output schemas of the indicators API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from duban.core.schemas import Code, InputSchema, ShortText

PeriodText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


class TableQuery(InputSchema):
    period: PeriodText
    group: Code


class CompositeQuery(TableQuery):
    scheme: Code = "default"


class GroupOut(Schema):
    code: str
    name: str
    peers: int
    areas: list[str]


class AreaOut(Schema):
    code: str
    name: str
    kind: str
    is_home: bool


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    reported: str
    direction: str
    rank_by: str
    merged_jan_feb: bool


class RowOut(Schema):
    area: str
    area_code: str
    indicator: str
    indicator_code: str
    unit: str
    value: float | None
    growth: float | None = Field(description="累计同比增速(%)")
    month_value: float | None = Field(None, description="当月值（如有报送）")
    rank: int | None = Field(description="组内名次，并列取最好名次（1,1,3）")
    previous_rank: int | None
    rank_change: int | None = Field(description="较上期名次变化，正数为前移")
    peers: int = Field(description="比较组地区数")
    gap_to_city: float | None = Field(description="增速与全市之差(百分点)")
    two_year_average: float | None
    base_effect: bool
    outlier: bool
    ranked_by: str
    direction: str


class TableOut(Schema):
    period: str
    shown_period: str
    label: str
    group: str
    group_name: str
    status: str | None
    peers: int
    rows: list[RowOut]


class ReleaseOut(Schema):
    period: str
    label: str
    version: int
    status: str
    source_name: str
    reason: str
    imported_at: datetime
    approved_at: datetime | None
    published_at: datetime | None


class IssueOut(Schema):
    sheet: str
    row: int
    column: str
    value: str
    message: str
    level: str
    text: str


class ImportOut(Schema):
    filename: str
    ok: bool
    committed: bool
    periods: list[str]
    values: int
    errors: int
    warnings: int
    issues: list[IssueOut]


class TargetOut(Schema):
    area: str
    indicator: str
    year: int
    target_value: float | None
    target_growth: float | None
    value: float | None
    growth: float | None
    done: float | None
    elapsed: float
    growth_gap: float | None
    ahead: bool | None


class CompositePartOut(Schema):
    indicator: str
    figure: float | None
    score: float | None
    weight: float


class CompositeRowOut(Schema):
    area: str
    score: float | None
    rank: int | None
    parts: list[CompositePartOut]


class CompositeOut(Schema):
    scheme: str
    period: str
    group: str
    rows: list[CompositeRowOut]


class ReasonIn(InputSchema):
    reason: ShortText = ""
