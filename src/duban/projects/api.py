"""The projects endpoints under ``/api/v1/``: the ledger, a project, its reports, stage moves,
blockers, the red/black lists and contest scores. Reads are scoped by the caller
(``selectors.visible_to``); errors are ``{code, message, details}`` with stable codes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from duban.core.periods import parse_period
from duban.core.schemas import ErrorOut
from duban.tickets.api import IDEMPOTENCY_HEADER, IdempotencyKey

from . import selectors
from . import selectors_contests as contests
from .schemas import (
    BlockerIn,
    BoardOut,
    ContestOut,
    ProjectDetailOut,
    ProjectFilters,
    ProjectPageOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    ScoreIn,
    StageIn,
)
from .services import project_move_stage
from .services_blockers import blocker_raise
from .services_contests import contest_score
from .services_reports import report_approve, report_return, report_submit

router = Router(tags=["projects"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _f(value: Any) -> float:
    return float(value or 0)


def item(p: Any) -> dict[str, Any]:
    """A ledger row (a project annotated by ``selectors.with_progress``) for the API."""
    today = selectors.today_of(timezone.now())
    return {
        "code": p.code,
        "name": p.name,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "levels": p.level_list,
        "nature": p.nature,
        "chain": p.chain.name if p.chain_id else None,
        "street": p.street.name if p.street_id else None,
        "unit": p.unit.name,
        "lead": str(p.lead) if p.lead_id else None,
        "owner": p.owner_name,
        "total_investment": _f(p.total_investment),
        "annual_plan": _f(p.annual_plan),
        "completed_this_year": _f(p.completed_this_year),
        "reported_month": p.reported_month or None,
        "completion_rate": round(p.completion_rate or 0.0, 6),
        "time_elapsed_rate": round(p.time_elapsed_rate or 0.0, 6),
        "lag_status": p.lag_status,
        "warning": p.warning,
        "stage_lag": selectors.stage_lag_text(p, today),
        "open_blockers": p.open_blockers,
        "bond_applied": _f(p.bond_applied),
        "bond_received": _f(p.bond_received),
        "bond_spent": _f(p.bond_spent),
        "in_stats": p.in_stats,
    }


@router.get(
    "/projects",
    response={200: ProjectPageOut, **ERRORS},
    summary="重点项目台账 / the project ledger",
)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    qs = selectors.ledger(
        user=user,
        today=selectors.today_of(timezone.now()),
        filters=selectors.LedgerFilters(
            name=filters.name or "",
            stage=filters.stage or "",
            level=filters.level or "",
            lag_status=filters.lag_status or "",
        ),
    )
    count = qs.count()
    rows = qs[filters.offset : filters.offset + filters.limit]
    return {"count": count, "items": [item(p) for p in rows]}


@router.get("/projects/dashboard", response={200: dict, **ERRORS}, summary="项目看板")
def project_dashboard(request: HttpRequest) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    d = selectors.dashboard(user=user, today=selectors.today_of(timezone.now()))
    t = d["totals"]
    return {
        "count": t["n"],
        "total_investment": _f(t["total"]),
        "annual_plan": _f(t["plan"]),
        "completed_this_year": _f(t["done"]),
        "completion_rate": d["rate"],
        "by_level": [
            {**r, "total": _f(r["total"]), "plan": _f(r["plan"]), "done": _f(r["done"])}
            for r in d["by_level"]
        ],
        "funnel": d["funnel"],
        "status": d["status"],
        "special_bonds": {
            "count": t["bond_n"],
            "total_investment": _f(t["bond_total"]),
            "applied": _f(t["bond_applied"]),
            "received": _f(t["bond_received"]),
            "spent": _f(t["bond_spent"]),
        },
    }


@router.get(
    "/projects/boards",
    response={200: list[BoardOut], **ERRORS},
    summary="飞虎榜/蜗牛榜 / monthly red and black lists",
)
def project_boards(request: HttpRequest, period: str | None = None) -> list:
    user = request.auth  # type: ignore[attr-defined]
    if period:
        p = parse_period(period)
        year, month = p.start.year, p.start.month
    else:
        year, month = selectors.report_month(selectors.today_of(timezone.now()))
    return [
        {"title": b.title, "rows": b.rows}
        for b in selectors.boards(user=user, year=year, month=month)
    ]


@router.get("/projects/contests", response={200: list[ContestOut], **ERRORS}, summary="观摩评比")
def contest_list(request: HttpRequest) -> list:
    user = request.auth  # type: ignore[attr-defined]
    out = []
    for c in selectors.contests_visible(user):
        ranking = []
        if contests.ranking_visible(c, user):
            ranking = [r.as_dict() for rows in contests.ranking(c).values() for r in rows]
        out.append(
            {"id": c.pk, "name": c.name, "season": c.season, "state": c.state, "ranking": ranking}
        )
    return out


@router.post(
    "/projects/contests/{contest_id}/scores",
    response={201: dict, **ERRORS},
    summary="评委评分 / a judge scores an entrant",
)
def contest_score_api(request: HttpRequest, contest_id: int, body: ScoreIn) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    contest = selectors.contest_for(user, contest_id)
    entrant = contests.entrants(contest).filter(pk=body.entrant).first()
    if entrant is None:
        from .errors import InvalidScore

        raise InvalidScore("参评对象不存在 / unknown entrant", field="entrant")
    rows = contest_score(
        contest=contest, actor=user, now=timezone.now(), entrant=entrant, scores=dict(body.scores)
    )
    return Status(201, {"entrant": entrant.pk, "scored": len(rows)})


@router.post(
    "/projects/reports/{report_id}/approve",
    response={200: ReportOut, **ERRORS},
    summary="审核通过月报 / approve a report",
)
def report_approve_api(request: HttpRequest, report_id: int, body: ReviewIn) -> object:
    user = request.auth  # type: ignore[attr-defined]
    report = selectors.report_for(user=user, pk=report_id)
    return report_approve(report=report, actor=user, now=timezone.now(), comment=body.comment)


@router.post(
    "/projects/reports/{report_id}/return",
    response={200: ReportOut, **ERRORS},
    summary="退回月报 / return a report",
)
def report_return_api(request: HttpRequest, report_id: int, body: ReviewIn) -> object:
    user = request.auth  # type: ignore[attr-defined]
    report = selectors.report_for(user=user, pk=report_id)
    return report_return(report=report, actor=user, now=timezone.now(), comment=body.comment)


@router.get(
    "/projects/{code}",
    response={200: ProjectDetailOut, **ERRORS},
    summary="项目详情 / a project with its reports and blockers",
)
def project_detail(request: HttpRequest, code: str) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    p = selectors.project_page(user=user, code=code, today=selectors.today_of(timezone.now()))
    blockers = list(selectors.project_blockers(p))
    return {
        **item(p),
        "location": p.location,
        "total_since_start": _f(p.completed_total),
        "stage_dates": list(selectors.project_stage_dates(p)),
        "reports": list(selectors.project_reports(p)),
        "blockers": [b.ticket.number for b in blockers],
        "blocker_states": [
            {
                "number": b.ticket.number,
                "title": b.ticket.title,
                "state": b.state,
                "raised_at": b.raised_at,
                "closed_at": b.closed_at,
            }
            for b in blockers
        ],
    }


@router.post(
    "/projects/{code}/reports",
    response={201: ReportOut, **ERRORS},
    summary="填报月度调度 / file a monthly report",
)
def report_submit_api(request: HttpRequest, code: str, body: ReportIn) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    project = selectors.project_for(user, code)
    report = report_submit(
        project=project,
        actor=user,
        now=timezone.now(),
        year=body.year,
        month=body.month,
        investment_month=str(body.investment_month),
        progress=body.progress,
        problems=body.problems,
        requests=body.requests,
        correction_note=body.correction_note,
    )
    return Status(201, report)


@router.post(
    "/projects/{code}/stage",
    response={200: dict, **ERRORS},
    summary="推进项目阶段 / move the project to its next stage",
)
def stage_move_api(request: HttpRequest, code: str, body: StageIn) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    project = selectors.project_for(user, code)
    moved = project_move_stage(
        project=project,
        actor=user,
        now=timezone.now(),
        stage=body.stage,
        on=body.on,
        note=body.note,
    )
    return {"code": moved.code, "stage": moved.stage}


@router.post(
    "/projects/{code}/blockers",
    response={201: dict, **ERRORS},
    summary="提出协调事项(工单) / raise a blocker as a ticket",
)
def blocker_raise_api(
    request: HttpRequest,
    code: str,
    body: BlockerIn,
    idempotency_key: IdempotencyKey = IDEMPOTENCY_HEADER,
) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    project = selectors.project_for(user, code)
    blocker = blocker_raise(
        project=project,
        actor=user,
        now=timezone.now(),
        title=body.title,
        content=body.content,
        idempotency_key=idempotency_key or None,
    )
    return Status(201, {"number": blocker.ticket.number, "state": blocker.state})
