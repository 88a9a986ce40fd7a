"""The enterprise service's endpoints under ``/api/v1/`` (same conventions as the tickets API:
JSON errors with a stable ``code``, paged lists of ``items`` and ``count``, scope by caller)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from duban.core.errors import InvalidInput, PermissionDenied
from duban.core.schemas import ErrorOut

from . import selectors, selectors_figures, services, services_problems, services_proxy
from .models import Enterprise, Problem, ProxyCase, ProxyStep
from .roles import STAFF_ROLES
from .schemas import (
    CaseIn,
    CaseOut,
    CasePageOut,
    CoverageOut,
    EnterpriseFilters,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePageOut,
    EscalateIn,
    EscalationAnswerIn,
    EscalationOut,
    FiguresOut,
    FiguresQuery,
    ProblemFiguresOut,
    ProblemFiguresQuery,
    ProblemIn,
    ProblemOut,
    ProblemPageOut,
    ProxyFiguresOut,
    ProxyFiguresQuery,
    ServiceOut,
    StepActionIn,
    StepBlockIn,
    StepOut,
    StepPageOut,
    VisitIn,
    VisitOut,
    WhistleIn,
)

router = Router(tags=["enterprises"])

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    410: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _staff(request: HttpRequest) -> Any:
    user = _user(request)
    if not selectors.may_read_registry(user):
        raise PermissionDenied("当前角色无权查看企业服务数据")
    return user


# -- presenters --------------------------------------------------------------------------------


def _ref(obj: Any, label: str = "name") -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, label) or getattr(obj, "username", "")}


def enterprise_out(e: Enterprise, user: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.name,
        "credit_code": e.credit_code,
        "chain": _ref(e.chain),
        "park": _ref(e.park),
        "street": _ref(e.street),
        "size": e.size,
        "above_scale": e.above_scale,
        "specialized": e.specialized,
        "high_tech": e.high_tech,
        "tech_sme": e.tech_sme,
        "contact": selectors.contact_of(e, user),
        "officer": _ref(e.officer, "full_name"),
        "group": _ref(e.group),
        "last_visited_on": e.last_visited_on,
        "created_at": e.created_at,
    }


def problem_out(p: Problem) -> dict[str, Any]:
    return {
        "id": p.pk,
        "enterprise_id": p.enterprise_id,
        "enterprise": p.enterprise.name,
        "ticket_number": p.ticket.number,
        "ticket_state": p.ticket.state,
        "title": p.ticket.title,
        "category": p.category.name,
        "level": p.level,
        "source": p.source,
        "created_at": p.created_at,
        "closed_at": p.closed_at,
        "solved": p.solved,
        "satisfaction": p.satisfaction,
    }


def step_out(s: ProxyStep, case: ProxyCase | None = None) -> dict[str, Any]:
    case = case or s.case
    now = timezone.now()
    return {
        "id": s.pk,
        "case_id": s.case_id,
        "enterprise": case.enterprise.name,
        "service": case.service.name,
        "order": s.order,
        "name": s.name,
        "unit": _ref(s.unit),
        "documents": s.documents,
        "days": s.days,
        "state": s.state,
        "started_at": s.started_at,
        "due_at": s.due_at,
        "accepted_at": s.accepted_at,
        "done_at": s.done_at,
        "blocked_reason": s.blocked_reason,
        "late": s.late,
        "overdue": s.state in selectors.OPEN_STEP_STATES
        and s.due_at is not None
        and s.due_at < now,
    }


def case_item_out(c: ProxyCase) -> dict[str, Any]:
    return {
        "id": c.pk,
        "enterprise_id": c.enterprise_id,
        "enterprise": c.enterprise.name,
        "service": c.service.name,
        "state": c.state,
        "created_at": c.created_at,
        "due_at": c.due_at,
        "completed_at": c.completed_at,
        "on_time": c.on_time,
        "satisfaction": c.satisfaction,
    }


def case_out(c: ProxyCase) -> dict[str, Any]:
    return {
        **case_item_out(c),
        "project_name": c.project_name,
        "steps": [step_out(s, c) for s in c.steps.all()],
    }


# -- enterprises -------------------------------------------------------------------------------


@router.post(
    "/enterprises",
    response={201: EnterpriseOut, **ERRORS},
    summary="企业入库 / register an enterprise",
    description="`422 invalid_credit_code` when the credit code's check character (GB 32100) "
    "is wrong or a character is outside its alphabet; `409 duplicate_enterprise` when the "
    "code is registered already.",
)
def enterprise_create(request: HttpRequest, body: EnterpriseIn) -> Status[Any]:
    user = _user(request)
    refs = selectors.lookups_by_pk(
        chain=body.chain_id,
        park=body.park_id,
        street=body.street_id,
        officer=body.officer_id,
        group=body.group_id,
    )
    data = services.EnterpriseData(
        name=body.name,
        credit_code=body.credit_code,
        size=body.size,
        above_scale=body.above_scale,
        specialized=body.specialized,
        high_tech=body.high_tech,
        tech_sme=body.tech_sme,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        **refs,
    )
    enterprise = services.enterprise_create(actor=user, now=timezone.now(), data=data)
    return Status(201, enterprise_out(selectors.enterprise_for(user, enterprise.pk), user))


@router.get(
    "/enterprises", response={200: EnterprisePageOut, **ERRORS}, summary="企业台账 / ledger"
)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilters]) -> dict[str, Any]:
    user = _staff(request)
    values = filters.dict(exclude={"limit", "offset"})
    count, items = selectors.ledger(
        user=user,
        now=timezone.now(),
        filters=selectors.LedgerFilters(**{k: v for k, v in values.items() if v is not None}),
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"count": count, "items": [enterprise_out(e, user) for e in items]}


@router.get("/enterprises/{enterprise_id}", response={200: EnterpriseOut, **ERRORS})
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> dict[str, Any]:
    user = _staff(request)
    return enterprise_out(selectors.enterprise_for(user, enterprise_id), user)


@router.post(
    "/enterprises/{enterprise_id}/visits",
    response={201: VisitOut, **ERRORS},
    summary="登记走访 / log a visit (problems found become tickets)",
)
def visit_create(request: HttpRequest, enterprise_id: int, body: VisitIn) -> Status[Any]:
    user = _staff(request)
    enterprise = selectors.enterprise_for(user, enterprise_id)
    visit = services.visit_log(
        actor=user,
        now=timezone.now(),
        enterprise=enterprise,
        visited_on=body.visited_on,
        topics=body.topics,
        participants=body.participants,
        problems=[
            services.FoundProblem(
                title=p.title,
                content=p.content,
                category_id=p.category_id,
                level=p.level,
                units=_units(p.unit_ids, enterprise.district_id),
            )
            for p in body.problems
        ],
    )
    return Status(
        201,
        {
            "id": visit.pk,
            "enterprise_id": enterprise.pk,
            "officer": user.full_name or user.username,
            "visited_on": visit.visited_on,
            "participants": visit.participants,
            "topics": visit.topics,
            "problem_ids": [p.pk for p in visit.problems.all()],
        },
    )


@router.post(
    "/enterprises/{enterprise_id}/problems",
    response={201: ProblemOut, **ERRORS},
    summary="登记企业问题 / raise a problem",
)
def problem_create(request: HttpRequest, enterprise_id: int, body: ProblemIn) -> Status[Any]:
    user = _staff(request)
    enterprise = selectors.enterprise_for(user, enterprise_id)
    problem = services_problems.problem_raise(
        actor=user,
        now=timezone.now(),
        enterprise=enterprise,
        category_id=body.category_id,
        title=body.title,
        content=body.content,
        level=body.level,
        source=body.source,
        units=_units(body.unit_ids, enterprise.district_id),
    )
    return Status(201, problem_out(selectors.problem_for(user, problem.pk)))


def _units(ids: list[int], district_id: int) -> list[Any]:
    units = selectors.units_by_pks(list(ids), district_id=district_id)
    if len(units) != len(ids):
        raise InvalidInput("部门不存在或不属于本区", field="unit_ids")
    return units


@router.get("/enterprise-problems", response={200: ProblemPageOut, **ERRORS})
def problem_list(
    request: HttpRequest,
    level: str = "",
    category: int | None = None,
    open_only: bool = False,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = _staff(request)
    count, items = selectors.problems_list(
        user=user,
        level=level[:10],
        category=category,
        open_only=open_only,
        limit=limit,
        offset=offset,
    )
    return {"count": count, "items": [problem_out(p) for p in items]}


@router.get("/enterprise-problems/{problem_id}", response={200: ProblemOut, **ERRORS})
def problem_detail(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    return problem_out(selectors.problem_for(_staff(request), problem_id))


@router.post(
    "/enterprise-problems/{problem_id}/whistle",
    response={200: ProblemOut, **ERRORS},
    summary="园区吹哨，部门报到 / dispatch to several departments at once",
)
def problem_whistle(request: HttpRequest, problem_id: int, body: WhistleIn) -> dict[str, Any]:
    user = _staff(request)
    problem = selectors.problem_for(user, problem_id)
    units = _units(list(body.unit_ids), problem.district_id)
    services_problems.problem_whistle(
        actor=user, now=timezone.now(), problem=problem, units=units, note=body.note
    )
    return problem_out(selectors.problem_for(user, problem_id))


@router.post(
    "/enterprise-problems/{problem_id}/escalate",
    response={201: EscalationOut, **ERRORS},
    summary="提级上报 / escalate to the city or the province",
)
def problem_escalate(request: HttpRequest, problem_id: int, body: EscalateIn) -> Status[Any]:
    user = _staff(request)
    problem = selectors.problem_for(user, problem_id)
    e = services_problems.problem_escalate(
        actor=user,
        now=timezone.now(),
        problem=problem,
        level=body.level,
        to=body.to,
        note=body.note,
    )
    return Status(201, _escalation_out(e))


def _escalation_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "problem_id": e.problem_id,
        "level": e.level,
        "escalated_to": e.escalated_to,
        "escalated_at": e.escalated_at,
        "note": e.note,
        "response": e.response,
        "responded_at": e.responded_at,
    }


@router.post(
    "/enterprise-problems/{problem_id}/escalations/{escalation_id}/answer",
    response={200: EscalationOut, **ERRORS},
)
def escalation_answer(
    request: HttpRequest, problem_id: int, escalation_id: int, body: EscalationAnswerIn
) -> dict[str, Any]:
    user = _staff(request)
    problem = selectors.problem_for(user, problem_id)
    escalation = next((e for e in problem.escalations.all() if e.pk == escalation_id), None)
    if escalation is None:
        from .errors import EnterpriseNotFound

        raise EnterpriseNotFound("提级记录不存在")
    e = services_problems.escalation_answer(
        actor=user, now=timezone.now(), escalation=escalation, response=body.response
    )
    return _escalation_out(e)


# -- proxy services ----------------------------------------------------------------------------


@router.get("/proxy-services", response={200: list[ServiceOut], **ERRORS}, summary="代办事项目录")
def service_list(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "fast_track": s.fast_track,
            "description": s.description,
            "steps": [
                {
                    "order": t.order,
                    "name": t.name,
                    "unit": _ref(t.unit),
                    "documents": t.documents,
                    "days": t.days,
                }
                for t in s.steps.all()
            ],
        }
        for s in selectors.services_with_steps()
    ]


@router.post(
    "/enterprises/{enterprise_id}/proxy-cases",
    response={201: CaseOut, **ERRORS},
    summary="受理代办 / open a proxy case",
)
def case_create(request: HttpRequest, enterprise_id: int, body: CaseIn) -> Status[Any]:
    user = _staff(request)
    enterprise = selectors.enterprise_for(user, enterprise_id)
    service = selectors.service_by_pk(body.service_id)
    case = services_proxy.case_open(
        actor=user,
        now=timezone.now(),
        enterprise=enterprise,
        service=service,
        project_name=body.project_name,
        note=body.note,
    )
    return Status(201, case_out(selectors.case_for(user, case.pk)))


@router.get("/proxy-cases", response={200: CasePageOut, **ERRORS}, summary="代办件")
def case_list(
    request: HttpRequest,
    open_only: bool = False,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = _staff(request)
    count, items = selectors.cases_list(user=user, open_only=open_only, limit=limit, offset=offset)
    return {"count": count, "items": [case_item_out(c) for c in items]}


@router.get("/proxy-cases/{case_id}", response={200: CaseOut, **ERRORS})
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.case_for(_user(request), case_id))


@router.get(
    "/proxy-steps", response={200: StepPageOut, **ERRORS}, summary="代办环节（本单位/超期）"
)
def step_list(
    request: HttpRequest,
    open_only: bool = True,
    overdue: bool | None = None,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
) -> dict[str, Any]:
    count, items = selectors.steps_list(
        user=_user(request),
        now=timezone.now(),
        open_only=open_only,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return {"count": count, "items": [step_out(s) for s in items]}


def _step_action(request: HttpRequest, step_id: int, action: str, **kw: Any) -> dict[str, Any]:
    user = _user(request)
    step = selectors.step_for(user, step_id)
    fn = {
        "accept": services_proxy.step_accept,
        "done": services_proxy.step_done,
        "block": services_proxy.step_block,
    }[action]
    fn(actor=user, now=timezone.now(), step=step, **kw)
    return step_out(selectors.step_for(user, step_id))


@router.post("/proxy-steps/{step_id}/accept", response={200: StepOut, **ERRORS}, summary="环节受理")
def step_accept(request: HttpRequest, step_id: int, body: StepActionIn) -> dict[str, Any]:
    return _step_action(request, step_id, "accept")


@router.post("/proxy-steps/{step_id}/done", response={200: StepOut, **ERRORS}, summary="环节完成")
def step_done(request: HttpRequest, step_id: int, body: StepActionIn) -> dict[str, Any]:
    return _step_action(request, step_id, "done", note=body.note)


@router.post("/proxy-steps/{step_id}/block", response={200: StepOut, **ERRORS}, summary="环节受阻")
def step_block(request: HttpRequest, step_id: int, body: StepBlockIn) -> dict[str, Any]:
    return _step_action(request, step_id, "block", reason=body.reason)


# -- figures -----------------------------------------------------------------------------------


def _year(request: HttpRequest, year: int | None) -> tuple[Any, int]:
    user = _staff(request)
    if not user.has_role(STAFF_ROLES):
        raise PermissionDenied("当前角色无权查看企业服务数据")
    return user, year or timezone.localtime().year


@router.get(
    "/enterprise-figures",
    response={200: FiguresOut, **ERRORS},
    summary="万人助万企数据 / the year's problem and proxy figures",
    description="Problems raised in the year per level and category (`problems`, `solved`, "
    "`resolution_rate` = solved / problems), and proxy cases opened in the year (`cases`, "
    "`completed`, `completion_rate`, `on_time_rate`, `satisfaction_rate`). Rates are "
    "fractions (0–1), null when there is nothing to divide.",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    user, year = _year(request, query.year)
    return selectors_figures.year_figures(district_id=user.district_pk, year=year)


@router.get("/enterprise-figures/problems", response={200: list[ProblemFiguresOut], **ERRORS})
def figures_problems(request: HttpRequest, query: Query[ProblemFiguresQuery]) -> list[Any]:
    user, year = _year(request, query.year)
    start, end = selectors_figures.year_bounds(year)
    rows = selectors_figures.problem_figures(
        district_id=user.district_pk, start=start, end=end, by=query.by
    )
    return [r.as_dict() for r in rows]


@router.get("/enterprise-figures/proxy", response={200: list[ProxyFiguresOut], **ERRORS})
def figures_proxy(request: HttpRequest, query: Query[ProxyFiguresQuery]) -> list[Any]:
    user, year = _year(request, query.year)
    start, end = selectors_figures.year_bounds(year)
    rows = selectors_figures.proxy_figures(
        district_id=user.district_pk, start=start, end=end, by=query.by
    )
    return [r.as_dict() for r in rows]


@router.get(
    "/enterprise-coverage",
    response={200: list[CoverageOut], **ERRORS},
    summary="走访覆盖（按首席服务员/服务组）",
)
def coverage(request: HttpRequest, by: str = "officer") -> list[Any]:
    user = _staff(request)
    if by not in ("officer", "group"):
        raise InvalidInput("by 只能是 officer 或 group", field="by")
    rows = selectors.coverage_by(district_id=user.district_pk, now=timezone.now(), by=by)
    return [
        {
            "key": r.key,
            "label": r.label,
            "enterprises": r.enterprises,
            "overdue": r.overdue,
            "coverage_rate": r.coverage_rate,
        }
        for r in rows
    ]
