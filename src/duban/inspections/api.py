"""The inspections endpoints under ``/api/v1/``: programmes, findings, rankings, the
inspector's assignments and idempotent site-check submission, and 回头看."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from duban.core.schemas import ErrorOut
from duban.org.auth import role_auth
from duban.org.roles import DASHBOARD_ROLES, INSPECTION_OFFICE_ROLES, INSPECTOR_ROLES

from . import selectors, services
from .models import Finding
from .schemas import (
    AssignmentOut,
    CheckIn,
    CheckOut,
    FindingFilters,
    FindingOut,
    FindingPageOut,
    ProgrammeOut,
    RankingOut,
    RankingQuery,
    VerifyIn,
)
from .uploads import from_data_url

router = Router(tags=["inspections"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
RANKING_ROLES = DASHBOARD_ROLES | INSPECTION_OFFICE_ROLES | INSPECTOR_ROLES
FIELD_ROLES = INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES


def finding_out(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "programme": f.programme.code,
        "site": f.site.name,
        "site_code": f.site.code,
        "standard": f.standard.code,
        "standard_text": f.standard.text,
        "unit": f.unit.name,
        "street": f.street.name,
        "description": f.description,
        "place": f.place,
        "found_at": f.found_at,
        "fixed_on_spot": f.fixed_on_spot,
        "repeat": f.repeat,
        "higher_level": f.higher_level,
        "overdue": f.overdue,
        "deduction": float(f.deduction),
        "state": f.state,
        "ticket": f.ticket.number if f.ticket is not None else None,
        "due_at": f.due_at,
        "verification": f.verification or None,
    }


@router.get(
    "/inspections/programmes",
    response={200: list[ProgrammeOut], **ERRORS},
    summary="督查项目及测评体系规模 / programmes with their checklist's size",
)
def programme_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "boards": p.boards_count,
            "items": p.items_count,
            "standards": p.standards_count,
            "repeat_window_days": p.repeat_window_days,
        }
        for p in selectors.programmes_for(request.auth)  # type: ignore[attr-defined]
    ]


@router.get(
    "/inspections/findings",
    response={200: FindingPageOut, **ERRORS},
    summary="督查问题 / findings (paged; a unit's staff see their own unit's)",
)
def finding_list(request: HttpRequest, filters: Query[FindingFilters]) -> dict[str, Any]:
    qs = selectors.findings_for(
        request.auth,  # type: ignore[attr-defined]
        programme=filters.programme,
        state=filters.state,
    ).select_related("programme")
    page = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "items": [finding_out(f) for f in page]}


@router.get(
    "/inspections/findings/{finding_id}",
    response={200: FindingOut, **ERRORS},
    summary="督查问题详情 / one finding",
)
def finding_detail(request: HttpRequest, finding_id: int) -> dict[str, Any]:
    return finding_out(selectors.finding_for(request.auth, finding_id))  # type: ignore[attr-defined]


@router.get(
    "/inspections/rankings",
    response={200: RankingOut, **ERRORS},
    auth=role_auth(RANKING_ROLES),
    summary="飞虎榜/蜗牛榜 / streets or responsible units by score",
    description="`period` is a month (YYYY-MM) or an ISO week (YYYY-Www); `round` limits "
    "to one round. Each row has the change from the period before.",
)
def ranking(request: HttpRequest, query: Query[RankingQuery]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    programme = selectors.programme_by_code(user, query.programme) if query.programme else None
    result = selectors.rankings(
        user=user,
        period=query.period,
        group=query.group,
        programme=programme,
        round_id=query.round,
    )
    return {
        "period": result.period,
        "previous_period": result.previous_period,
        "group": result.group,
        "ranked": result.ranked,
        "top": result.top,
        "bottom": result.bottom,
    }


@router.get(
    "/inspections/assignments",
    response={200: list[AssignmentOut], **ERRORS},
    auth=role_auth(FIELD_ROLES),
    summary="我的督查任务 / the inspector's sites in open rounds",
)
def assignment_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "round": a.round.name,
            "site": a.site.name,
            "site_type": a.site.type,
            "street": a.site.street.name,
            "checked": a.check_id is not None,  # type: ignore[attr-defined]
        }
        for a in selectors.my_assignments(request.auth)  # type: ignore[attr-defined]
    ]


@router.post(
    "/inspections/assignments/{assignment_id}/check",
    response={200: CheckOut, 201: CheckOut, **ERRORS},
    auth=role_auth(FIELD_ROLES),
    summary="提交点位检查 / submit a site check (idempotent by client_token)",
    description="Photos are `data:image/…;base64,` URLs. The same `client_token` again "
    "returns the check first created (200, `replayed`); another submission for a site "
    "already checked in the round is `409 check_already_submitted`.",
)
def check_submit(request: HttpRequest, assignment_id: int, body: CheckIn) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    assignment = selectors.assignment_for(user, assignment_id)
    results = [
        services.StandardResult(
            standard_id=r.standard,
            outcome=r.outcome,
            description=r.description,
            place=r.place,
            fixed_on_spot=r.fixed_on_spot,
            photos=[from_data_url(p, name=f"p{i}") for i, p in enumerate(r.photos)],
            after_photos=[
                from_data_url(p, name=f"a{i}", field="after_photos")
                for i, p in enumerate(r.after_photos)
            ],
        )
        for r in body.results
    ]
    outcome = services.check_submit(
        actor=user,
        now=timezone.now(),
        assignment=assignment,
        client_token=body.client_token,
        results=results,
    )
    check = outcome.check
    tickets = [f.ticket.number for f in selectors.check_findings(check) if f.ticket is not None]
    return Status(
        200 if outcome.replayed else 201,
        {
            "id": check.pk,
            "site": assignment.site.name,
            "score": float(check.score),
            "findings": check.findings_count,
            "replayed": outcome.replayed,
            "tickets": tickets,
        },
    )


@router.post(
    "/inspections/findings/{finding_id}/verify",
    response={200: FindingOut, **ERRORS},
    auth=role_auth(FIELD_ROLES),
    summary="回头看 / confirm or reject a rectification",
)
def finding_verify(request: HttpRequest, finding_id: int, body: VerifyIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    finding = selectors.finding_for(user, finding_id)
    services.finding_verify(
        actor=user,
        now=timezone.now(),
        finding=finding,
        confirmed=body.confirmed,
        reason=body.reason,
        photos=[from_data_url(p, name=f"v{i}") for i, p in enumerate(body.photos)],
    )
    return finding_out(selectors.finding_for(user, finding_id))
