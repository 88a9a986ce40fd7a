"""Proxy services (代办): the catalogue's step templates and the cases run on them.

A case instantiates its service's steps; one step runs at a time, against its limit in
working days on the district's calendar (``sla``). The step's unit accepts it, marks it done
or blocked, each with a history row; done after the limit counts the step late. The case
completes with its last step; the enterprise then rates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from duban.core.errors import InvalidInput, PermissionDenied
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import DISTRICT_WIDE_ROLES
from duban.org.services import audit_log
from duban.sla.selectors import get_calendar
from duban.tickets.choices import Satisfaction

from .errors import CaseState as CaseStateError
from .errors import NotYourEnterprise, StepOutOfOrder, WrongUnit
from .errors import StepState as StepStateError
from .models import (
    CaseState,
    Enterprise,
    EventType,
    ProxyCase,
    ProxyService,
    ProxyStep,
    ProxyStepTemplate,
    StepState,
)
from .roles import STEP_ROLES
from .services import _text, check_role, check_serves, history

OPEN_STEP_STATES = (StepState.PENDING, StepState.ACCEPTED, StepState.BLOCKED)


@dataclass(frozen=True)
class StepSpec:
    name: str
    unit: Unit
    days: int
    documents: str = ""


@transaction.atomic
def service_define(
    *,
    actor: User,
    now: datetime,
    name: str,
    steps: Sequence[StepSpec],
    fast_track: bool = False,
    description: str = "",
    sort_order: int = 0,
) -> ProxyService:
    """Add a service to the catalogue with its step template (district-wide roles)."""
    check_role(actor, DISTRICT_WIDE_ROLES)
    name = _text(name, field="name", label="代办事项名称", limit=50)
    if not steps:
        raise InvalidInput("代办事项至少需要一个环节", field="steps")
    if ProxyService.objects.filter(name=name).exists():
        raise InvalidInput("代办事项名称已存在", field="name")
    for spec in steps:
        if not 0 < spec.days <= 60:
            raise InvalidInput("环节时限应为 1–60 个工作日", field="steps")
        if spec.unit.kind not in (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.CENTRE):
            raise InvalidInput("环节责任单位须为部门或街道", field="steps")
    service = ProxyService.objects.create(
        name=name,
        fast_track=fast_track,
        description=_text(
            description, field="description", label="说明", limit=300, required=False
        ),
        sort_order=sort_order,
    )
    ProxyStepTemplate.objects.bulk_create(
        ProxyStepTemplate(
            service=service,
            order=i,
            name=_text(spec.name, field="steps", label="环节名称", limit=50),
            unit=spec.unit,
            documents=spec.documents[:300],
            days=spec.days,
        )
        for i, spec in enumerate(steps, start=1)
    )
    audit_log(actor=actor, obj=service, message="新增代办事项", action="add")
    return service


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    now: datetime,
    enterprise: Enterprise,
    service: ProxyService,
    project_name: str = "",
    note: str = "",
) -> ProxyCase:
    """Open a proxy case: by one who serves the enterprise, or requested by the enterprise
    itself on its pages (``actor`` None). The first step starts at once."""
    if actor is not None:
        check_serves(actor, enterprise)
    if not service.is_active:
        raise InvalidInput("该代办事项已停用", field="service")
    templates = list(service.steps.select_related("unit").order_by("order"))
    if not templates:
        raise InvalidInput("该代办事项没有环节", field="service")
    calendar = get_calendar()
    due = now
    for template in templates:
        due = calendar.add_working_days(due, template.days)
    case = ProxyCase.objects.create(
        district_id=enterprise.district_id,
        enterprise=enterprise,
        service=service,
        project_name=_text(
            project_name, field="project_name", label="关联项目", limit=200, required=False
        ),
        note=_text(note, field="note", label="说明", limit=500, required=False),
        officer_id=enterprise.officer_id,
        created_at=now,
        due_at=due,
    )
    first_due = calendar.add_working_days(now, templates[0].days)
    ProxyStep.objects.bulk_create(
        ProxyStep(
            case=case,
            order=t.order,
            name=t.name,
            unit=t.unit,
            documents=t.documents,
            days=t.days,
            state=StepState.PENDING if i == 0 else StepState.WAITING,
            started_at=now if i == 0 else None,
            due_at=first_due if i == 0 else None,
        )
        for i, t in enumerate(templates)
    )
    history(
        enterprise=enterprise,
        type=EventType.CASE_OPENED,
        actor=actor,
        actor_label="" if actor else "企业",
        now=now,
        case=case,
        note=service.name,
    )
    if actor is not None:
        audit_log(actor=actor, obj=case, message="代办受理", action="add")
    return case


def _lock_step(step: ProxyStep) -> ProxyStep:
    return (
        ProxyStep.objects.select_for_update()
        .select_related("case", "case__enterprise", "unit")
        .get(pk=step.pk)
    )


def step_refusal(*, step: ProxyStep, actor: User, action: str) -> Exception | None:
    """Why ``actor`` may not ``action`` ("accept", "done", "block") the step as read."""
    if not actor.is_active or not actor.has_role(STEP_ROLES):
        return PermissionDenied("仅责任单位人员可办理代办环节")
    scope = actor.scope_path
    if scope is None or not step.unit.path.startswith(scope):
        return WrongUnit("该环节不由您的单位办理")
    if step.state == StepState.WAITING:
        return StepOutOfOrder("前一环节尚未完成，不能办理本环节")
    if step.state == StepState.DONE:
        return StepStateError("该环节已完成")
    if action == "accept" and step.state == StepState.ACCEPTED:
        return StepStateError("该环节已受理")
    if action == "done" and step.state != StepState.ACCEPTED:
        return StepStateError("请先受理该环节")
    if action == "block" and step.state == StepState.BLOCKED:
        return StepStateError("该环节已标记受阻")
    return None


def _step_action(*, actor: User, step: ProxyStep, action: str) -> ProxyStep:
    locked = _lock_step(step)
    if locked.case.state != CaseState.OPEN:
        raise CaseStateError("代办件已办结")
    if (refusal := step_refusal(step=locked, actor=actor, action=action)) is not None:
        raise refusal
    return locked


@transaction.atomic
def step_accept(*, actor: User, now: datetime, step: ProxyStep) -> ProxyStep:
    """The unit takes the current step on (also resumes a blocked one)."""
    locked = _step_action(actor=actor, step=step, action="accept")
    locked.state = StepState.ACCEPTED
    locked.accepted_at = locked.accepted_at or now
    locked.blocked_reason = ""
    locked.save(update_fields=["state", "accepted_at", "blocked_reason"])
    history(
        enterprise=locked.case.enterprise,
        type=EventType.STEP_ACCEPTED,
        actor=actor,
        now=now,
        case=locked.case,
        step=locked,
        note=f"{locked.name}（{locked.unit.name}）",
    )
    return locked


@transaction.atomic
def step_block(*, actor: User, now: datetime, step: ProxyStep, reason: str) -> ProxyStep:
    """The unit reports what stops the step (missing documents …); its clock keeps running."""
    locked = _step_action(actor=actor, step=step, action="block")
    locked.blocked_reason = _text(reason, field="reason", label="受阻原因", limit=300)
    locked.state = StepState.BLOCKED
    locked.save(update_fields=["state", "blocked_reason"])
    history(
        enterprise=locked.case.enterprise,
        type=EventType.STEP_BLOCKED,
        actor=actor,
        now=now,
        case=locked.case,
        step=locked,
        note=f"{locked.name}：{locked.blocked_reason}",
    )
    return locked


@transaction.atomic
def step_done(*, actor: User, now: datetime, step: ProxyStep, note: str = "") -> ProxyStep:
    """The unit finishes the current step: the next one starts, or the case completes."""
    locked = _step_action(actor=actor, step=step, action="done")
    note = _text(note, field="note", label="说明", limit=300, required=False)
    locked.state = StepState.DONE
    locked.done_at = now
    locked.late = locked.due_at is not None and now > locked.due_at
    locked.save(update_fields=["state", "done_at", "late"])
    case = ProxyCase.objects.select_for_update().get(pk=locked.case_id)
    enterprise = locked.case.enterprise
    history(
        enterprise=enterprise,
        type=EventType.STEP_DONE,
        actor=actor,
        now=now,
        case=case,
        step=locked,
        note=f"{locked.name}{'（超时）' if locked.late else ''}{'：' + note if note else ''}",
    )
    following = case.steps.filter(order__gt=locked.order).order_by("order").first()
    if following is not None:
        following.state = StepState.PENDING
        following.started_at = now
        following.due_at = get_calendar().add_working_days(now, following.days)
        following.save(update_fields=["state", "started_at", "due_at"])
        return locked
    late = case.steps.filter(late=True).exists()
    case.state = CaseState.COMPLETED
    case.completed_at = now
    case.on_time = not late
    case.save(update_fields=["state", "completed_at", "on_time"])
    history(
        enterprise=enterprise,
        type=EventType.CASE_COMPLETED,
        actor=actor,
        now=now,
        case=case,
        note=case.service.name + ("" if case.on_time else "（有环节超时）"),
    )
    return locked


@transaction.atomic
def case_rate(
    *, enterprise: Enterprise, now: datetime, case: ProxyCase, satisfaction: str
) -> ProxyCase:
    """The enterprise rates a completed case on its pages (once)."""
    locked = ProxyCase.objects.select_for_update().get(pk=case.pk)
    if locked.enterprise_id != enterprise.pk:
        raise NotYourEnterprise("不是本企业的代办件")
    if locked.state != CaseState.COMPLETED:
        raise CaseStateError("代办件办结后方可评价")
    if locked.rated_at is not None:
        raise CaseStateError("该代办件已评价")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("请选择满意度", field="satisfaction")
    locked.satisfaction = satisfaction
    locked.rated_at = now
    locked.save(update_fields=["satisfaction", "rated_at"])
    history(
        enterprise=enterprise,
        type=EventType.CASE_RATED,
        actor=None,
        actor_label="企业",
        now=now,
        case=locked,
        note=str(Satisfaction(satisfaction).label),
    )
    return locked
