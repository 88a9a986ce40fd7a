"""Rule matching against the rules seeded by the data migration."""

import pytest

from duban.sla.models import SlaRule
from duban.sla.selectors import calendar_invalidate, get_rules, rule_for

pytestmark = pytest.mark.django_db


def test_consultation_gets_two_working_days() -> None:
    rule = rule_for(kind="appeal", appeal_type="consultation", urgency="normal")
    assert (rule.kind, rule.appeal_type, rule.urgency) == ("appeal", "consultation", "")
    assert rule.handle_within == "2wd"


def test_urgent_beats_consultation() -> None:
    rule = rule_for(kind="appeal", appeal_type="consultation", urgency="urgent")
    assert rule.urgency == "urgent"
    assert (rule.accept_within, rule.handle_within) == ("30min", "24h")


def test_complaint_gets_fifteen_working_days() -> None:
    assert (
        rule_for(kind="appeal", appeal_type="complaint", urgency="normal").handle_within == "15wd"
    )


def test_other_kinds_fall_back_to_the_catch_all() -> None:
    # A kind whose module seeded no rule of its own (here: its rules deleted by an admin).
    SlaRule.objects.filter(kind="enterprise").delete()
    calendar_invalidate()
    rule = rule_for(kind="enterprise", appeal_type="help", urgency="normal")
    assert str(rule) == "任意/任意/任意"


def test_no_matching_rule_falls_back_to_builtin_defaults_with_a_warning(caplog) -> None:
    rules = [r for r in get_rules() if r.kind == "appeal"]
    rule = rule_for(kind="enterprise", appeal_type="help", urgency="normal", rules=rules)
    assert (str(rule), rule.handle_within) == ("任意/任意/任意", "15wd")
    assert "enterprise/help/normal" in caplog.text


def test_specificity_weighs_urgency_most() -> None:
    assert (
        SlaRule(urgency="urgent").specificity()
        > SlaRule(kind="appeal", appeal_type="help").specificity()
    )
