"""The monthly dispatch (月度调度): a project's report of a month, submitted and reviewed.

A report of month M opens on the 20th of M and is due on the district's close day of the
next month (default the 5th); it is still accepted, marked late, until the end of that
next month, and refused outside those dates. The cumulative figures are derived (this
year's and since the start): a figure that makes them go backwards needs a correction
note, and every submission is kept as a revision.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F

from duban.org.models import User
from duban.org.roles import PROJECT_OFFICE_ROLES

from .errors import (
    CumulativeBackwards,
    InvalidProject,
    ProjectForbidden,
    ReportWindowClosed,
    ReportWindowNotOpen,
    TooManyPhotos,
)
from .errors import (
    ReportState as ReportStateError,
)
from .models import MonthlyReport, PlanMonth, Project, ReportPhoto, ReportRevision, ReportState
from .services import CENT, event, local_date, settings_for
from .services_photos import MAX_PHOTOS, check_photo, store_photo

OPENS_ON_DAY = 20


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year, month + 1) if month < 12 else (year + 1, 1)


def window(*, year: int, month: int, close_day: int) -> tuple[date, date, date]:
    """(opens, due, last day accepted late) of the report of ``year``-``month``."""
    ny, nm = next_month(year, month)
    last = calendar.monthrange(ny, nm)[1]
    return date(year, month, OPENS_ON_DAY), date(ny, nm, min(close_day, last)), date(ny, nm, last)


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidProject(
            "当月完成投资须为数字 / investment must be a number", field="investment_month"
        ) from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e11"):
        raise InvalidProject(
            "当月完成投资须为数字 / investment must be a number", field="investment_month"
        )
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: str, *, field: str, label: str, required: bool = False, limit: int = 2000) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise InvalidProject(f"{label}不能为空 / {field} is required", field=field)
    if len(text) > limit:
        raise InvalidProject(f"{label}过长（最多{limit}字）/ {field} too long", field=field)
    return text


def _plan_at(project: Project, year: int, month: int) -> tuple[Decimal, Decimal]:
    """(the plan curve at ``month``, the year's plan) of ``project``."""
    rows = dict(
        PlanMonth.objects.filter(project=project, year=year, month__in=[month, 12]).values_list(
            "month", "cumulative"
        )
    )
    annual = rows.get(12)
    if annual is None:
        annual = project.annual_plan if year == project.plan_year else Decimal(0)
    return rows.get(month, Decimal(0)), annual


@transaction.atomic
def report_submit(
    *,
    project: Project,
    actor: User,
    now: datetime,
    year: int,
    month: int,
    investment_month: object,
    progress: str,
    problems: str = "",
    requests: str = "",
    correction_note: str = "",
    photos: list = (),  # type: ignore[assignment]
) -> MonthlyReport:
    """File (or file again) the report of ``year``-``month`` of ``project``."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not (project.reporter_id == actor.pk or actor.has_role(PROJECT_OFFICE_ROLES)):
        raise ProjectForbidden("只能填报本人负责的项目 / you do not report this project")
    if not (1 <= int(month) <= 12 and 2000 <= int(year) <= 2100):
        raise InvalidProject("月份有误 / invalid month", field="month")
    today = local_date(now)
    opens, due, last = window(
        year=year, month=month, close_day=int(settings_for(project.district_id).report_close_day)
    )
    if today < opens:
        raise ReportWindowNotOpen(
            f"{year}年{month}月报告{opens:%Y年%m月%d日}起方可填报 / the window is not open yet",
            opens=opens.isoformat(),
        )
    if today > last:
        raise ReportWindowClosed(
            f"{year}年{month}月报告的填报期已于{last:%Y年%m月%d日}结束 / the window has closed",
            closed=last.isoformat(),
        )
    checked = [check_photo(upload) for upload in photos]
    amount = _amount(investment_month)
    progress = _text(progress, field="progress", label="形象进度", required=True)
    problems = _text(problems, field="problems", label="存在问题")
    requests = _text(requests, field="requests", label="需协调事项")
    note = _text(correction_note, field="correction_note", label="更正说明", limit=500)
    existing = (
        MonthlyReport.objects.select_for_update()
        .filter(project=project, year=year, month=month)
        .first()
    )
    if (
        existing is not None
        and existing.state == ReportState.SUBMITTED
        and existing.submitted_by_id == actor.pk
        and (existing.investment_month, existing.progress, existing.problems, existing.requests)
        == (amount, progress, problems, requests)
        and existing.correction_note == note
        and not photos
    ):
        return existing  # a retried submission: nothing new to record
    if existing is not None and existing.state == ReportState.APPROVED and not note:
        raise ReportStateError(
            "该月报告已审核，如需更正请填写更正说明 / an approved report needs a correction note",
            field="correction_note",
        )
    backwards = amount < 0 or (existing is not None and amount < existing.investment_month)
    if backwards and not note:
        raise CumulativeBackwards(
            "本次填报使累计投资减少，请填写更正说明 / the cumulative figure goes backwards: add a correction note",
            field="correction_note",
        )
    earlier = MonthlyReport.objects.filter(project=project).filter(
        year__lt=year
    ) | MonthlyReport.objects.filter(project=project, year=year, month__lt=month)
    before = earlier.order_by("-year", "-month").first()
    prior_year = (
        before.cumulative_year if before is not None and before.year == year else Decimal(0)
    )
    prior_total = before.cumulative_total if before is not None else Decimal(0)
    cumulative_year, cumulative_total = prior_year + amount, prior_total + amount
    if cumulative_year < 0 or cumulative_total < 0:
        raise CumulativeBackwards(
            "累计投资不能为负数 / cumulative figures cannot be negative", field="investment_month"
        )
    if existing is None:
        report = MonthlyReport(
            project=project, year=year, month=month, revision=1, late=today > due
        )
        delta = amount
    else:
        report = existing
        report.revision += 1
        delta = amount - existing.investment_month
    report.state = ReportState.SUBMITTED
    report.investment_month = amount
    report.cumulative_year, report.cumulative_total = cumulative_year, cumulative_total
    report.progress, report.problems, report.requests = progress, problems, requests
    report.correction_note = note
    report.submitted_by, report.submitted_at = actor, now
    report.reviewed_by, report.reviewed_at, report.review_comment = None, None, ""
    report.save()
    if delta and existing is not None:
        # Later months carry the corrected figure forward.
        later = MonthlyReport.objects.filter(project=project).exclude(pk=report.pk)
        later.filter(year=year, month__gt=month).update(
            cumulative_year=F("cumulative_year") + delta,
            cumulative_total=F("cumulative_total") + delta,
        )
        later.filter(year__gt=year).update(cumulative_total=F("cumulative_total") + delta)
        _sync_project(project)
    ReportRevision.objects.create(
        report=report,
        revision=report.revision,
        investment_month=amount,
        cumulative_year=cumulative_year,
        progress=progress,
        correction_note=note,
        submitted_by=actor,
        submitted_at=now,
    )
    stored = set(ReportPhoto.objects.filter(report=report).values_list("sha256", flat=True))
    fresh = [p for p in checked if p.sha256 not in stored]
    if len(stored) + len(fresh) > MAX_PHOTOS:
        raise TooManyPhotos(
            f"每月报告最多{MAX_PHOTOS}张照片 / at most {MAX_PHOTOS} photos per report",
            field="photo",
        )
    for photo in {p.sha256: p for p in fresh}.values():
        store_photo(report=report, photo=photo, actor=actor, now=now)
    verb = "更正" if existing is not None and note else ("重报" if existing is not None else "报送")
    event(
        project=project,
        type="report_submit",
        actor=actor,
        now=now,
        message=f"{verb}{year}年{month}月调度：当月完成{amount}万元，本年累计{cumulative_year}万元"
        + ("（逾期）" if report.late else "")
        + (f"，更正说明：{note}" if note else ""),
        year=year,
        month=month,
        revision=report.revision,
    )
    return report


def _sync_project(project: Project) -> None:
    """Copy the last approved report of the plan year onto the project (what lists read)."""
    last = (
        MonthlyReport.objects.filter(
            project=project, year=project.plan_year, state=ReportState.APPROVED
        )
        .order_by("-month")
        .first()
    )
    if last is None:
        project.reported_month = 0
        project.completed_this_year = project.plan_to_date = Decimal(0)
    else:
        project.reported_month = last.month
        project.completed_this_year = last.cumulative_year
        project.completed_total = last.cumulative_total
        project.plan_to_date, _ = _plan_at(project, last.year, last.month)
    Project.objects.filter(pk=project.pk).update(
        reported_month=project.reported_month,
        completed_this_year=project.completed_this_year,
        completed_total=project.completed_total,
        plan_to_date=project.plan_to_date,
    )


def _require_office(actor: User) -> None:
    if not actor.has_role(PROJECT_OFFICE_ROLES):
        raise ProjectForbidden(
            "只有项目办(发改局)可以审核调度报告 / only the project office reviews"
        )


def _locked(report: MonthlyReport) -> MonthlyReport:
    locked = MonthlyReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    if locked.state != ReportState.SUBMITTED:
        raise ReportStateError(
            f"该报告{locked.get_state_display()}，不能再审核 / only a submitted report is reviewed"
        )
    return locked


@transaction.atomic
def report_approve(
    *, report: MonthlyReport, actor: User, now: datetime, comment: str = ""
) -> MonthlyReport:
    """Approve a submitted report: its figures become the project's progress."""
    _require_office(actor)
    report = _locked(report)
    project = Project.objects.select_for_update().get(pk=report.project_id)
    if project.district_id != actor.district_pk:
        raise ProjectForbidden("不能审核其他区的项目 / another district's project")
    plan, annual = _plan_at(project, report.year, report.month)
    report.state = ReportState.APPROVED
    report.reviewed_by, report.reviewed_at = actor, now
    report.review_comment = _text(comment, field="comment", label="审核意见", limit=500)
    report.plan_to_date, report.annual_plan = plan, annual
    report.completion_rate = float(report.cumulative_year / annual) if annual else 0.0
    report.save()
    _sync_project(project)
    event(
        project=project,
        type="report_approve",
        actor=actor,
        now=now,
        message=f"审核通过{report.year}年{report.month}月调度"
        + (f"：{report.review_comment}" if report.review_comment else ""),
        report=report.pk,
    )
    return report


@transaction.atomic
def report_return(
    *, report: MonthlyReport, actor: User, now: datetime, comment: str
) -> MonthlyReport:
    """Return a submitted report to its reporter with the reason."""
    _require_office(actor)
    comment = _text(comment, field="comment", label="退回意见", required=True, limit=500)
    report = _locked(report)
    if report.project.district_id != actor.district_pk:
        raise ProjectForbidden("不能审核其他区的项目 / another district's project")
    report.state = ReportState.RETURNED
    report.reviewed_by, report.reviewed_at, report.review_comment = actor, now, comment
    report.save()
    event(
        project=report.project,
        type="report_return",
        actor=actor,
        now=now,
        message=f"退回{report.year}年{report.month}月调度：{comment}",
        report=report.pk,
    )
    return report
