"""The project ledger: entering projects, the plan curve, stage moves, lag in SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.admin.models import LogEntry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.projects import selectors
from duban.projects.models import (
    LagStatus,
    PlanMonth,
    Project,
    ProjectEvent,
    ProjectSettings,
    Stage,
    StageDate,
)
from duban.projects.services import (
    project_create,
    project_move_stage,
    project_set_plan,
    project_update,
)

from .conftest import at, make_project


def test_a_project_enters_the_ledger_with_an_even_plan_curve_and_its_stage_dates(w) -> None:
    project = make_project(w, annual_plan="1000", levels=["province", "city"])
    curve = list(PlanMonth.objects.filter(project=project).values_list("amount", flat=True))
    assert len(curve) == 12 and sum(curve) == Decimal("1000")
    assert curve[0] == Decimal("83.33") and curve[-1] == Decimal("83.37")
    assert project.level_list == ["province", "city"] and project.levels == ",city,province,"
    reached = StageDate.objects.filter(project=project, actual_date__isnull=False).count()
    assert reached == 5  # planned … building
    assert ProjectEvent.objects.filter(project=project, type="create").exists()
    assert LogEntry.objects.filter(object_id=str(project.pk)).exists()


def test_bad_ledger_input_is_refused_with_a_code_and_nothing_written(w) -> None:
    with pytest.raises(Exception) as negative:
        make_project(w, total_investment="-5")
    assert negative.value.code == "invalid_project" and "负数" in negative.value.message
    with pytest.raises(Exception) as not_a_leader:
        make_project(w, lead=w.reporter)
    assert not_a_leader.value.code == "invalid_project"
    make_project(w, code="DUP")
    with pytest.raises(Exception) as duplicate:
        make_project(w, code="DUP")
    assert duplicate.value.code == "duplicate_project_code"
    assert Project.objects.count() == 1
    with pytest.raises(Exception) as forbidden:
        project_create(actor=w.reporter, now=at(2025, 1, 1), code="X", name="X")
    assert forbidden.value.code == "project_forbidden"


def test_a_custom_plan_curve_must_add_up(w) -> None:
    project = make_project(w)
    months = ["0"] * 6 + ["200"] * 6
    project_set_plan(
        project=project,
        actor=w.office,
        now=at(2025, 2, 1),
        year=2025,
        annual_plan="1200",
        months=months,
    )
    assert PlanMonth.objects.get(project=project, year=2025, month=6).cumulative == 0
    with pytest.raises(Exception) as wrong:
        project_set_plan(
            project=project,
            actor=w.office,
            now=at(2025, 2, 1),
            year=2025,
            annual_plan="1000",
            months=months,
        )
    assert wrong.value.code == "invalid_project" and "不一致" in wrong.value.message
    assert PlanMonth.objects.get(project=project, year=2025, month=12).cumulative == 1200


def test_the_stage_moves_one_step_forward_as_an_event_never_skipping_or_back(w) -> None:
    project = make_project(w, stage=Stage.SIGNED)
    with pytest.raises(Exception) as skipped:
        project_move_stage(project=project, actor=w.office, now=at(2025, 3, 1), stage=Stage.STARTED)
    assert skipped.value.code == "stage_skipped" and "逐级" in skipped.value.message
    with pytest.raises(Exception) as back:
        project_move_stage(project=project, actor=w.office, now=at(2025, 3, 1), stage=Stage.PLANNED)
    assert back.value.code == "stage_backwards"
    moved = project_move_stage(
        project=project,
        actor=w.office,
        now=at(2025, 3, 1),
        stage=Stage.LANDED,
        on=date(2025, 2, 27),
    )
    assert moved.stage == Stage.LANDED
    assert StageDate.objects.get(project=project, stage=Stage.LANDED).actual_date == date(
        2025, 2, 27
    )
    assert ProjectEvent.objects.filter(project=project, type="stage").count() == 1
    with pytest.raises(Exception) as editing:
        project_update(project=project, actor=w.office, now=at(2025, 3, 1), stage=Stage.STARTED)
    assert editing.value.code == "invalid_project"


def test_a_passed_stage_date_is_stage_lag_with_days_late(w) -> None:
    project = make_project(
        w,
        stage=Stage.SIGNED,
        stage_dates={Stage.LANDED: (date(2025, 3, 1), None)},
    )
    today = date(2025, 4, 10)
    row = selectors.ledger(user=w.office, today=today).get(pk=project.pk)
    assert selectors.stage_lag_text(row, today) == "签约未落地（逾期40天）"
    assert row.warning == "yellow"
    later = selectors.ledger(user=w.office, today=date(2025, 6, 1)).get(pk=project.pk)
    assert later.warning == "red"  # more than 60 days late


def reference_status(done: int, plan: int, annual: int, ahead: int, lagging: int) -> str:
    """The rule in words: completion minus time elapsed, in points of the annual plan."""
    if annual <= 0:
        return LagStatus.NORMAL
    gap = (Fraction(done, annual) - Fraction(plan, annual)) * 100
    if gap >= ahead:
        return LagStatus.AHEAD
    if gap <= lagging:
        return LagStatus.LAGGING
    return LagStatus.NORMAL


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    annual=st.integers(min_value=0, max_value=2_000_000),
    done_share=st.fractions(min_value=0, max_value=2),
    month=st.integers(min_value=1, max_value=12),
    ahead=st.integers(min_value=0, max_value=20),
    lagging=st.integers(min_value=-30, max_value=-1),
    exact=st.booleans(),
)
def test_lag_status_in_sql_follows_the_rule_for_any_plan_and_date(
    w, annual, done_share, month, ahead, lagging, exact
) -> None:
    project = Project.objects.first() or make_project(w)
    ProjectSettings.objects.update_or_create(
        district=w.district.district, defaults={"ahead_points": ahead, "lagging_points": lagging}
    )
    plan = annual * month // 12
    # Hit the thresholds exactly now and then: completed = plan + threshold points.
    done = (
        plan + annual * (ahead if month % 2 else lagging) // 100
        if exact
        else int(annual * done_share)
    )
    done = max(done, 0)
    Project.objects.filter(pk=project.pk).update(
        annual_plan=annual, completed_this_year=done, plan_to_date=plan, reported_month=month
    )
    row = selectors.ledger(user=w.office, today=date(2025, 12, 31)).get(pk=project.pk)
    expected = reference_status(done, plan, annual, ahead, lagging)
    assert row.lag_status == expected
    assert (
        selectors.lag_status(
            completed=Decimal(done),
            plan_to_date=Decimal(plan),
            annual_plan=Decimal(annual),
            ahead=Decimal(ahead),
            lagging=Decimal(lagging),
        )
        == expected
    )
    if annual:
        assert row.completion_rate == pytest.approx(done / annual)
        assert row.time_elapsed_rate == pytest.approx(plan / annual)
