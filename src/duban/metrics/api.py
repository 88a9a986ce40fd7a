"""Figures and rankings over the API: thin wrappers over the monthly rollup's selectors, so
the numbers are those of the dashboard, the report and the circular (same rows, same cut-off).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from duban.core.errors import NotFound
from duban.core.periods import parse_period
from duban.core.schemas import ErrorOut, InputSchema, MonthPeriod, Ref
from duban.org.auth import role_auth
from duban.org.roles import DASHBOARD_ROLES, DISTRICT_WIDE_ROLES
from duban.tickets.selectors import unit_by_ref

from .selectors import reader_district
from .selectors_explain import ranking_explanation
from .selectors_rollup import month_figures, rankings_from_rollup

# The roles of the dashboard and rankings pages (metrics.views), the same on the API.
router = Router(tags=["metrics"], auth=role_auth(DASHBOARD_ROLES))
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Period = MonthPeriod


class MetricsQuery(InputSchema):
    period: Period
    unit: Ref | None = Field(None, description="单位编码或 id；缺省为全区或本单位")


class RankingQuery(InputSchema):
    period: Period
    group: Literal["streets", "departments"]


class ExplainQuery(RankingQuery):
    unit: Ref = Field(description="单位编码或 id")


class FiguresOut(Schema):
    period_start: datetime
    period_end: datetime
    unit_id: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    unit_kind: str | None = None
    dispatched: int
    due_for_response: int
    responded_in_time: int
    rated: int
    resolved: int
    satisfied: int
    basic_satisfied: int
    replied: int
    replied_on_time: int
    primary_assignments: int
    returned: int
    closed_or_rated: int
    reopened: int
    overdue_count: int
    exempted: int = Field(description="核减：经批准的考核申诉移出各项计数的工单数")
    mean_handling_hours: float | None
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    return_rate: float | None
    reopen_rate: float | None
    composite: float | None


class RankingEntryOut(Schema):
    rank: int | None
    figures: FiguresOut
    previous_rank: int | None
    rank_change: int | None
    previous_composite: float | None
    composite_change: float | None
    not_ranked_reason: str | None = None


class RankingOut(Schema):
    period: str
    previous_period: str
    group: str
    period_start: datetime
    period_end: datetime
    min_volume: int
    top_n: int
    ranked: list[RankingEntryOut]
    not_ranked: list[RankingEntryOut]
    top: list[RankingEntryOut]
    bottom: list[RankingEntryOut]


class TermOut(Schema):
    label: str
    count: int
    factor: float = Field(description="计入系数（基本满意按考核设置折算），其余为 1")


class RateLineOut(Schema):
    key: str = Field(description="指标字段，如 response_rate")
    label: str
    numerator: list[TermOut] = Field(description="分子各项之和（计数 × 系数）")
    denominator: TermOut
    value: float | None
    weight: float | None = Field(description="综合得分中的权重；不计入综合得分的指标为 null")
    points: float | None = Field(description="对综合得分的贡献：100 × 权重 × 比率 ÷ 现有权重之和")


class ExemptionOut(Schema):
    ticket_number: str
    reason_kind: str
    reason_label: str
    ruled_at: datetime | None


class ExplanationOut(Schema):
    period: str
    previous_period: str
    group: str
    group_label: str
    unit_id: int
    unit_name: str
    rank: int | None
    ranked_units: int
    board: str | None = Field(description="top（飞虎榜）、bottom（蜗牛榜）或 null")
    not_ranked_reason: str | None
    not_ranked_text: str
    dispatched: int
    min_volume: int
    exempted: int
    rates: list[RateLineOut]
    weight_total: float
    composite: float | None
    previous_rank: int | None
    rank_change: int | None
    previous_composite: float | None
    composite_change: float | None
    exemptions: list[ExemptionOut] | None = Field(
        description="核减工单明细；无权查看该单位工单时为 null（仅给出件数 exempted）"
    )


@router.get(
    "/metrics",
    response={200: FiguresOut, **ERRORS},
    summary="单位或全区指标 / figures of a unit or the district",
    description=(
        "Without `unit`: the user's district for district-wide roles, else the user's unit. "
        "From the monthly rollup, as the dashboard (time-dependent counts as of its moment)."
    ),
)
def metrics(request: HttpRequest, query: Query[MetricsQuery]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    period = parse_period(query.period)
    now = timezone.now()
    unit = None
    if query.unit is not None or user.role not in DISTRICT_WIDE_ROLES:
        unit = unit_by_ref(query.unit) if query.unit is not None else user.unit
        if not user.can_see_unit(unit):
            raise NotFound("单位不存在 / no such unit", field="unit")
    figures = month_figures(period=period, unit=unit, now=now, district=reader_district(user))
    return asdict(figures)


@router.get(
    "/rankings",
    response={200: RankingOut, **ERRORS},
    summary="飞虎榜/蜗牛榜 / rankings of streets or departments",
)
def ranking(request: HttpRequest, query: Query[RankingQuery]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return rankings_from_rollup(
        period=query.period, group=query.group, now=timezone.now(), district=reader_district(user)
    )


@router.get(
    "/rankings/explain",
    response={200: ExplanationOut, **ERRORS},
    summary="排名说明（为何如此）/ why a unit stands where it does in a ranking",
    description=(
        "The counts behind each rate, the composite's weights, the rank group and minimum "
        "volume, and the exemptions (核减) of one row of `GET /rankings` (same rollup, same "
        "numbers). The exempted tickets are listed only to a reader who may see the unit's "
        "tickets; 404 when the unit is not in the reader's district's ranking."
    ),
)
def ranking_explain(request: HttpRequest, query: Query[ExplainQuery]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return ranking_explanation(
        period=query.period,
        group=query.group,
        unit=unit_by_ref(query.unit),
        reader=user,
        now=timezone.now(),
    )
