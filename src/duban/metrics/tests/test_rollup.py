"""The monthly rollup gives exactly the live figures, and stays fresh on its schedule."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from duban.core.periods import PERIOD_TZ, parse_period
from duban.metrics.models import MonthlyRollup, RollupPeriod
from duban.metrics.selectors import figures_by_category, monthly_series, unit_figures
from duban.metrics.selectors_rollup import dashboard_figures
from duban.metrics.services import (
    ENTRIES_TTL,
    RECENT_TTL,
    ensure_fresh,
    note_change,
    refresh_due,
    refresh_period,
)
from duban.org.models import UnitKind
from duban.tickets.choices import AssignmentRole, AssignmentStatus, State
from duban.tickets.models import Category, TicketAssignment

from .conftest import MARCH, NOW, done

pytestmark = pytest.mark.django_db
APRIL = parse_period("2025-04")
MARCH_P = parse_period("2025-03")


def category(name: str, parent: Category | None = None) -> Category:
    level = 1 if parent is None else parent.level + 1
    full = name if parent is None else f"{parent.full_name} › {name}"
    return Category.objects.create(name=name, parent=parent, level=level, full_name=full)


def same(a: object, b: object) -> None:
    """Two figure records are equal; floats up to rounding (sums vs SQL AVG)."""
    left, right = asdict(a), asdict(b)  # type: ignore[call-overload]
    assert left.keys() == right.keys()
    for key, value in left.items():
        if isinstance(value, float):
            assert right[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert right[key] == value, key


@pytest.fixture
def busy_district(make_unit, make_ticket, metric_settings):
    """300 tickets over five months in every state the figures distinguish."""
    rng = random.Random(7)
    streets = [make_unit(f"s{i}") for i in range(3)]
    dept = make_unit("d", kind=UnitKind.DEPARTMENT)
    units = [*streets, dept]
    city = category("城乡建设")
    leaves = [
        category("公租房", category("住房保障", city)),
        category("物业", city),
        category("交通运输"),
        city,
        None,
    ]
    for _ in range(300):
        at = datetime(
            2025, rng.randint(1, 4), rng.randint(1, 28), rng.randint(0, 23), tzinfo=PERIOD_TZ
        )
        if at > NOW:
            at = NOW - timedelta(hours=rng.randint(1, 300))
        unit = rng.choice(units)
        kind = rng.random()
        if kind < 0.4:
            fields = done(
                at,
                resolved=rng.random() < 0.8,
                satisfaction=rng.choice(["satisfied", "basic", "unsatisfied"]),
                accepted_at=at + timedelta(hours=rng.choice([1, 5])),
                replied_at=at + timedelta(days=rng.choice([2, 8])),
                reopen_count=rng.choice([0, 0, 1]),
                unreachable=rng.random() < 0.1,
            )
        elif kind < 0.6:
            fields = {"state": State.ACCEPTED, "accepted_at": at + timedelta(hours=1)}
        elif kind < 0.7:
            fields = {"state": State.DISPATCHED, "handle_breached_at": at + timedelta(days=6)}
        else:
            fields = {"state": State.DISPATCHED}
        ticket = make_ticket(unit, at, category=rng.choice(leaves), **fields)
        if rng.random() < 0.3:
            TicketAssignment.objects.create(
                ticket=ticket,
                unit=rng.choice(units),
                role=AssignmentRole.PRIMARY,
                status=rng.choice([AssignmentStatus.RETURNED, AssignmentStatus.ACTIVE]),
                assigned_at=at,
            )
    return units


def test_rollup_figures_equal_the_live_figures(busy_district):
    view = dashboard_figures(period=APRIL, unit=None, now=NOW)
    live_series = monthly_series(months=12, now=NOW)
    assert [m.period for m in view.series] == [m.period for m in live_series]
    assert sum(m.dispatched for m in view.series) == 300
    for rolled, live in zip(view.series, live_series, strict=True):
        same(rolled, live)
    for rolled, live in zip(
        view.by_unit,
        unit_figures(period_start=APRIL.start, period_end=APRIL.end, now=NOW),
        strict=True,
    ):
        same(rolled, live)
    live_categories = figures_by_category(period_start=APRIL.start, period_end=APRIL.end, now=NOW)
    assert len(view.by_category) == len(live_categories) >= 3
    for rolled, live in zip(view.by_category, live_categories, strict=True):
        same(rolled, live)


def test_rollup_figures_of_one_unit_equal_its_live_figures(busy_district):
    unit = busy_district[1]
    view = dashboard_figures(period=MARCH_P, unit=unit, now=NOW)
    # The live series ends with the month containing `now`; compare the months both have.
    live = {m.period: m for m in monthly_series(unit=unit, months=13, now=NOW)}
    for rolled in view.series:
        same(rolled, live[rolled.period])
    (own,) = view.by_unit
    same(
        own,
        unit_figures(period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW, units=[unit])[0],
    )
    live_categories = figures_by_category(
        period_start=MARCH_P.start, period_end=MARCH_P.end, now=NOW, units=[unit]
    )
    for rolled, live_cat in zip(view.by_category, live_categories, strict=True):
        same(rolled, live_cat)


def test_a_fresh_rollup_is_read_in_a_fixed_number_of_queries(
    busy_district, django_assert_num_queries
):
    dashboard_figures(period=APRIL, unit=None, now=NOW)
    # settings, freshness, series, units + rows, categories + names
    with django_assert_num_queries(7):
        view = dashboard_figures(period=APRIL, unit=None, now=NOW + timedelta(seconds=30))
    assert view.as_of == NOW


def test_a_recent_month_is_recomputed_once_its_time_to_live_has_passed(
    make_unit, make_ticket, metric_settings
):
    unit = make_unit("a")
    make_ticket(unit, MARCH, **done())
    assert dashboard_figures(period=APRIL, unit=None, now=NOW).series[-2].dispatched == 1
    added = make_ticket(unit, MARCH, **done())
    note_change(MARCH_P, now=NOW, ticket=added)  # as the ticket engine's observer does

    soon = NOW + RECENT_TTL - timedelta(seconds=1)
    assert dashboard_figures(period=APRIL, unit=None, now=soon).series[-2].dispatched == 1
    later = NOW + RECENT_TTL + timedelta(seconds=1)
    view = dashboard_figures(period=APRIL, unit=None, now=later)
    assert view.series[-2].dispatched == 2
    assert RollupPeriod.objects.get(period="2025-03").computed_at == later


def test_a_ticket_written_behind_the_engines_back_waits_for_the_daily_rebuild(
    make_unit, make_ticket, metric_settings
):
    """A recent month is brought forward from the writes the engine notes; a ticket
    inserted by hand is counted by the month's next whole rebuild, a day after the last."""
    unit = make_unit("a")
    make_ticket(unit, MARCH, **done())
    assert dashboard_figures(period=APRIL, unit=None, now=NOW).series[-2].dispatched == 1
    make_ticket(unit, MARCH, **done())  # no engine write: nothing noted

    later = NOW + RECENT_TTL + timedelta(seconds=1)
    assert dashboard_figures(period=APRIL, unit=None, now=later).series[-2].dispatched == 1
    next_day = NOW + ENTRIES_TTL
    assert dashboard_figures(period=APRIL, unit=None, now=next_day).series[-2].dispatched == 2
    assert RollupPeriod.objects.get(period="2025-03").entries_at == next_day


def test_an_older_month_lives_longer_than_a_recent_one(make_unit, make_ticket, metric_settings):
    unit = make_unit("a")
    january = datetime(2025, 1, 10, 9, 0, tzinfo=PERIOD_TZ)
    make_ticket(unit, january, **done(january))
    ensure_fresh([parse_period("2025-01"), MARCH_P], now=NOW)
    later = NOW + RECENT_TTL + timedelta(minutes=1)
    ensure_fresh([parse_period("2025-01"), MARCH_P], now=later)
    assert RollupPeriod.objects.get(period="2025-03").computed_at == later
    assert RollupPeriod.objects.get(period="2025-01").computed_at == NOW


def test_a_reader_rebuilds_an_older_month_only_when_it_is_a_day_old(
    make_unit, make_ticket, metric_settings
):
    unit = make_unit("a")
    january = parse_period("2025-01")
    make_ticket(unit, datetime(2025, 1, 10, 9, 0, tzinfo=PERIOD_TZ))
    ensure_fresh([january], now=NOW)
    # Past the tick's 15 minutes a reader keeps the rows (the tick refreshes them) …
    assert ensure_fresh([january], now=NOW + timedelta(minutes=20)) == NOW
    # … for up to a day, so a district without the tick still sees its old months move.
    assert ensure_fresh([january], now=NOW + timedelta(hours=23)) == NOW
    assert ensure_fresh([january], now=NOW + timedelta(hours=25)) == NOW + timedelta(hours=25)
    assert RollupPeriod.objects.get(period="2025-01").computed_at == NOW + timedelta(hours=25)


def test_refreshing_a_month_replaces_its_rows(make_unit, make_ticket, metric_settings):
    unit = make_unit("a")
    make_ticket(unit, MARCH)
    refresh_period(MARCH_P, now=NOW)
    refresh_period(MARCH_P, now=NOW)
    (row,) = MonthlyRollup.objects.filter(period="2025-03")
    assert (row.unit_id, row.dispatched, row.due_for_response, row.overdue_count) == (
        unit.pk,
        1,
        1,  # accept deadline (2 h) long passed at NOW
        1,  # handling deadline (5 days) passed, still dispatched
    )
    assert RollupPeriod.objects.get(period="2025-03").rows == 1
    assert refresh_period(MARCH_P, now=NOW + timedelta(seconds=5), force=False) is False


def test_the_tick_refreshes_only_the_months_that_are_due(make_unit, make_ticket, metric_settings):
    make_ticket(make_unit("a"), MARCH)
    first = refresh_due(now=NOW, months=3)
    assert first.refreshed == ("2025-02", "2025-03", "2025-04")
    assert refresh_due(now=NOW + timedelta(seconds=30), months=3).refreshed == ()
    # A recent month is refreshed on the tick before readers would find it stale.
    due = NOW + RECENT_TTL - timedelta(seconds=30)
    assert refresh_due(now=due, months=3).refreshed == ("2025-03", "2025-04")


def test_the_rollup_command_rebuilds_named_months_and_refuses_bad_ones(
    make_unit, make_ticket, metric_settings
):
    make_ticket(make_unit("a"), MARCH)
    out = StringIO()
    call_command("metrics", "rollup", "--period", "2025-03", stdout=out)
    assert "2025-03" in out.getvalue()
    assert MonthlyRollup.objects.filter(period="2025-03").count() == 1
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("metrics", "rollup", "--period", "2025-13x")
    with pytest.raises(CommandError, match="--months"):
        call_command("metrics", "rollup", "--months", "0")


@pytest.mark.parametrize("group", ["streets", "departments"])
@pytest.mark.parametrize("period", ["2025-03", "2025-04"])
def test_rankings_from_the_rollup_equal_the_live_rankings(busy_district, group, period):
    from duban.metrics.selectors import rankings
    from duban.metrics.selectors_rollup import rankings_from_rollup

    rolled = rankings_from_rollup(period=period, group=group, now=NOW)
    live = rankings(period=period, group=group, now=NOW)
    assert rolled.ranked and len(rolled.ranked) + len(rolled.not_ranked) == (
        3 if group == "streets" else 1
    )
    for attr in ("ranked", "not_ranked", "top", "bottom"):
        mine, theirs = getattr(rolled, attr), getattr(live, attr)
        assert [e.unit_id for e in mine] == [e.unit_id for e in theirs], attr
        for a, b in zip(mine, theirs, strict=True):
            assert (a.rank, a.previous_rank, a.rank_change, a.not_ranked_reason) == (
                b.rank,
                b.previous_rank,
                b.rank_change,
                b.not_ranked_reason,
            )
            assert a.composite == pytest.approx(b.composite)
            same(a.figures, b.figures)


def test_rankings_from_the_rollup_share_ranks_on_ties(make_unit, make_ticket, metric_settings):
    from duban.metrics.selectors_rollup import rankings_from_rollup

    a, b, c = make_unit("a"), make_unit("b"), make_unit("c")
    for unit, good in ((a, 2), (b, 2), (c, 1)):
        for n in range(2):
            make_ticket(unit, MARCH, **(done() if n < good else done(resolved=False)))
    ranking = rankings_from_rollup(period="2025-03", group="streets", now=NOW)
    assert [e.rank for e in ranking.ranked] == [1, 1, 3]
