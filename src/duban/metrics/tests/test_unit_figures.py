"""Hand-computed figures of one unit in March 2025 (now = 15 April 2025)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from duban.core.periods import parse_period
from duban.metrics.selectors import unit_figures
from duban.org.models import UnitKind
from duban.tickets.choices import AssignmentRole, AssignmentStatus, State
from duban.tickets.models import Ticket, TicketAssignment

from .conftest import MARCH, NOW, done, ticket_fields

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def figures_of(unit, period="2025-03", now=NOW, settings=None):
    p = parse_period(period)
    (figures,) = unit_figures(
        period_start=p.start, period_end=p.end, units=[unit], now=now, settings=settings
    )
    return figures


def test_three_of_four_accepted_and_contacted_in_time(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    for _ in range(3):
        make_ticket(
            unit, state=State.ACCEPTED, accepted_at=MARCH + H, first_contact_at=MARCH + 3 * H
        )
    make_ticket(
        unit, state=State.ACCEPTED, accepted_at=MARCH + 5 * H, first_contact_at=MARCH + 6 * H
    )

    figures = figures_of(unit)
    assert (figures.dispatched, figures.due_for_response, figures.responded_in_time) == (4, 4, 3)
    assert figures.response_rate == 0.75


def test_response_needs_contact_in_time_and_counts_only_due_tickets(
    make_unit, make_ticket, metric_settings
):
    unit = make_unit("s1")
    # In time on both counts.
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H, first_contact_at=MARCH + 2 * H)
    # Accepted in time but first contact after contact_due (24 h).
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H, first_contact_at=MARCH + 30 * H)
    # Accepted in time, not contacted yet.
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H)
    # Not accepted and accept_due passed: due, not responded.
    make_ticket(unit, state=State.DISPATCHED)
    # Not accepted and accept_due still ahead of now: not due yet.
    late_month = datetime(2025, 3, 31, 23, 0, tzinfo=MARCH.tzinfo)
    make_ticket(unit, late_month, state=State.DISPATCHED, accept_due=NOW + H)

    figures = figures_of(unit)
    assert figures.dispatched == 5
    assert figures.due_for_response == 4
    assert figures.responded_in_time == 1
    assert figures.response_rate == 0.25


def test_satisfaction_with_basic_weight_and_unreachable_excluded(
    make_unit, make_ticket, metric_settings
):
    metric_settings.basic_satisfied_weight = Decimal("0.50")
    metric_settings.save()
    unit = make_unit("s1")
    make_ticket(unit, **done(satisfaction="satisfied", resolved=True))
    make_ticket(unit, **done(satisfaction="satisfied", resolved=True))
    make_ticket(unit, **done(satisfaction="basic", resolved=True))
    make_ticket(unit, **done(satisfaction="basic", resolved=True))
    make_ticket(unit, **done(satisfaction="unsatisfied", resolved=False))
    # Unreachable at callback: not rated, whatever else is recorded.
    make_ticket(unit, **done(satisfaction="unsatisfied", resolved=False, unreachable=True))
    # Replied but not called back yet: not rated.
    make_ticket(unit, **done(state=State.REVIEWED, resolved=None, satisfaction="", rated_at=None))

    figures = figures_of(unit, settings=metric_settings)
    assert figures.rated == 5
    assert (figures.satisfied, figures.basic_satisfied, figures.resolved) == (2, 2, 4)
    assert figures.satisfaction_rate == pytest.approx((2 + 2 * 0.5) / 5)
    assert figures.resolution_rate == pytest.approx(4 / 5)


def test_basic_satisfied_counts_fully_by_default(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    make_ticket(unit, **done(satisfaction="satisfied"))
    make_ticket(unit, **done(satisfaction="basic"))
    make_ticket(unit, **done(satisfaction="unsatisfied"))
    make_ticket(unit, **done(satisfaction="unsatisfied"))
    assert figures_of(unit).satisfaction_rate == 0.5


def test_on_time_and_mean_handling_hours(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    make_ticket(unit, **done(replied_at=MARCH + 24 * H))
    make_ticket(unit, **done(replied_at=MARCH + 48 * H))
    make_ticket(unit, **done(replied_at=MARCH + 60 * H))
    make_ticket(unit, **done(replied_at=MARCH + 6 * 24 * H))  # handle_due is 5 days
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H)  # not replied

    figures = figures_of(unit)
    assert (figures.replied, figures.replied_on_time) == (4, 3)
    assert figures.on_time_rate == 0.75
    assert figures.mean_handling_hours == pytest.approx((24 + 48 + 60 + 144) / 4, abs=1e-6)


def test_return_rate_counts_primary_assignments_of_the_period(
    make_unit, make_ticket, metric_settings
):
    unit, other = make_unit("s1"), make_unit("s2")
    ticket = make_ticket(unit)

    def assign(u, role=AssignmentRole.PRIMARY, status=AssignmentStatus.ACTIVE, at=MARCH):
        TicketAssignment.objects.create(
            ticket=ticket, unit=u, role=role, status=status, assigned_at=at
        )

    assign(unit, status=AssignmentStatus.RETURNED)
    assign(unit, status=AssignmentStatus.DONE)
    assign(unit)
    assign(unit)
    assign(unit, role=AssignmentRole.CO, status=AssignmentStatus.RETURNED)  # co-unit: ignored
    assign(unit, status=AssignmentStatus.RETURNED, at=MARCH - timedelta(days=30))  # February
    assign(other, status=AssignmentStatus.RETURNED)  # other unit

    figures = figures_of(unit)
    assert (figures.primary_assignments, figures.returned) == (4, 1)
    assert figures.return_rate == 0.25
    assert figures_of(other).return_rate == 1.0


def test_reopen_rate_over_closed_or_rated(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    make_ticket(unit, **done(reopen_count=1))
    make_ticket(unit, **done())
    make_ticket(unit, **done())
    make_ticket(unit, **done(state=State.REVIEWED, closed_at=None))  # rated, not closed yet
    make_ticket(unit, state=State.REOPENED, reopen_count=1)  # neither closed nor rated

    figures = figures_of(unit)
    assert (figures.closed_or_rated, figures.reopened) == (4, 1)
    assert figures.reopen_rate == 0.25


def test_overdue_count(make_unit, make_ticket, metric_settings):
    """Overdue = the deadline passed while the handling clock ran (``clocks.overdue_as_of``)."""
    unit = make_unit("s1")
    due = MARCH + 120 * H
    # In: still being handled past the deadline …
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H)
    make_ticket(unit, state=State.REOPENED)
    # … answered after it (a late reply does not clear the count) …
    make_ticket(unit, **done(replied_at=due + H))
    make_ticket(unit, **done(state=State.REPLIED, replied_at=due + H, rated_at=None))
    # … or seen past it by the breach scan, then merged.
    make_ticket(unit, state=State.MERGED, handle_breached_at=due + H)
    # Out: answered in time, not yet due, no deadline any more (return approved), or a
    # flag whose deadline has since moved ahead (an extension clears it; never counted).
    make_ticket(unit, **done())
    make_ticket(unit, **done(state=State.REPLIED, rated_at=None, closed_at=None))
    make_ticket(unit, state=State.ACCEPTED, handle_due=NOW + 24 * H)
    make_ticket(unit, state=State.REGISTERED, handle_due=None, handle_breached_at=due + H)
    make_ticket(unit, state=State.ACCEPTED, handle_due=NOW + 24 * H, handle_breached_at=NOW - H)
    make_ticket(unit, state=State.MERGED)  # merged before the deadline passed
    assert figures_of(unit).overdue_count == 5


def test_period_boundaries_in_shanghai_time(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    tz = MARCH.tzinfo
    make_ticket(unit, datetime(2025, 3, 1, 0, 0, tzinfo=tz))  # first instant: in
    make_ticket(unit, datetime(2025, 2, 28, 23, 59, 59, tzinfo=tz))  # before: out
    make_ticket(unit, datetime(2025, 4, 1, 0, 0, tzinfo=tz))  # end is exclusive: out
    make_ticket(unit, datetime(2025, 3, 31, 15, 59, tzinfo=UTC))  # 23:59 local: in
    make_ticket(unit, datetime(2025, 3, 31, 16, 0, tzinfo=UTC))  # 1 April local: out
    make_ticket(make_unit("s2"))  # another unit
    assert figures_of(unit).dispatched == 2


def test_empty_period_gives_none_rates(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    make_ticket(unit)  # March only
    figures = figures_of(unit, period="2025-01")
    assert figures.dispatched == 0
    assert figures.overdue_count == 0
    for name in (
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "return_rate",
        "reopen_rate",
        "composite",
        "mean_handling_hours",
    ):
        assert getattr(figures, name) is None, name


def test_composite_default_weights(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    # Response 3/4, resolution 3/4 (one rated unresolved), satisfaction 2/4.
    make_ticket(unit, **done())
    make_ticket(unit, **done())
    make_ticket(unit, **done(satisfaction="unsatisfied"))
    make_ticket(unit, **done(accepted_at=MARCH + 3 * H, resolved=False, satisfaction="unsatisfied"))
    figures = figures_of(unit)
    assert (figures.response_rate, figures.resolution_rate, figures.satisfaction_rate) == (
        0.75,
        0.75,
        0.5,
    )
    assert figures.composite == pytest.approx(30 * 0.75 + 35 * 0.75 + 35 * 0.5)


def test_composite_custom_weights(make_unit, make_ticket, metric_settings):
    metric_settings.response_weight = Decimal("0.50")
    metric_settings.resolution_weight = Decimal("0.25")
    metric_settings.satisfaction_weight = Decimal("0.25")
    metric_settings.save()
    unit = make_unit("s1")
    make_ticket(unit, **done())
    make_ticket(unit, **done(accepted_at=MARCH + 3 * H, resolved=False, satisfaction="unsatisfied"))
    figures = figures_of(unit)
    assert figures.composite == pytest.approx(100 * (0.5 * 0.5 + 0.25 * 0.5 + 0.25 * 0.5))


def test_composite_renormalises_over_available_rates(make_unit, make_ticket, metric_settings):
    unit = make_unit("s1")
    # Nothing rated yet: only the response rate (1/2) exists.
    make_ticket(unit, state=State.ACCEPTED, accepted_at=MARCH + H, first_contact_at=MARCH + 2 * H)
    make_ticket(unit, state=State.DISPATCHED)
    figures = figures_of(unit)
    assert figures.resolution_rate is None and figures.satisfaction_rate is None
    assert figures.composite == pytest.approx(50.0)


def test_every_requested_unit_gets_a_record_in_path_order(make_unit, make_ticket, metric_settings):
    make_unit("s1")
    make_unit("d1", UnitKind.DEPARTMENT)
    s2 = make_unit("s2")
    make_unit("community", UnitKind.COMMUNITY)
    make_ticket(s2)
    p = parse_period("2025-03")
    records = unit_figures(period_start=p.start, period_end=p.end, now=NOW)
    # Default units: active streets and departments.
    assert [r.unit_code for r in records] == ["s1", "d1", "s2"]
    assert [r.dispatched for r in records] == [0, 0, 1]
    assert records[2].unit_id == s2.pk and records[2].unit_kind == UnitKind.STREET


def test_unit_figures_runs_a_fixed_number_of_queries(
    make_unit, make_ticket, metric_settings, django_assert_num_queries
):
    p = parse_period("2025-03")
    units = [make_unit("s1")]
    make_ticket(units[0], **done())

    def run():
        return unit_figures(period_start=p.start, period_end=p.end, now=NOW)

    with django_assert_num_queries(3):  # settings + figures + assignment counts
        assert len(run()) == 1
    for i in range(2, 7):
        unit = make_unit(f"s{i}")
        Ticket.objects.bulk_create(
            [Ticket(**ticket_fields(unit, MARCH, **done())) for _ in range(i)]
        )
        TicketAssignment.objects.create(
            ticket=Ticket.objects.filter(primary_unit=unit).first(),
            unit=unit,
            role=AssignmentRole.PRIMARY,
            status=AssignmentStatus.RETURNED,
            assigned_at=MARCH,
        )
    with django_assert_num_queries(3):
        assert len(run()) == 6
    with django_assert_num_queries(2):  # settings passed in
        unit_figures(period_start=p.start, period_end=p.end, now=NOW, settings=metric_settings)
