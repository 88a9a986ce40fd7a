"""SLA writes and the `duban calendar` command."""

from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command

from duban.sla import services
from duban.sla.admin import SlaRuleAdmin
from duban.sla.calendar import LOCAL_TZ
from duban.sla.models import CalendarDay, CalendarYear, SlaRule, validate_duration
from duban.sla.seed import RULE_FIELDS
from duban.sla.selectors import get_calendar, rule_for

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 1, 9, tzinfo=LOCAL_TZ)


class TestCalendarSetDay:
    def test_day_off_takes_effect_at_once(self) -> None:
        assert get_calendar().is_workday(date(2025, 11, 14))
        entry = services.calendar_set_day(
            day=date(2025, 11, 14), is_workday=False, name="停电", actor=None, now=NOW
        )
        assert (entry.is_workday, entry.name, entry.source) == (False, "停电", "admin")
        assert not get_calendar().is_workday(date(2025, 11, 14))

    def test_overrides_a_seeded_day(self) -> None:
        services.calendar_set_day(
            day=date(2025, 10, 8), is_workday=True, name="", actor=None, now=NOW
        )
        assert CalendarDay.objects.get(date=date(2025, 10, 8)).is_workday
        assert get_calendar().is_workday(date(2025, 10, 8))

    def test_invalidates_after_commit_too(self, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.calendar_set_day(day=date(2025, 11, 15), is_workday=True, actor=None, now=NOW)
        assert len(callbacks) == 1

    def test_name_too_long(self) -> None:
        with pytest.raises(services.CalendarError, match="50"):
            services.calendar_set_day(
                day=date(2025, 11, 14), is_workday=False, name="节" * 51, actor=None, now=NOW
            )


class TestCalendarSeed:
    def test_years_chinesecalendar_does_not_know_are_provisional(self) -> None:
        assert services.calendar_seed([2031]) > 0
        year = CalendarYear.objects.get(year=2031)
        assert (year.status, year.source) == ("provisional", "holidays")
        assert not get_calendar().is_workday(date(2031, 10, 1))
        with pytest.raises(services.CalendarError, match="31"):
            services.calendar_seed([31])

    def test_reseeding_entered_years_is_a_no_op(self) -> None:
        count = CalendarDay.objects.count()
        services.calendar_seed([2025])
        assert CalendarDay.objects.count() == count

    def test_seeds_a_missing_year(self) -> None:
        CalendarDay.objects.filter(date__year=2024).delete()
        CalendarYear.objects.filter(year=2024).delete()
        assert services.calendar_seed([2024]) > 0
        assert CalendarYear.objects.get(year=2024).source == "chinesecalendar"
        assert not get_calendar().is_workday(date(2024, 10, 1))

    def test_confirm_year(self) -> None:
        services.calendar_confirm_year(year=2031, actor=None, now=NOW)
        assert 2031 in get_calendar().known_years
        with pytest.raises(services.CalendarError):
            services.calendar_confirm_year(year=31, actor=None, now=NOW)


class TestRules:
    def test_update_changes_matching_at_once(self) -> None:
        rule = rule_for(kind="appeal", appeal_type="consultation", urgency="normal")
        services.rule_update(rule=rule, handle_within="3wd", actor=None, now=NOW)
        assert SlaRule.objects.get(pk=rule.pk).handle_within == "3wd"
        assert (
            rule_for(kind="appeal", appeal_type="consultation", urgency="normal").handle_within
            == "3wd"
        )

    def test_update_rejects_bad_duration(self) -> None:
        rule = SlaRule.objects.get(kind="", appeal_type="", urgency="")
        with pytest.raises(services.InvalidSlaRule, match="handle_within.*expected 30min") as info:
            services.rule_update(rule=rule, handle_within="15 days", actor=None, now=NOW)
        assert info.value.details == {"field": "handle_within"}
        assert SlaRule.objects.get(pk=rule.pk).handle_within == "15wd"

    def test_update_rejects_key_fields(self) -> None:
        rule = SlaRule.objects.get(kind="", appeal_type="", urgency="")
        with pytest.raises(services.InvalidSlaRule, match="cannot change"):
            services.rule_update(rule=rule, urgency="urgent", actor=None, now=NOW)

    def test_create(self) -> None:
        specs = dict.fromkeys(RULE_FIELDS, "5wd")
        rule = services.rule_create(
            kind="enterprise", appeal_type="help", urgency="urgent", actor=None, now=NOW, **specs
        )
        assert rule_for(kind="enterprise", appeal_type="help", urgency="urgent") == rule
        with pytest.raises(services.InvalidSlaRule, match="exists"):
            services.rule_create(
                kind="enterprise",
                appeal_type="help",
                urgency="urgent",
                actor=None,
                now=NOW,
                **specs,
            )
        with pytest.raises(services.InvalidSlaRule, match="invalid kind"):
            services.rule_create(kind="nonsense", actor=None, now=NOW, **specs)
        with pytest.raises(services.InvalidSlaRule, match="missing"):
            services.rule_create(kind="project", actor=None, now=NOW, handle_within="5wd")


class TestCalendarCommand:
    def test_show(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("calendar", "show", "2025")
        out = capsys.readouterr().out
        assert "2025-09-28 周日  班 workday  国庆节调休上班" in out
        assert "2025-10-01 周三  休 day off  国庆节" in out

    def test_show_unknown_year_warns(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("calendar", "show", "2031")
        assert "not entered" in capsys.readouterr().out

    def test_set(self) -> None:
        call_command("calendar", "set", "2031-10-01", "--off", "--name", "国庆节")
        day = CalendarDay.objects.get(date=date(2031, 10, 1))
        assert (day.is_workday, day.name) == (False, "国庆节")
        call_command("calendar", "set", "2031-10-01", "--work")
        assert CalendarDay.objects.get(date=date(2031, 10, 1)).is_workday

    def test_set_needs_a_mode_and_a_date(self) -> None:
        with pytest.raises(CommandError):
            call_command("calendar", "set", "2031-10-01")
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("calendar", "set", "1 Oct", "--off")

    def test_seed_a_year_chinesecalendar_does_not_know(self, capsys) -> None:
        call_command("calendar", "seed", "2040")
        call_command("calendar", "show", "2040")
        assert "2040: provisional 暂定" in capsys.readouterr().out
        with pytest.raises(CommandError, match="40"):
            call_command("calendar", "seed", "40")

    def test_confirm(self) -> None:
        call_command("calendar", "confirm", "2031")
        assert CalendarYear.objects.filter(year=2031, source="admin", status="confirmed").exists()


def test_rule_fields_are_the_models_duration_fields() -> None:
    """One list of duration fields (``seed.RULE_FIELDS``): the model's, in order."""
    durations = [f.name for f in SlaRule._meta.fields if validate_duration in f.validators]
    assert list(RULE_FIELDS) == durations
    columns = SlaRuleAdmin.list_display[1:]
    assert [c.short_description for c in columns] == [
        SlaRule._meta.get_field(f).verbose_name for f in RULE_FIELDS
    ]
