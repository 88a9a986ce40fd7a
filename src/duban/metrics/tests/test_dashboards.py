"""District, category and monthly variants of the figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.core.periods import PERIOD_TZ, parse_period
from duban.metrics.selectors import district_figures, figures_by_category, monthly_series
from duban.tickets.choices import AssignmentRole, AssignmentStatus, State
from duban.tickets.models import Category, TicketAssignment

from .conftest import FEBRUARY, MARCH, NOW, done

pytestmark = pytest.mark.django_db
MARCH_P = parse_period("2025-03")


def category(name: str, parent: Category | None = None) -> Category:
    level = 1 if parent is None else parent.level + 1
    full = name if parent is None else f"{parent.full_name} › {name}"
    return Category.objects.create(name=name, parent=parent, level=level, full_name=full)


def test_district_figures_combine_every_unit(make_unit, make_ticket, metric_settings):
    a, b = make_unit("a"), make_unit("b")
    ta = make_ticket(a, **done())
    make_ticket(a, **done(satisfaction="unsatisfied", resolved=False))
    make_ticket(b, state=State.DISPATCHED)
    make_ticket(b, FEBRUARY, **done())  # other month
    TicketAssignment.objects.create(
        ticket=ta,
        unit=b,
        role=AssignmentRole.PRIMARY,
        status=AssignmentStatus.RETURNED,
        assigned_at=MARCH,
    )
    TicketAssignment.objects.create(
        ticket=ta, unit=a, role=AssignmentRole.PRIMARY, assigned_at=MARCH
    )
    figures = district_figures(period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW)
    assert figures.dispatched == 3
    assert figures.response_rate == pytest.approx(2 / 3)
    assert figures.resolution_rate == 0.5
    assert figures.return_rate == 0.5
    assert figures.label == ""


def test_district_figures_of_an_empty_period(metric_settings, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures = district_figures(period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW)
    assert figures.dispatched == 0 and figures.composite is None and figures.return_rate is None


def test_figures_by_level_one_category(make_unit, make_ticket, metric_settings):
    unit = make_unit("a")
    city = category("城乡建设")
    housing = category("住房保障", city)
    rent = category("公租房", housing)
    traffic = category("交通运输")
    make_ticket(unit, category=rent, **done())
    make_ticket(unit, category=housing, **done(resolved=False))
    make_ticket(unit, category=city)
    make_ticket(unit, category=traffic, **done())
    make_ticket(unit)  # uncategorised

    by_name = {
        f.category_name: f
        for f in figures_by_category(period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW)
    }
    assert set(by_name) == {"城乡建设", "交通运输", "未分类"}
    assert by_name["城乡建设"].category_id == city.pk
    assert by_name["城乡建设"].dispatched == 3
    assert by_name["城乡建设"].resolution_rate == 0.5
    assert by_name["未分类"].category_id is None


def test_figures_by_category_for_some_units(
    make_unit, make_ticket, metric_settings, django_assert_num_queries
):
    a, b = make_unit("a"), make_unit("b")
    traffic = category("交通运输")
    make_ticket(a, category=traffic)
    make_ticket(b, category=traffic)
    make_ticket(b, category=traffic)
    with django_assert_num_queries(3):
        (only,) = figures_by_category(
            period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW, units=[b]
        )
    assert only.dispatched == 2


def test_monthly_series(make_unit, make_ticket, metric_settings, django_assert_num_queries):
    a, b = make_unit("a"), make_unit("b")
    make_ticket(a, FEBRUARY, **done())
    make_ticket(a, MARCH, **done())
    make_ticket(a, MARCH, **done(accepted_at=MARCH + timedelta(hours=5)))
    make_ticket(b, MARCH)
    # 1 April 00:30 in Shanghai is still 31 March in UTC.
    make_ticket(a, datetime(2025, 4, 1, 0, 30, tzinfo=PERIOD_TZ))

    with django_assert_num_queries(3):
        series = monthly_series(unit=a, months=4, now=NOW)
    assert [m.period for m in series] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert [m.dispatched for m in series] == [0, 1, 2, 1]
    assert series[0].response_rate is None
    assert series[2].response_rate == 0.5
    assert series[2].period_start == MARCH_P.start

    district = monthly_series(months=2, now=NOW)
    assert [m.dispatched for m in district] == [3, 1]
