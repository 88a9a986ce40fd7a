"""考核申诉 / 核减 in the figures: an approved exemption takes its ticket out of every count
of the unit (live and rollup alike), marks its month's rollup stale, and every ranking row
explains itself with the very numbers of its figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from duban.core.errors import NotFound
from duban.core.periods import PERIOD_TZ, parse_period
from duban.metrics.figures import COUNT_FIELDS, UnitFigures
from duban.metrics.models import MonthlyRollup, RollupPeriod
from duban.metrics.selectors import get_metric_settings, unit_figures, weights_of
from duban.metrics.selectors_explain import ranking_explanation
from duban.metrics.selectors_rollup import rankings_from_rollup, units_from_rollup
from duban.metrics.services import ensure_fresh, refresh_due, refresh_period
from duban.org.models import Role, UnitKind
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.choices import State
from duban.tickets.models import Ticket

from .conftest import MARCH, NOW, done

pytestmark = pytest.mark.django_db
MARCH_P = parse_period("2025-03")
# The counts an exemption takes a ticket out of (the assignment counts follow assignments).
TICKET_COUNTS = tuple(
    c for c in COUNT_FIELDS if c not in ("primary_assignments", "returned", "exempted")
)
# Ticket A: closed, rated 满意 and resolved, once reopened, everything in time.
IN_A = {
    "dispatched",
    "due_for_response",
    "responded_in_time",
    "rated",
    "resolved",
    "satisfied",
    "replied",
    "replied_on_time",
    "closed_or_rated",
    "reopened",
}
# Ticket B: answered a day after its deadline (overdue), rated 基本满意.
IN_B = {
    "dispatched",
    "due_for_response",
    "responded_in_time",
    "rated",
    "resolved",
    "basic_satisfied",
    "replied",
    "closed_or_rated",
    "overdue_count",
}


@pytest.fixture
def scene(make_unit, make_ticket, metric_settings):
    """Three streets in March; 滨湖 (s1) has tickets A and B and four others."""
    centre = make_unit("centre", kind=UnitKind.CENTRE)
    s1, s2, s3 = make_unit("s1"), make_unit("s2"), make_unit("s3")
    a = make_ticket(s1, MARCH, **done(MARCH, reopen_count=1))
    b = make_ticket(
        s1, MARCH, **done(MARCH, satisfaction="basic", replied_at=MARCH + timedelta(days=6))
    )
    make_ticket(s1, MARCH, **done(MARCH))
    make_ticket(s1, MARCH, **done(MARCH, resolved=False, satisfaction="unsatisfied"))
    make_ticket(s1, MARCH, state=State.ACCEPTED, accepted_at=MARCH + timedelta(hours=1))
    make_ticket(s1, MARCH)
    for _ in range(3):
        make_ticket(s2, MARCH, **done(MARCH))
    make_ticket(s3, MARCH, **done(MARCH, accepted_at=MARCH + timedelta(hours=5)))
    return {
        "s1": s1,
        "s2": s2,
        "s3": s3,
        "a": a,
        "b": b,
        "dispatcher": make_user("dispatcher", Role.DISPATCHER, centre),
        "handler": make_user("handler1", Role.HANDLER, s1),
        "other_head": make_user("head2", Role.UNIT_HEAD, s2),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, centre),
    }


def live(unit) -> UnitFigures:
    (figures,) = unit_figures(
        period_start=MARCH_P.start, period_end=MARCH_P.end, units=[unit], now=NOW
    )
    return figures


def rolled(unit, at: datetime = NOW) -> UnitFigures:
    ensure_fresh([MARCH_P], now=at)
    weights = weights_of(get_metric_settings())
    (figures,) = units_from_rollup(period=MARCH_P, units=[unit], weights=weights)
    return figures


def request(scene, ticket, at: datetime = NOW) -> Ticket:
    return s.ticket_request_exemption(
        ticket=ticket,
        actor=scene["handler"],
        now=at,
        reason_kind="refuses_solution",
        reason="诉求人拒绝三次上门维修方案",
    )


def approve(scene, ticket, at: datetime = NOW) -> Ticket:
    asked = request(scene, ticket, at)
    return s.ticket_approve_exemption(
        ticket=asked, actor=scene["dispatcher"], now=at + timedelta(hours=1), note="情况属实"
    )


def test_the_two_tickets_between_them_reach_every_count():
    assert set(TICKET_COUNTS) == IN_A | IN_B


@pytest.mark.parametrize(("name", "counts"), [("a", IN_A), ("b", IN_B)])
def test_an_approved_exemption_takes_the_ticket_out_of_every_count(scene, name, counts):
    s1 = scene["s1"]
    before_live, before_rolled = live(s1), rolled(s1)
    assert before_live.exempted == before_rolled.exempted == 0

    approve(scene, scene[name])

    after_live = live(s1)
    after_rolled = rolled(s1, NOW + timedelta(minutes=1))  # fresh, but marked stale
    for figures, before in ((after_live, before_live), (after_rolled, before_rolled)):
        for field in TICKET_COUNTS:
            expected = getattr(before, field) - (1 if field in counts else 0)
            assert getattr(figures, field) == expected, field
        assert figures.exempted == 1
        assert (figures.primary_assignments, figures.returned) == (
            before.primary_assignments,
            before.returned,
        )
    # Live and rollup agree on every field, rates, mean handling time and score included.
    for field in (*COUNT_FIELDS, "response_rate", "satisfaction_rate", "composite"):
        assert getattr(after_rolled, field) == pytest.approx(getattr(after_live, field)), field
    assert after_rolled.mean_handling_hours == pytest.approx(after_live.mean_handling_hours)
    assert after_live.mean_handling_hours != pytest.approx(before_live.mean_handling_hours)
    # The other streets are untouched.
    assert live(scene["s2"]).dispatched == 3


def test_a_pending_or_rejected_request_changes_nothing(scene):
    s1 = scene["s1"]
    before_live, before_rolled = live(s1), rolled(s1)
    asked = request(scene, scene["a"])
    assert live(s1) == before_live
    pending = rolled(s1, NOW + timedelta(minutes=5))  # past the 3 minutes: recomputed
    assert [getattr(pending, f) for f in COUNT_FIELDS] == [
        getattr(before_rolled, f) for f in COUNT_FIELDS
    ]
    s.ticket_reject_exemption(
        ticket=asked, actor=scene["dispatcher"], now=NOW + timedelta(hours=1), reason="属本单位职责"
    )
    assert live(s1) == before_live
    after = rolled(s1, NOW + timedelta(minutes=10))
    assert [getattr(after, f) for f in COUNT_FIELDS] == [
        getattr(before_rolled, f) for f in COUNT_FIELDS
    ]
    assert not RollupPeriod.objects.get(period="2025-03").stale


def test_an_approval_marks_an_older_month_stale_for_the_tick_and_the_readers(scene, make_ticket):
    """An older month is refreshed by the tick only every 15 minutes and by a reader only
    once a day old: the approval marks it stale so that the next of either rebuilds it."""
    december = parse_period("2024-12")
    old = make_ticket(
        scene["s1"],
        datetime(2024, 12, 5, 9, tzinfo=PERIOD_TZ),
        **done(datetime(2024, 12, 5, 9, tzinfo=PERIOD_TZ)),
    )
    refresh_period(december, now=NOW)
    rows = MonthlyRollup.objects.filter(period="2024-12", unit=scene["s1"])
    assert sum(rows.values_list("dispatched", flat=True)) == 1

    at = NOW + timedelta(minutes=1)
    asked = request(scene, old, at)
    assert not RollupPeriod.objects.get(period="2024-12").stale  # a request changes nothing
    s.ticket_approve_exemption(ticket=asked, actor=scene["dispatcher"], now=at)
    assert RollupPeriod.objects.get(period="2024-12").stale

    ensure_fresh([december], now=at + timedelta(minutes=1))  # a reader, a minute later
    state = RollupPeriod.objects.get(period="2024-12")
    assert not state.stale and state.computed_at == at + timedelta(minutes=1)
    assert sum(rows.values_list("dispatched", flat=True)) == 0
    assert sum(rows.values_list("exempted", flat=True)) == 1

    # The tick picks a stale month up too (here: marked by hand, as the observer does).
    RollupPeriod.objects.filter(period="2024-12").update(stale=True)
    result = refresh_due(now=at + timedelta(minutes=2))
    assert "2024-12" in result.refreshed


# --- the explanation --------------------------------------------------------------------


def _check_against_figures(x, entry, ranking, settings) -> None:
    f = entry.figures
    assert (x.rank, x.not_ranked_reason) == (entry.rank, entry.not_ranked_reason)
    assert x.ranked_units == len(ranking.ranked)
    assert (x.dispatched, x.min_volume, x.exempted) == (
        f.dispatched,
        ranking.min_volume,
        f.exempted,
    )
    assert (x.composite, x.previous_rank, x.rank_change) == (
        f.composite,
        entry.previous_rank,
        entry.rank_change,
    )
    counts = {
        "response_rate": (["responded_in_time"], "due_for_response"),
        "resolution_rate": (["resolved"], "rated"),
        "satisfaction_rate": (["satisfied", "basic_satisfied"], "rated"),
        "on_time_rate": (["replied_on_time"], "replied"),
        "return_rate": (["returned"], "primary_assignments"),
        "reopen_rate": (["reopened"], "closed_or_rated"),
    }
    weights = {
        "response_rate": float(settings.response_weight),
        "resolution_rate": float(settings.resolution_weight),
        "satisfaction_rate": float(settings.satisfaction_weight),
    }
    assert [r.key for r in x.rates] == list(counts)
    for line in x.rates:
        numerator, denominator = counts[line.key]
        assert [t.count for t in line.numerator] == [getattr(f, n) for n in numerator]
        assert line.denominator.count == getattr(f, denominator)
        assert line.value == getattr(f, line.key)
        if line.denominator.count:
            total = sum(t.count * t.factor for t in line.numerator)
            assert total / line.denominator.count == pytest.approx(line.value)
        else:
            assert line.value is None
        assert line.weight == weights.get(line.key)
    basic = x.rates[2].numerator[1]
    assert basic.factor == float(settings.basic_satisfied_weight)
    present = [w for key, w in weights.items() if getattr(f, key) is not None]
    assert x.weight_total == pytest.approx(sum(present))
    if f.composite is not None:
        assert sum(r.points or 0.0 for r in x.rates) == pytest.approx(f.composite)


def test_every_number_of_the_explanation_is_the_rows(scene, metric_settings):
    metric_settings.min_volume = 2  # s3 (one ticket) is not ranked
    metric_settings.basic_satisfied_weight = metric_settings.basic_satisfied_weight / 2
    metric_settings.save()
    approve(scene, scene["a"])
    approve(scene, scene["b"], NOW + timedelta(hours=3))
    at = NOW + timedelta(hours=5)
    ranking = rankings_from_rollup(period="2025-03", group="streets", now=at)
    assert {e.unit_id for e in ranking.not_ranked} == {scene["s3"].pk}
    for entry in (*ranking.ranked, *ranking.not_ranked):
        unit = {u.pk: u for u in (scene["s1"], scene["s2"], scene["s3"])}[entry.unit_id]
        x = ranking_explanation(
            period="2025-03", group="streets", unit=unit, reader=scene["dispatcher"], now=at
        )
        _check_against_figures(x, entry, ranking, metric_settings)
        assert len(x.exemptions) == x.exempted
        # The live figures say the same.
        assert x.dispatched == live(unit).dispatched and x.exempted == live(unit).exempted

    x = ranking_explanation(
        period="2025-03", group="streets", unit=scene["s1"], reader=scene["dispatcher"], now=at
    )
    assert x.exempted == 2 and x.dispatched == 4
    assert [(e.ticket_number, e.reason_label) for e in x.exemptions] == [
        (scene["a"].number, "诉求人拒不接受合理解决方案"),
        (scene["b"].number, "诉求人拒不接受合理解决方案"),
    ]
    assert [e.ruled_at for e in x.exemptions] == [
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=4),
    ]
    s3 = ranking_explanation(
        period="2025-03", group="streets", unit=scene["s3"], reader=scene["dispatcher"], now=at
    )
    assert s3.not_ranked_reason == "min_volume" and s3.exemptions == ()


def test_only_readers_who_may_see_the_units_tickets_get_the_list(scene):
    approve(scene, scene["a"])
    at = NOW + timedelta(hours=2)

    def explain(reader, unit):
        return ranking_explanation(
            period="2025-03", group="streets", unit=unit, reader=reader, now=at
        )

    assert len(explain(scene["supervisor"], scene["s1"]).exemptions) == 1
    assert len(explain(scene["handler"], scene["s1"]).exemptions) == 1  # its own unit
    other = explain(scene["other_head"], scene["s1"])
    assert other.exemptions is None and other.exempted == 1  # the count, not the tickets
    assert explain(scene["other_head"], scene["s2"]).exemptions == ()


def test_a_unit_outside_the_ranking_is_not_found(scene, make_unit):
    dept = make_unit("d1", kind=UnitKind.DEPARTMENT)
    with pytest.raises(NotFound):
        ranking_explanation(
            period="2025-03", group="streets", unit=dept, reader=scene["dispatcher"], now=NOW
        )


@pytest.mark.parametrize("exempted", [1, 2])
def test_the_explanation_runs_a_fixed_number_of_queries(scene, exempted, django_assert_num_queries):
    approve(scene, scene["a"])
    if exempted == 2:
        approve(scene, scene["b"])
    at = NOW + timedelta(hours=2)
    ensure_fresh([MARCH_P.previous, MARCH_P], now=at)
    reader = scene["dispatcher"]
    # settings, freshness, units, this month's and last month's sums, the exemptions
    with django_assert_num_queries(6):
        x = ranking_explanation(
            period="2025-03", group="streets", unit=scene["s1"], reader=reader, now=at
        )
    assert len(x.exemptions) == exempted
    with django_assert_num_queries(5):  # no list for a reader who may not see it
        ranking_explanation(
            period="2025-03", group="streets", unit=scene["s1"], reader=scene["other_head"], now=at
        )
