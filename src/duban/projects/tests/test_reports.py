"""The monthly dispatch: the window, derived cumulative figures, review, history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duban.projects.errors import ProjectForbidden
from duban.projects.models import MonthlyReport, ProjectEvent, ReportRevision, ReportState
from duban.projects.services_reports import report_approve, report_return, report_submit

from .conftest import at, make_project


def submit(w, project, *, when, year=2025, month=3, amount="100", actor=None, **kw):
    return report_submit(
        project=project,
        actor=actor or w.reporter,
        now=when,
        year=year,
        month=month,
        investment_month=amount,
        progress=kw.pop("progress", "主体结构施工"),
        **kw,
    )


def test_a_report_is_filed_in_its_window_and_approved_into_the_projects_progress(w) -> None:
    project = make_project(w)
    r1 = submit(w, project, when=at(2025, 2, 3), month=1, amount="100")
    report_approve(report=r1, actor=w.office, now=at(2025, 2, 4))
    r2 = submit(w, project, when=at(2025, 3, 4), month=2, amount="150")
    assert r2.cumulative_year == Decimal("250") and r2.state == ReportState.SUBMITTED
    assert not r2.late
    report_approve(report=r2, actor=w.office, now=at(2025, 3, 5), comment="同意")
    project.refresh_from_db()
    assert project.reported_month == 2
    assert project.completed_this_year == Decimal("250")
    assert project.plan_to_date == Decimal("200")  # 1200 even over 12 months, 2 months
    assert ProjectEvent.objects.filter(project=project, type="report_approve").count() == 2


def test_a_late_report_is_marked_and_outside_the_window_refused(w) -> None:
    project = make_project(w)
    late = submit(w, project, when=at(2025, 4, 10), month=3)
    assert late.late
    with pytest.raises(Exception) as closed:
        submit(w, project, when=at(2025, 5, 1), month=3, amount="120")
    assert closed.value.code == "report_window_closed" and "结束" in closed.value.message
    with pytest.raises(Exception) as early:
        submit(w, project, when=at(2025, 4, 10), month=4)
    assert early.value.code == "report_window_not_open"
    assert MonthlyReport.objects.filter(project=project).count() == 1


def test_a_lower_figure_needs_a_correction_note_and_keeps_its_history(w) -> None:
    project = make_project(w)
    r = submit(w, project, when=at(2025, 4, 2), month=3, amount="300")
    with pytest.raises(Exception) as refused:
        submit(w, project, when=at(2025, 4, 3), month=3, amount="200")
    assert refused.value.code == "cumulative_backwards" and "更正说明" in refused.value.message
    r.refresh_from_db()
    assert r.investment_month == Decimal("300") and r.revision == 1
    fixed = submit(
        w, project, when=at(2025, 4, 3), month=3, amount="200", correction_note="统计口径调整"
    )
    assert fixed.revision == 2 and fixed.cumulative_year == Decimal("200")
    assert list(
        ReportRevision.objects.filter(report=r).values_list("investment_month", flat=True)
    ) == [Decimal("300"), Decimal("200")]


def test_correcting_an_earlier_month_carries_into_later_months(w) -> None:
    project = make_project(w)
    jan = submit(w, project, when=at(2025, 2, 2), month=1, amount="100")
    report_approve(report=jan, actor=w.office, now=at(2025, 2, 3))
    feb = submit(w, project, when=at(2025, 2, 25), month=2, amount="100")
    report_approve(report=feb, actor=w.office, now=at(2025, 2, 26))
    submit(w, project, when=at(2025, 2, 27), month=1, amount="150", correction_note="补报")
    feb.refresh_from_db()
    assert feb.cumulative_year == Decimal("250")


def test_the_office_returns_with_a_comment_and_the_reporter_files_again(w) -> None:
    project = make_project(w)
    r = submit(w, project, when=at(2025, 4, 2))
    with pytest.raises(Exception) as no_comment:
        report_return(report=r, actor=w.office, now=at(2025, 4, 3), comment=" ")
    assert no_comment.value.code == "invalid_project"
    returned = report_return(report=r, actor=w.office, now=at(2025, 4, 3), comment="照片不清晰")
    assert returned.state == ReportState.RETURNED and returned.review_comment == "照片不清晰"
    with pytest.raises(Exception) as twice:
        report_approve(report=r, actor=w.office, now=at(2025, 4, 3))
    assert twice.value.code == "report_state"
    again = submit(w, project, when=at(2025, 4, 4), amount="100")
    assert again.state == ReportState.SUBMITTED and again.revision == 2


def test_a_reporter_cannot_touch_another_project_and_only_the_office_reviews(w) -> None:
    project = make_project(w, reporter=w.reporter2)
    with pytest.raises(ProjectForbidden) as other:
        submit(w, project, when=at(2025, 4, 2))
    assert other.value.code == "project_forbidden"
    r = submit(w, project, when=at(2025, 4, 2), actor=w.reporter2)
    with pytest.raises(ProjectForbidden):
        report_approve(report=r, actor=w.reporter2, now=at(2025, 4, 3))
    assert MonthlyReport.objects.get(pk=r.pk).state == ReportState.SUBMITTED
