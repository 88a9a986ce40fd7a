"""Rankings of March 2025 against February 2025."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.core.errors import InvalidInput
from duban.metrics.selectors import rankings
from duban.org.models import UnitKind
from duban.tickets.choices import State
from duban.tickets.models import Ticket

from .conftest import FEBRUARY, MARCH, NOW, done, ticket_fields

pytestmark = pytest.mark.django_db


def add(unit, at, *, good: int = 0, bad: int = 0) -> None:
    """``good`` tickets score 1 on every rate, ``bad`` ones 0: composite = 100·good/(good+bad)."""
    bad_fields = done(
        at,
        accepted_at=at + timedelta(hours=5),
        resolved=False,
        satisfaction="unsatisfied",
    )
    Ticket.objects.bulk_create(
        [Ticket(**ticket_fields(unit, at, **done(at))) for _ in range(good)]
        + [Ticket(**ticket_fields(unit, at, **bad_fields)) for _ in range(bad)]
    )


@pytest.fixture
def league(make_unit, metric_settings):
    metric_settings.min_volume = 3
    metric_settings.top_n = 2
    metric_settings.save()
    units = {code: make_unit(code) for code in ("s1", "s2", "s3", "s4", "s5")}
    units["d1"] = make_unit("d1", UnitKind.DEPARTMENT)
    units["d2"] = make_unit("d2", UnitKind.DEPARTMENT)
    # March: s1 100, s2 75, s3 50, s4 25; s5 under the minimum volume.
    add(units["s1"], MARCH, good=4)
    add(units["s2"], MARCH, good=3, bad=1)
    add(units["s3"], MARCH, good=2, bad=2)
    add(units["s4"], MARCH, good=1, bad=3)
    add(units["s5"], MARCH, good=2)
    add(units["d1"], MARCH, bad=4)
    add(units["d2"], MARCH, good=3)
    # February: s2 100, s4 50, s1 25; s3 had nothing.
    add(units["s2"], FEBRUARY, good=4)
    add(units["s4"], FEBRUARY, good=2, bad=2)
    add(units["s1"], FEBRUARY, good=1, bad=3)
    return units


def codes(entries) -> list[str]:
    return [e.figures.unit_code for e in entries]


def test_streets_ranked_by_composite_with_change_from_last_month(league):
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert ranking.period == "2025-03" and ranking.previous_period == "2025-02"
    assert codes(ranking.ranked) == ["s1", "s2", "s3", "s4"]
    s1, s2, s3, s4 = ranking.ranked
    assert [e.rank for e in ranking.ranked] == [1, 2, 3, 4]
    assert [e.composite for e in ranking.ranked] == pytest.approx([100, 75, 50, 25])

    assert (s1.previous_rank, s1.rank_change) == (3, 2)
    assert s1.composite_change == pytest.approx(75)
    assert (s2.previous_rank, s2.rank_change) == (1, -1)
    assert s2.composite_change == pytest.approx(-25)
    assert (s3.previous_rank, s3.rank_change, s3.composite_change) == (None, None, None)
    assert (s4.previous_rank, s4.rank_change) == (2, -2)
    assert s4.previous_composite == pytest.approx(50)


def test_min_volume_units_are_listed_as_not_ranked(league):
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert codes(ranking.not_ranked) == ["s5"]
    (s5,) = ranking.not_ranked
    assert s5.rank is None and s5.not_ranked_reason == "min_volume"
    assert s5.figures.dispatched == 2 and s5.composite == pytest.approx(100)


def test_top_and_bottom_lists(league):
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert codes(ranking.top) == ["s1", "s2"]  # 飞虎榜
    assert codes(ranking.bottom) == ["s4", "s3"]  # 蜗牛榜, worst first


def test_top_and_bottom_do_not_overlap(league, metric_settings):
    metric_settings.top_n = 3
    metric_settings.save()
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert codes(ranking.top) == ["s1", "s2", "s3"]
    assert codes(ranking.bottom) == ["s4"]


def test_departments_are_ranked_apart_from_streets(league):
    ranking = rankings(period="2025-03", group="departments", now=NOW)
    assert codes(ranking.ranked) == ["d2", "d1"]
    assert ranking.not_ranked == ()
    streets = rankings(period="2025-03", group="streets", now=NOW)
    assert not {"d1", "d2"} & set(codes(streets.ranked + streets.not_ranked))


def test_ties_share_a_rank(make_unit, metric_settings):
    a, b, c = make_unit("a"), make_unit("b"), make_unit("c")
    add(a, MARCH, good=2)
    add(b, MARCH, good=3)
    add(c, MARCH, good=1, bad=1)
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert [(e.figures.unit_code, e.rank) for e in ranking.ranked] == [("a", 1), ("b", 1), ("c", 3)]


def test_unit_without_any_rate_is_not_ranked(make_unit, make_ticket, metric_settings):
    unit = make_unit("a")
    # Dispatched, accept deadline ahead: no rate can be computed yet.
    make_ticket(unit, MARCH, state=State.DISPATCHED, accept_due=NOW + timedelta(days=1))
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert ranking.ranked == ()
    assert [e.not_ranked_reason for e in ranking.not_ranked] == ["no_rates"]


def test_inactive_units_are_left_out(league):
    league["s4"].is_active = False
    league["s4"].save()
    ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert codes(ranking.ranked) == ["s1", "s2", "s3"]


@pytest.mark.parametrize(("period", "group"), [("2025-3", "streets"), ("2025-03", "communities")])
def test_bad_input(period, group, metric_settings):
    with pytest.raises(InvalidInput):
        rankings(period=period, group=group, now=NOW)


def test_rankings_run_a_fixed_number_of_queries(
    make_unit, metric_settings, django_assert_num_queries
):
    add(make_unit("a"), MARCH, good=2)
    with django_assert_num_queries(5):  # settings + (figures + assignments) × two months
        rankings(period="2025-03", group="streets", now=NOW)
    for i in range(8):
        unit = make_unit(f"u{i}")
        add(unit, MARCH, good=i, bad=2)
        add(unit, FEBRUARY, good=2, bad=i)
    with django_assert_num_queries(5):
        ranking = rankings(period="2025-03", group="streets", now=NOW)
    assert len(ranking.ranked) == 9
