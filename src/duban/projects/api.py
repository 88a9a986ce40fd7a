"""The projects endpoints under ``/api/v1/``: the ledger, a project, its reports, stage moves,
blockers, the red/black lists and contest scores. Reads are scoped by the caller
(``selectors.visible_to``); errors are ``{code, message, details}`` with stable codes."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from duban.core.periods import parse_period
from duban.core.schemas import ErrorOut, Id, MonthPeriod
from duban.tickets.api import IDEMPOTENCY_HEADER, IdempotencyKey

from . import selectors
from . import selectors_contests as contests
from .schemas import (
    BlockerIn,
    BoardOut,
    ContestDetailOut,
    ContestIn,
    ContestOut,
    PhotoOut,
    ProjectDetailOut,
    ProjectFilters,
    ProjectPageOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    ScoreIn,
    StageIn,
)
from .services import project_move_stage, require_manager
from .services_blockers import blocker_raise
from .services_contests import (
    contest_close,
    contest_create,
    contest_publish,
    contest_score,
    contest_update,
)
from .services_photos import report_photo_add
from .services_reports import report_approve, report_return, report_submit

router = Router(tags=["projects"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
UPLOAD_ERRORS = {**ERRORS, 413: ErrorOut}


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


def contest_detail_body(contest: Any, user: Any) -> dict[str, Any]:
    judge = contests.is_judge(contest, user)
    ranking = []
    if contests.ranking_visible(contest, user):
        ranking = [r.as_dict() for rows in contests.ranking(contest).values() for r in rows]
    return {
        "id": contest.pk,
        "name": contest.name,
        "season": contest.season,
        "state": contest.state,
        "drop_extremes": contest.drop_extremes,
        "grouping": contest.grouping,
        "criteria": [
            {"id": k.pk, "name": k.name, "weight": float(k.weight)}
            for k in contest.criteria.order_by("id")
        ],
        "entrants": [
            {
                "id": e.pk,
                "name": e.name,
                "group": e.group,
                "project": e.project.code if e.project_id else None,
                "unit": e.unit.code if e.unit_id else None,
            }
            for e in contests.entrants(contest).select_related("project", "unit")
        ],
        "judges": [u.username for u in contests.judges(contest)],
        "scoring_started": contests.scoring_started(contest),
        "my_scored": sorted(contests.my_scored(contest, user)) if judge else [],
        "ranking": ranking,
    }


def _contest_args(user: Any, body: ContestIn) -> dict[str, Any]:
    entrants, judges = selectors.contest_references(
        user, projects=body.projects, units=body.units, judges=body.judges
    )
    return {
        "name": body.name,
        "season": body.season,
        "criteria": [(k.name, str(k.weight)) for k in body.criteria],
        "entrants": entrants,
        "judges": judges,
        "drop_extremes": body.drop_extremes,
        "grouping": body.grouping,
    }


@router.post(
    "/projects/contests",
    response={200: ContestDetailOut, 201: ContestDetailOut, **ERRORS},
    summary="创建观摩评比 / set up a site-visit contest",
    description="The project office only. Weights must add up to 100 (`contest_weights`); "
    "entrants are `projects` (codes) or `units` (codes of streets and departments), judges "
    "are usernames of the district (`invalid_contest` names what is unknown). With "
    "`Idempotency-Key`, the same set-up sent again returns the first contest (200); another "
    "set-up under the same key is `422 idempotency_mismatch`.",
)
def contest_create_api(
    request: HttpRequest, body: ContestIn, idempotency_key: IdempotencyKey = IDEMPOTENCY_HEADER
) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    require_manager(user)
    replay = selectors.contest_by_key(user, idempotency_key or "")
    contest = contest_create(
        actor=user,
        now=timezone.now(),
        idempotency_key=idempotency_key or None,
        **_contest_args(user, body),
    )
    status = 200 if replay is not None and replay.pk == contest.pk else 201
    return Status(status, contest_detail_body(contest, user))


@router.get(
    "/projects/contests/{contest_id}",
    response={200: ContestDetailOut, **ERRORS},
    summary="观摩评比详情 / a contest's set-up (and ranking once visible)",
)
def contest_detail_api(request: HttpRequest, contest_id: Id) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    return contest_detail_body(selectors.contest_for(user, contest_id), user)


@router.put(
    "/projects/contests/{contest_id}",
    response={200: ContestDetailOut, **ERRORS},
    summary="修改观摩评比设置 / change a contest's set-up before scoring starts",
    description="The whole set-up, as for creating; `409 contest_scoring_started` once a "
    "judge has scored. Sending the same set-up again changes nothing.",
)
def contest_update_api(request: HttpRequest, contest_id: Id, body: ContestIn) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    contest = selectors.contest_for(user, contest_id)
    require_manager(user)
    updated = contest_update(
        contest=contest, actor=user, now=timezone.now(), **_contest_args(user, body)
    )
    return contest_detail_body(updated, user)


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
    "/projects/contests/{contest_id}/close",
    response={200: ContestDetailOut, **ERRORS},
    summary="评比截止 / close scoring (scores are frozen)",
    description="The project office closes an open contest; `409 contest_closed` if it is "
    "already closed or published.",
)
def contest_close_api(request: HttpRequest, contest_id: Id) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    contest = selectors.contest_for(user, contest_id)
    return contest_detail_body(contest_close(contest=contest, actor=user, now=timezone.now()), user)


@router.post(
    "/projects/contests/{contest_id}/publish",
    response={200: ContestDetailOut, **ERRORS},
    summary="发布评比结果 / publish the frozen ranking",
    description="Closes the contest first if it is still open; `409 contest_closed` once "
    "published.",
)
def contest_publish_api(request: HttpRequest, contest_id: Id) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    contest = selectors.contest_for(user, contest_id)
    published = contest_publish(contest=contest, actor=user, now=timezone.now())
    return contest_detail_body(published, user)


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
    "/projects/{code}/reports/{period}/photos",
    response={200: PhotoOut, 201: PhotoOut, **UPLOAD_ERRORS},
    summary="上传形象进度照片 / add a photo to a month's report",
    description="Multipart `file` (JPEG, PNG, GIF or WebP by content; at most 10 MB: "
    "`413 photo_too_large`; otherwise `422 invalid_photo`), optional `caption`. The "
    "project's reporter (or the office) adds photos to a filed report until it is approved. "
    "The same photo sent again, or the same `Idempotency-Key`, returns the stored photo "
    "(200); the key with another photo is `422 idempotency_mismatch`.",
)
def report_photo_api(
    request: HttpRequest,
    code: str,
    period: MonthPeriod,
    file: File[UploadedFile],
    caption: Form[str] = "",
    idempotency_key: IdempotencyKey = IDEMPOTENCY_HEADER,
) -> Status[Any]:
    user = request.auth  # type: ignore[attr-defined]
    month = parse_period(period).start
    project = selectors.project_for(user, code)
    photo, created = report_photo_add(
        project=project,
        actor=user,
        now=timezone.now(),
        year=month.year,
        month=month.month,
        upload=file,
        caption=caption,
        idempotency_key=idempotency_key or None,
    )
    return Status(201 if created else 200, photo_body(photo, period))


def photo_body(photo: Any, period: str) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "report": photo.report_id,
        "period": period,
        "name": PurePath(photo.image.name).name,
        "caption": photo.caption,
        "content_type": photo.content_type,
        "size": photo.size,
        "uploaded_at": photo.uploaded_at,
    }


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
