"""Writes on the project ledger: create, edit, the plan curve, stage moves, the settings.

Every function is keyword-only, takes ``actor`` and ``now``, runs in one transaction,
writes the project's history row (``ProjectEvent``) and the admin's audit row, and raises
``duban.core.errors`` subclasses (``projects.errors``) with a stable code.
Monthly reports are in ``services_reports``, blockers in ``services_blockers``, contests in
``services_contests``, the Excel import in ``services_import``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from duban.org.models import Unit, UnitKind, User
from duban.org.roles import PROJECT_OFFICE_ROLES, Role
from duban.org.services import audit_log

from .errors import (
    DuplicateCode,
    InvalidProject,
    ProjectForbidden,
    StageBackwards,
    StageSkipped,
)
from .models import (
    STAGE_ORDER,
    Level,
    Milestone,
    MilestoneKind,
    Nature,
    PlanMonth,
    Project,
    ProjectEvent,
    ProjectSettings,
    Stage,
    StageDate,
    TaskForceMember,
    pack_levels,
    stage_index,
)

CENT = Decimal("0.01")
MANAGE_ROLES = PROJECT_OFFICE_ROLES | {Role.ADMIN}


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def money(value: object, *, field: str, label: str) -> Decimal:
    """A non-negative amount in 万元 (two places), or an ``invalid_project`` error."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidProject(f"{label}须为数字 / {field} must be a number", field=field) from None
    if not amount.is_finite():
        raise InvalidProject(f"{label}须为数字 / {field} must be a number", field=field)
    if amount < 0:
        raise InvalidProject(f"{label}不能为负数 / {field} must not be negative", field=field)
    if amount >= Decimal("1e12"):
        raise InvalidProject(f"{label}过大 / {field} is too large", field=field)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def require_manager(actor: User) -> None:
    if not actor.has_role(MANAGE_ROLES):
        raise ProjectForbidden(
            "只有项目办(发改局)可以维护项目台账 / only the project office edits the ledger"
        )


def event(
    *, project: Project, type: str, actor: User | None, now: datetime, message: str, **payload: Any
) -> ProjectEvent:
    """The project's history row and the admin's audit row of one write."""
    row = ProjectEvent.objects.create(
        project=project, type=type, actor=actor, at=now, message=message[:500], payload=payload
    )
    if actor is not None:
        audit_log(actor=actor, obj=project, message=message[:500])
    return row


def settings_for(district_id: int) -> ProjectSettings:
    """The district's dispatch and lag rules (defaults when none were saved)."""
    found = ProjectSettings.objects.filter(district_id=district_id).first()
    return found or ProjectSettings(district_id=district_id)


@transaction.atomic
def settings_update(
    *, actor: User, now: datetime, district: Unit, **fields: Any
) -> ProjectSettings:
    require_manager(actor)
    row, _ = ProjectSettings.objects.get_or_create(district=district)
    allowed = {"report_close_day", "ahead_points", "lagging_points", "red_points", "red_stage_days"}
    for name, value in fields.items():
        if name not in allowed:
            raise InvalidProject(f"未知设置：{name} / unknown setting", field=name)
        setattr(row, name, value)
    if not 1 <= int(row.report_close_day) <= 28:
        raise InvalidProject(
            "截止日须在1至28日之间 / close day must be 1-28", field="report_close_day"
        )
    if not Decimal(row.lagging_points) < 0 <= Decimal(row.ahead_points):
        raise InvalidProject(
            "阈值须满足 滞后 < 0 ≤ 超前 / thresholds out of order", field="thresholds"
        )
    row.save()
    audit_log(actor=actor, obj=row, message="修改项目调度设置")
    return row


# -- plan curve ----------------------------------------------------------------------------


def even_curve(annual_plan: Decimal) -> list[Decimal]:
    """The default plan curve: the year's plan spread evenly (rounding in December)."""
    monthly = (annual_plan / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    return [*([monthly] * 11), annual_plan - monthly * 11]


def _write_curve(project: Project, year: int, amounts: Sequence[Decimal]) -> None:
    PlanMonth.objects.filter(project=project, year=year).delete()
    running = Decimal(0)
    rows = []
    for month, amount in enumerate(amounts, start=1):
        running += amount
        rows.append(
            PlanMonth(project=project, year=year, month=month, amount=amount, cumulative=running)
        )
    PlanMonth.objects.bulk_create(rows)


def _refresh_plan_to_date(project: Project) -> None:
    if project.reported_month:
        row = PlanMonth.objects.filter(
            project=project, year=project.plan_year, month=project.reported_month
        ).first()
        project.plan_to_date = row.cumulative if row else Decimal(0)


@transaction.atomic
def project_set_plan(
    *,
    project: Project,
    actor: User,
    now: datetime,
    year: int,
    annual_plan: object,
    months: Sequence[object] | None = None,
) -> Project:
    """Set a year's planned investment and its monthly curve (default: even over the months)."""
    require_manager(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    total = money(annual_plan, field="annual_plan", label="年度计划投资")
    if months is None:
        amounts = even_curve(total)
    else:
        if len(months) != 12:
            raise InvalidProject("月度计划须有12个月 / the curve needs 12 months", field="months")
        amounts = [money(m, field="months", label="月度计划") for m in months]
        if sum(amounts) != total:
            raise InvalidProject(
                f"12个月计划合计{sum(amounts)}万元，与年度计划{total}万元不一致 / months must add up",
                field="months",
            )
    _write_curve(project, year, amounts)
    if year == project.plan_year or months is None and year > project.plan_year:
        project.plan_year, project.annual_plan = year, total
    _refresh_plan_to_date(project)
    project.updated_at = now
    project.save()
    event(
        project=project,
        type="plan",
        actor=actor,
        now=now,
        message=f"设置{year}年计划投资{total}万元"
        + ("（按月均分）" if months is None else "（自定义月度曲线）"),
        year=year,
        annual_plan=str(total),
    )
    return project


# -- create and edit -------------------------------------------------------------------------


def _check_unit(unit: Unit | None, district: Unit, *, field: str, label: str) -> None:
    if unit is not None and not unit.is_within(district):
        raise InvalidProject(f"{label}不在本区 / {field} is outside the district", field=field)


def _validate(fields: dict[str, Any], district: Unit) -> dict[str, Any]:
    out = dict(fields)
    for name, label in (("code", "项目编号"), ("name", "项目名称")):
        value = str(out.get(name) or "").strip()
        if not value:
            raise InvalidProject(f"{label}不能为空 / {name} is required", field=name)
        out[name] = value
    if len(out["code"]) > 32 or len(out["name"]) > 200:
        raise InvalidProject("项目编号或名称过长 / code or name too long", field="code")
    if out.get("nature") not in Nature.values:
        raise InvalidProject(
            "项目性质须为 产业/基础设施/社会民生/商贸 / unknown nature", field="nature"
        )
    levels = list(out.get("levels") or [])
    if any(v not in Level.values for v in levels):
        raise InvalidProject("项目级别须为 省重点/市重点/区重点 / unknown level", field="levels")
    out["levels"] = pack_levels(levels)
    if out.get("stage", Stage.PLANNED) not in Stage.values:
        raise InvalidProject("未知的项目阶段 / unknown stage", field="stage")
    for name, label in (
        ("total_investment", "总投资"),
        ("annual_plan", "年度计划投资"),
        ("bond_applied", "专项债申请额度"),
        ("bond_received", "专项债到位额度"),
        ("bond_spent", "专项债已支出"),
    ):
        if name in out:
            out[name] = money(out[name], field=name, label=label)
    unit = out.get("unit")
    if unit is None:
        raise InvalidProject("请选择责任单位 / the responsible unit is required", field="unit")
    _check_unit(unit, district, field="unit", label="责任单位")
    street = out.get("street")
    _check_unit(street, district, field="street", label="所在街道")
    if street is not None and street.kind != UnitKind.STREET:
        raise InvalidProject(f"{street.name}不是街道/镇 / not a street", field="street")
    lead = out.get("lead")
    if lead is not None and not lead.has_role(Role.LEADER):
        raise InvalidProject(
            f"{lead}不是区领导，不能任包联领导 / lead must be a leader", field="lead"
        )
    if lead is not None and lead.district_pk != district.pk:
        raise InvalidProject("包联领导不在本区 / lead is outside the district", field="lead")
    reporter = out.get("reporter")
    if reporter is not None and reporter.district_pk != district.pk:
        raise InvalidProject("填报员不在本区 / reporter is outside the district", field="reporter")
    if not out.get("owner_name") and out.get("owner") is not None:
        out["owner_name"] = out["owner"].name
    if not str(out.get("owner_name") or "").strip():
        raise InvalidProject("业主单位不能为空 / the owner is required", field="owner_name")
    start, end = int(out.get("start_year") or 0), int(out.get("end_year") or 0)
    if not (2000 <= start <= end <= 2100):
        raise InvalidProject("起止年份有误 / start and end years are invalid", field="start_year")
    return out


LEDGER_FIELDS = (
    "name",
    "chain",
    "nature",
    "levels",
    "owner",
    "owner_name",
    "owner_contact",
    "owner_phone",
    "street",
    "location",
    "unit",
    "lead",
    "reporter",
    "content",
    "total_investment",
    "start_year",
    "end_year",
    "bond_applied",
    "bond_received",
    "bond_spent",
    "in_stats",
    "in_stats_date",
)


@transaction.atomic
def project_create(
    *,
    actor: User,
    now: datetime,
    district: Unit | None = None,
    stage_dates: Mapping[str, tuple[date | None, date | None]] | None = None,
    milestones: Mapping[str, tuple[date | None, date | None]] | None = None,
    task_force: Iterable[tuple[User, str]] = (),
    plan_months: Sequence[object] | None = None,
    **fields: Any,
) -> Project:
    """Enter a project in the ledger with its plan curve, stage dates and milestones."""
    require_manager(actor)
    if district is None and actor.district_pk is not None:
        district = Unit.objects.get(pk=actor.district_pk)
    if district is None:
        raise InvalidProject("无所属区 / no district", field="district")
    fields.setdefault("stage", Stage.PLANNED)
    plan_year = int(fields.pop("plan_year", local_date(now).year))
    data = _validate(fields, district)
    if Project.objects.filter(code=data["code"]).exists():
        raise DuplicateCode(f"项目编号{data['code']}已存在 / duplicate code", field="code")
    annual = data.pop("annual_plan", Decimal(0))
    project = Project.objects.create(
        district=district,
        plan_year=plan_year,
        annual_plan=annual,
        created_at=now,
        updated_at=now,
        **data,
    )
    _write_stage_dates(project, stage_dates or {}, now)
    for kind, (planned, actual) in (milestones or {}).items():
        if kind not in MilestoneKind.values:
            raise InvalidProject("未知的审批事项 / unknown milestone", field="milestones")
        Milestone.objects.create(
            project=project, kind=kind, planned_date=planned, actual_date=actual
        )
    for user, duty in task_force:
        TaskForceMember.objects.create(project=project, user=user, duty=duty or "成员")
    if plan_months is not None:
        amounts = [money(m, field="months", label="月度计划") for m in plan_months]
        if len(amounts) != 12 or sum(amounts) != annual:
            raise InvalidProject("月度计划须为12个月且合计等于年度计划 / bad curve", field="months")
    else:
        amounts = even_curve(annual)
    _write_curve(project, plan_year, amounts)
    event(project=project, type="create", actor=actor, now=now, message=f"录入项目：{project.name}")
    return project


def refresh_next_stage(project: Project) -> None:
    """Copy the earliest planned date of a stage not reached yet onto the project."""
    row = (
        StageDate.objects.filter(
            project=project, actual_date__isnull=True, planned_date__isnull=False
        )
        .order_by("planned_date")
        .first()
    )
    project.next_stage = row.stage if row else ""
    project.next_stage_due = row.planned_date if row else None
    Project.objects.filter(pk=project.pk).update(
        next_stage=project.next_stage, next_stage_due=project.next_stage_due
    )


def _write_stage_dates(
    project: Project, dates: Mapping[str, tuple[date | None, date | None]], now: datetime
) -> None:
    """One row per stage; stages up to the current one get an actual date."""
    current = stage_index(project.stage)
    for index, stage in enumerate(STAGE_ORDER):
        planned, actual = dates.get(stage, (None, None))
        if index <= current and actual is None:
            actual = planned or local_date(now)
        if index > current:
            actual = None
        StageDate.objects.create(
            project=project, stage=stage, planned_date=planned, actual_date=actual
        )
    refresh_next_stage(project)


@transaction.atomic
def project_update(*, project: Project, actor: User, now: datetime, **changes: Any) -> Project:
    """Edit the ledger's facts (not the stage: ``project_move_stage``)."""
    require_manager(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    unknown = set(changes) - set(LEDGER_FIELDS)
    if "stage" in changes:
        raise InvalidProject(
            "阶段只能通过推进操作变更 / move the stage with its action", field="stage"
        )
    if unknown:
        raise InvalidProject(
            f"不能修改：{'、'.join(sorted(unknown))} / unknown fields", field="fields"
        )
    current = {name: getattr(project, name) for name in LEDGER_FIELDS}
    current["levels"] = project.level_list
    current.update(changes)
    current["code"], current["stage"] = project.code, project.stage
    district = Unit.objects.get(pk=project.district_id)
    data = _validate(current, district)
    changed = [n for n in changes if getattr(project, n) != data[n]]
    for name in LEDGER_FIELDS:
        setattr(project, name, data[name])
    project.updated_at = now
    project.save()
    if changed:
        labels = "、".join(
            str(getattr(Project._meta.get_field(n), "verbose_name", n)) for n in changed
        )
        event(
            project=project,
            type="update",
            actor=actor,
            now=now,
            message=f"修改{labels}",
            fields=changed,
        )
    return project


@transaction.atomic
def project_set_stage_plan(
    *, project: Project, actor: User, now: datetime, stage: str, planned_date: date | None
) -> StageDate:
    """Re-plan a stage's date (the actual date only comes from a stage move)."""
    require_manager(actor)
    row = StageDate.objects.select_for_update().get(project=project, stage=stage)
    before = row.planned_date
    row.planned_date = planned_date
    row.save(update_fields=["planned_date"])
    refresh_next_stage(project)
    event(
        project=project,
        type="stage_plan",
        actor=actor,
        now=now,
        message=f"调整{Stage(stage).label}计划日期：{before or '无'} → {planned_date or '无'}",
    )
    return row


@transaction.atomic
def project_set_milestone(
    *,
    project: Project,
    actor: User,
    now: datetime,
    kind: str,
    planned_date: date | None = None,
    actual_date: date | None = None,
) -> Milestone:
    require_manager(actor)
    if kind not in MilestoneKind.values:
        raise InvalidProject("未知的审批事项 / unknown milestone", field="kind")
    row, _ = Milestone.objects.update_or_create(
        project=project,
        kind=kind,
        defaults={"planned_date": planned_date, "actual_date": actual_date},
    )
    event(
        project=project,
        type="milestone",
        actor=actor,
        now=now,
        message=f"{MilestoneKind(kind).label}：计划{planned_date or '—'}，实际{actual_date or '—'}",
    )
    return row


@transaction.atomic
def project_move_stage(
    *,
    project: Project,
    actor: User,
    now: datetime,
    stage: str,
    on: date | None = None,
    note: str = "",
) -> Project:
    """Move the project one stage forward (签约 → 落地 → 开工 …): no skipping, no going back."""
    require_manager(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if stage not in Stage.values:
        raise InvalidProject("未知的项目阶段 / unknown stage", field="stage")
    before, after = stage_index(project.stage), stage_index(stage)
    if after <= before:
        raise StageBackwards(
            f"项目已处于{Stage(project.stage).label}阶段，不能退回或停留在{Stage(stage).label} / "
            "a stage never moves backwards",
            stage=stage,
        )
    if after > before + 1:
        expected = Stage(STAGE_ORDER[before + 1]).label
        raise StageSkipped(
            f"阶段须逐级推进：下一阶段是{expected}，不能直接到{Stage(stage).label} / no skipping",
            stage=stage,
        )
    day = on or local_date(now)
    if day > local_date(now):
        raise InvalidProject("实际日期不能晚于今天 / the date is in the future", field="on")
    StageDate.objects.update_or_create(project=project, stage=stage, defaults={"actual_date": day})
    old = project.stage
    project.stage, project.updated_at = stage, now
    project.save(update_fields=["stage", "updated_at"])
    refresh_next_stage(project)
    event(
        project=project,
        type="stage",
        actor=actor,
        now=now,
        message=f"阶段推进：{Stage(old).label} → {Stage(stage).label}（{day}）"
        + (f"，{note}" if note else ""),
        before=old,
        after=stage,
        on=day.isoformat(),
    )
    return project


@transaction.atomic
def project_set_task_force(
    *, project: Project, actor: User, now: datetime, members: Iterable[tuple[User, str]]
) -> Project:
    require_manager(actor)
    members = list(members)
    TaskForceMember.objects.filter(project=project).delete()
    for user, duty in members:
        TaskForceMember.objects.create(project=project, user=user, duty=duty or "成员")
    event(
        project=project,
        type="task_force",
        actor=actor,
        now=now,
        message="专班成员：" + "、".join(f"{u}({d})" for u, d in members),
    )
    return project
