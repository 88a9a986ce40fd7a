"""Deductions as properties: a site's score never drops below zero, and a repeat always
costs more than a first finding of the same standard, whatever the configured amounts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from duban.inspections.models import Standard
from duban.inspections.services import check_score, finding_deduction

amount = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


def standard(finding, overdue, repeat, higher) -> Standard:
    return Standard(
        deduct_finding=finding, deduct_overdue=overdue, deduct_repeat=repeat, deduct_higher=higher
    )


@given(
    rules=st.tuples(positive, amount, positive, amount),
    flags=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=400),
)
def test_a_score_is_never_below_zero(rules, flags) -> None:
    std = standard(*rules)
    deductions = [
        finding_deduction(standard=std, repeat=r, higher_level=h, overdue=o) for r, h, o in flags
    ]
    score = check_score(deductions)
    assert Decimal("0") <= score <= Decimal("100")
    if sum(deductions, Decimal("0")) <= 100:
        assert score == 100 - sum(deductions, Decimal("0"))


@given(
    rules=st.tuples(positive, amount, positive, amount), higher=st.booleans(), late=st.booleans()
)
def test_a_repeat_always_costs_more_than_a_first_finding(rules, higher, late) -> None:
    std = standard(*rules)
    first = finding_deduction(standard=std, repeat=False, higher_level=higher, overdue=late)
    again = finding_deduction(standard=std, repeat=True, higher_level=higher, overdue=late)
    assert again > first > 0


def test_the_defaults_are_0_3_1_and_2_points() -> None:
    std = Standard()
    assert (std.deduct_finding, std.deduct_overdue, std.deduct_repeat, std.deduct_higher) == (
        Decimal("0.3"),
        Decimal("1"),
        Decimal("2"),
        Decimal("2"),
    )
