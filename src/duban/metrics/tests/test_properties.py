"""Random ticket mixes: every rate stays in [0, 1] and matches a plain-Python model."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.core.periods import parse_period
from duban.metrics.selectors import unit_figures
from duban.org.models import Unit
from duban.tickets.choices import State
from duban.tickets.clocks import OVERDUE_STATES  # where the handling clock runs
from duban.tickets.models import Ticket

from .conftest import MARCH, NOW, ticket_fields

H = timedelta(hours=1)


def maybe_hours(*choices: float) -> st.SearchStrategy[timedelta | None]:
    return st.one_of(st.none(), st.sampled_from([c * H for c in choices]))


tickets = st.lists(
    st.fixed_dictionaries(
        {
            "accept_due": st.sampled_from([2 * H, 40 * 24 * H]),  # passed / still ahead of NOW
            "accepted": maybe_hours(1, 3),
            "contact": maybe_hours(2, 30),
            "replied": maybe_hours(24, 150),  # handle_due is 120 h
            "resolved": st.sampled_from([None, True, False]),
            "unreachable": st.booleans(),
            "satisfaction": st.sampled_from(["", "satisfied", "basic", "unsatisfied"]),
            "state": st.sampled_from(list(State)),
            "rated": st.booleans(),
            "reopen_count": st.integers(0, 2),
            "breached": st.booleans(),
        }
    ),
    max_size=12,
)


def build(spec: dict[str, Any], unit) -> Ticket:
    def at(delta):
        return None if delta is None else MARCH + delta

    return Ticket(
        **ticket_fields(
            unit,
            MARCH,
            accept_due=MARCH + spec["accept_due"],
            accepted_at=at(spec["accepted"]),
            first_contact_at=at(spec["contact"]),
            replied_at=at(spec["replied"]),
            handle_due=MARCH + 120 * H,
            resolved=spec["resolved"],
            unreachable=spec["unreachable"],
            satisfaction=spec["satisfaction"],
            state=spec["state"],
            rated_at=MARCH + 200 * H if spec["rated"] else None,
            reopen_count=spec["reopen_count"],
            handle_breached_at=NOW if spec["breached"] else None,
        )
    )


def rate(num: float, den: int) -> float | None:
    return num / den if den else None


def model(specs: list[dict[str, Any]], basic: float) -> dict[str, Any]:
    due = [s for s in specs if s["accepted"] is not None or MARCH + s["accept_due"] < NOW]
    responded = [
        s
        for s in due
        if s["accepted"] is not None
        and s["accepted"] <= s["accept_due"]
        and s["contact"] is not None
        and s["contact"] <= 24 * H
    ]
    # A merged ticket's own rating counts nowhere (its master's does).
    rated = [
        s
        for s in specs
        if s["resolved"] is not None and not s["unreachable"] and s["state"] != State.MERGED
    ]
    points = sum(
        1 if s["satisfaction"] == "satisfied" else basic if s["satisfaction"] == "basic" else 0
        for s in rated
    )
    replied = [s for s in specs if s["replied"] is not None]
    closed = [
        s
        for s in specs
        if s["state"] == State.CLOSED or (s["rated"] and s["state"] != State.MERGED)
    ]
    return {
        "dispatched": len(specs),
        "response_rate": rate(len(responded), len(due)),
        "resolution_rate": rate(sum(1 for s in rated if s["resolved"]), len(rated)),
        "satisfaction_rate": rate(points, len(rated)),
        "on_time_rate": rate(sum(1 for s in replied if s["replied"] <= 120 * H), len(replied)),
        "reopen_rate": rate(sum(1 for s in closed if s["reopen_count"] > 0), len(closed)),
        # Every deadline (MARCH + 120 h) has passed at NOW: overdue when the clock still
        # runs, the reply came late or the breach scan flagged it.
        "overdue_count": sum(
            1
            for s in specs
            if s["state"] in OVERDUE_STATES
            or (s["replied"] is not None and s["replied"] > 120 * H)
            or s["breached"]
        ),
    }


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=tickets, basic=st.sampled_from(["0.00", "0.50", "0.80", "1.00"]))
def test_figures_match_the_model_and_stay_in_range(
    make_unit, metric_settings, specs: list[dict[str, Any]], basic: str
) -> None:
    Ticket.objects.all().delete()
    unit = Unit.objects.filter(code="prop").first() or make_unit("prop")
    metric_settings.basic_satisfied_weight = Decimal(basic)
    Ticket.objects.bulk_create([build(s, unit) for s in specs])

    p = parse_period("2025-03")
    (figures,) = unit_figures(
        period_start=p.start, period_end=p.end, units=[unit], now=NOW, settings=metric_settings
    )
    expected = model(specs, float(basic))
    for name, value in expected.items():
        if isinstance(value, float):
            assert getattr(figures, name) == pytest.approx(value), name
        else:
            assert getattr(figures, name) == value, name
    for name in (
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "on_time_rate",
        "reopen_rate",
    ):
        value = getattr(figures, name)
        assert value is None or 0.0 <= value <= 1.0, name
    assert figures.composite is None or 0.0 <= figures.composite <= 100.0
    if specs and all(s["replied"] is not None for s in specs):
        assert figures.mean_handling_hours is not None and figures.mean_handling_hours > 0
