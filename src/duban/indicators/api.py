"""The indicators endpoints under ``/api/v1/indicators/``: catalogue, the monthly table with
ranks, targets, the composite rank, releases, and (statistics office) import, approve and
publish. Readers other than the statistics office see published months only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from duban.core.errors import PermissionDenied
from duban.core.periods import parse_period
from duban.core.schemas import ErrorOut
from duban.org.auth import role_auth
from duban.org.roles import STATS_ROLES

from . import selectors, selectors_series, services
from .calc import cumulative_label
from .errors import UnknownScheme
from .schemas import (
    AreaOut,
    CompositeOut,
    CompositeQuery,
    GroupOut,
    ImportOut,
    IndicatorOut,
    ReasonIn,
    ReleaseOut,
    TableOut,
    TableQuery,
    TargetOut,
)
from .services_import import import_check, import_commit

router = Router(tags=["indicators"], auth=role_auth(selectors.READER_ROLES))
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "/indicators/groups", response={200: list[GroupOut], **ERRORS}, summary="比较组 / peer groups"
)
def groups(request: HttpRequest) -> Any:
    return selectors.group_list(_user(request))


@router.get("/indicators/areas", response={200: list[AreaOut], **ERRORS}, summary="地区 / areas")
def areas(request: HttpRequest) -> Any:
    return selectors.catalogue(selectors.reader_district(_user(request))).areas


@router.get(
    "/indicators/catalogue",
    response={200: list[IndicatorOut], **ERRORS},
    summary="指标目录 / indicator catalogue",
)
def indicator_catalogue(request: HttpRequest) -> Any:
    return selectors.catalogue(selectors.reader_district(_user(request))).indicators


@router.get(
    "/indicators/table",
    response={200: TableOut, **ERRORS},
    summary="月度排名表 / the monthly table with ranks",
)
def table(request: HttpRequest, q: Query[TableQuery]) -> Any:
    parse_period(q.period)
    t = selectors.monthly_table(user=_user(request), period=q.period, group=q.group)
    return {
        "period": t.period,
        "shown_period": t.shown,
        "label": t.label,
        "group": t.group.code,
        "group_name": t.group.name,
        "status": t.status,
        "peers": len(t.areas),
        "rows": t.rows,
    }


@router.get(
    "/indicators/targets",
    response={200: list[TargetOut], **ERRORS},
    summary="年度目标与序时进度 / targets against time elapsed",
)
def targets(request: HttpRequest, period: str) -> Any:
    parse_period(period)
    return [
        {
            "area": t.area.name,
            "indicator": t.indicator.name,
            "year": t.year,
            "target_value": t.target_value,
            "target_growth": t.target_growth,
            "value": t.value,
            "growth": t.growth,
            "done": t.done,
            "elapsed": t.elapsed,
            "growth_gap": t.growth_gap,
            "ahead": t.ahead,
        }
        for t in selectors_series.target_progress(user=_user(request), period=period)
    ]


@router.get(
    "/indicators/composite",
    response={200: CompositeOut, **ERRORS},
    summary="综合排名 (50+10·z) / composite rank",
)
def composite(request: HttpRequest, q: Query[CompositeQuery]) -> Any:
    parse_period(q.period)
    c = selectors_series.composite_rank(
        user=_user(request), scheme=q.scheme, period=q.period, group=q.group
    )
    if c is None:
        raise UnknownScheme(f"没有综合排名方案“{q.scheme}”")
    return {
        "scheme": c.scheme.code,
        "period": c.period,
        "group": q.group,
        "rows": [
            {
                "area": r["area"].name,
                "score": r["score"],
                "rank": r["rank"],
                "parts": [
                    {
                        "indicator": p["indicator"].name,
                        "figure": p["figure"],
                        "score": p["score"],
                        "weight": p["weight"],
                    }
                    for p in r["parts"]
                ],
            }
            for r in c.rows
        ],
    }


def _release_out(r: Any) -> dict[str, Any]:
    return {
        "period": r.period,
        "label": cumulative_label(r.period),
        "version": r.version,
        "status": r.status,
        "source_name": r.source_name,
        "reason": r.reason,
        "imported_at": r.imported_at,
        "approved_at": r.approved_at,
        "published_at": r.published_at,
    }


@router.get(
    "/indicators/releases",
    response={200: list[ReleaseOut], **ERRORS},
    summary="月度数据版本 / monthly releases and their history",
)
def releases(request: HttpRequest) -> Any:
    return [_release_out(r) for r in selectors.release_list(_user(request))]


def _stats(request: HttpRequest) -> Any:
    user = _user(request)
    if not user.has_role(STATS_ROLES):
        raise PermissionDenied("只有统计局可以导入、审核和发布经济指标数据")
    return user


@router.post(
    "/indicators/imports",
    response={200: ImportOut, 201: ImportOut, **ERRORS},
    summary="导入月度数据表 / import the monthly workbook",
)
def import_workbook(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    reason: Form[str] = "",
) -> Any:
    """With ``dry_run`` only the validation report; otherwise the report and, when it has no
    error, one draft release per month (422 ``import_invalid`` and nothing written if not)."""
    user = _stats(request)
    district = selectors.reader_district(user)
    data = file.read()
    name = file.name or ""
    if dry_run:
        report = import_check(district=district, data=data, filename=name)
        return Status(200, {**report.summary(), "committed": False})
    report, _ = import_commit(
        district=district,
        data=data,
        filename=name,
        actor=user,
        now=timezone.now(),
        reason=reason[:500],
    )
    return Status(201, {**report.summary(), "committed": True})


@router.post(
    "/indicators/releases/{period}/approve",
    response={200: ReleaseOut, **ERRORS},
    summary="审核 / approve a month",
)
def approve(request: HttpRequest, period: str) -> Any:
    user = _stats(request)
    parse_period(period)
    return _release_out(
        services.release_approve(
            district=selectors.reader_district(user), period=period, actor=user, now=timezone.now()
        )
    )


@router.post(
    "/indicators/releases/{period}/publish",
    response={200: ReleaseOut, **ERRORS},
    summary="发布 / publish a month",
)
def publish(request: HttpRequest, period: str) -> Any:
    user = _stats(request)
    parse_period(period)
    return _release_out(
        services.release_publish(
            district=selectors.reader_district(user), period=period, actor=user, now=timezone.now()
        )
    )


@router.post(
    "/indicators/releases/{period}/return",
    response={200: ReleaseOut, **ERRORS},
    summary="退回 / send an approved month back to draft",
)
def send_back(request: HttpRequest, period: str, body: ReasonIn | None = None) -> Any:
    user = _stats(request)
    parse_period(period)
    return _release_out(
        services.release_return(
            district=selectors.reader_district(user), period=period, actor=user, now=timezone.now()
        )
    )
