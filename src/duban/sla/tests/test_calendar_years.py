"""Next year's calendar: seeded provisional by rule, confirmed by the State Council's notice.

Today (for these tests) is 2 December 2026: chinesecalendar stops at 2026, so 2027 is
seeded from the holiday rules (元旦 on Friday 1 January off, no make-up days) until the
admin enters the notice in one form.
"""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import Client

from duban.sla import services
from duban.sla.calendar import LOCAL_TZ
from duban.sla.models import CalendarDay, CalendarSource, CalendarStatus, CalendarYear
from duban.sla.selectors import CalendarGap, calendar_gaps, calendar_invalidate, get_calendar
from duban.testing import factories as f

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 12, 2, 10, tzinfo=LOCAL_TZ)
NOTICE_2027 = """\
2027-01-01至2027-01-03 元旦
2月5日（星期五）至11日 春节
2027-02-14、2027-02-20 上班
2027-04-03至2027-04-05 清明节
2027-05-01至2027-05-05 劳动节
2027-04-25 上班
2027-06-09 端午节
2027-09-15 中秋节
2027-10-01至2027-10-07 国庆节
2027-09-26、2027-10-09 上班
"""


@pytest.fixture
def no_2027() -> None:
    """The database as it was before anyone seeded 2027."""
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()
    calendar_invalidate()


class TestEnsureNextYear:
    def test_seeds_next_year_as_provisional_by_rule(self, no_2027: None) -> None:
        assert services.ensure_next_year(TODAY) == [2027]
        year = CalendarYear.objects.get(year=2027)
        assert (year.status, year.source) == (CalendarStatus.PROVISIONAL, CalendarSource.RULE)
        new_year = CalendarDay.objects.get(date=date(2027, 1, 1))
        assert (new_year.is_workday, new_year.name) == (False, "元旦")
        assert not CalendarDay.objects.filter(date__year=2027, is_workday=True).exists()
        assert 2027 in get_calendar().known_years

    def test_idempotent_and_one_query(self, no_2027: None, django_assert_num_queries) -> None:
        services.ensure_next_year(TODAY)
        days = CalendarDay.objects.count()
        with django_assert_num_queries(1):
            assert services.ensure_next_year(TODAY) == []
        assert CalendarDay.objects.count() == days

    def test_the_tick_seeds_it(self, no_2027: None) -> None:
        out = StringIO()
        call_command("sla", "tick", "--now", TODAY.isoformat(), stdout=out)
        assert "2027" in out.getvalue()
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL

    def test_seed_command_without_years_adds_next_year(self, no_2027: None) -> None:
        services.calendar_seed(now=TODAY)
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL

    def test_a_library_year_replaces_a_provisional_one(self) -> None:
        CalendarDay.objects.filter(date__year=2025).delete()
        CalendarYear.objects.filter(year=2025).delete()
        services.calendar_seed([2025], now=TODAY)  # 2025 is known: copied, confirmed
        assert CalendarYear.objects.get(year=2025).status == CalendarStatus.CONFIRMED
        CalendarYear.objects.filter(year=2025).update(status=CalendarStatus.PROVISIONAL)
        services.calendar_seed([2025])
        assert CalendarYear.objects.get(year=2025).source == CalendarSource.LIBRARY
        assert CalendarDay.objects.get(date=date(2025, 9, 28)).is_workday  # 调休上班


class TestDeadlinesAcrossNewYear:
    def test_handling_deadline_skips_the_provisional_new_year(self, no_2027: None, p) -> None:
        # A consultation (2 working days) dispatched on Thursday 31 December 2026, 10:00.
        dispatched_at = datetime(2026, 12, 31, 9, 55, tzinfo=LOCAL_TZ)
        before = f.dispatched(p=p, now=dispatched_at, appeal_type="consultation")
        # Without 2027 in the calendar, 元旦 counts as a working day: Fri 1 and Mon 4.
        assert before.handle_due == datetime(2027, 1, 4, 18, tzinfo=LOCAL_TZ)
        services.ensure_next_year(TODAY)
        after = f.dispatched(p=p, now=dispatched_at, appeal_type="consultation")
        # Provisional 2027: 1 January is off, so Mon 4 and Tue 5.
        assert after.handle_due == datetime(2027, 1, 5, 18, tzinfo=LOCAL_TZ)

    def test_the_notice_with_make_up_days_changes_deadlines(self, no_2027: None, p) -> None:
        services.ensure_next_year(TODAY)
        # Friday 12 February 2027, 16:00, after the Spring Festival holiday.
        friday = datetime(2027, 2, 12, 15, 55, tzinfo=LOCAL_TZ)
        provisional = f.dispatched(p=p, now=friday, appeal_type="consultation")
        assert provisional.handle_due == datetime(2027, 2, 16, 18, tzinfo=LOCAL_TZ)
        services.calendar_confirm_notice(year=2027, text=NOTICE_2027, actor=None, now=TODAY)
        # Sunday 14 February is a make-up working day: Sun 14 and Mon 15.
        confirmed = f.dispatched(p=p, now=friday, appeal_type="consultation")
        assert confirmed.handle_due == datetime(2027, 2, 15, 18, tzinfo=LOCAL_TZ)


class TestConfirmNotice:
    def test_replaces_the_years_days_and_confirms(self, no_2027: None, admin_user) -> None:
        services.ensure_next_year(TODAY)
        assert CalendarDay.objects.filter(date=date(2027, 2, 9), name="春节（补假）").exists()
        year = services.calendar_confirm_notice(
            year=2027, text=NOTICE_2027, actor=admin_user, now=TODAY
        )
        assert (year.status, year.source, year.updated_at) == (
            CalendarStatus.CONFIRMED,
            CalendarSource.NOTICE,
            TODAY,
        )
        assert year.notice.startswith("2027-01-01至2027-01-03 元旦")
        days = CalendarDay.objects.filter(date__year=2027)
        assert set(days.values_list("source", flat=True)) == {CalendarSource.NOTICE}
        assert days.filter(is_workday=False).count() == 3 + 7 + 3 + 5 + 1 + 1 + 7
        assert list(days.filter(is_workday=True).values_list("date", "name")) == [
            (date(2027, 2, 14), "春节调休上班"),
            (date(2027, 2, 20), "春节调休上班"),
            (date(2027, 4, 25), "劳动节调休上班"),
            (date(2027, 9, 26), "国庆节调休上班"),
            (date(2027, 10, 9), "国庆节调休上班"),
        ]
        cal = get_calendar()
        assert cal.is_workday(date(2027, 2, 14)) and not cal.is_workday(date(2027, 2, 11))

    def test_is_audited(self, no_2027: None, admin_user) -> None:
        year = services.calendar_confirm_notice(
            year=2027, text=NOTICE_2027, actor=admin_user, now=TODAY
        )
        entry = LogEntry.objects.get(object_id=str(year.pk), content_type__model="calendaryear")
        assert entry.user == admin_user
        assert "调休上班 5 天" in entry.get_change_message()

    def test_a_bad_line_rejects_everything(self, admin_user) -> None:
        before = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "name"))
        with pytest.raises(services.CalendarError, match="第 2 行"):
            services.calendar_confirm_notice(
                year=2026, text="2026-01-01 元旦\n元旦放假一天", actor=admin_user, now=TODAY
            )
        assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", "name")) == (
            before
        )
        assert CalendarYear.objects.get(year=2026).status == CalendarStatus.CONFIRMED

    def test_the_command_takes_a_notice_file(self, no_2027: None, tmp_path) -> None:
        path = tmp_path / "2027.txt"
        path.write_text(NOTICE_2027, encoding="utf-8")
        out = StringIO()
        call_command("calendar", "confirm", "2027", "--notice", str(path), stdout=out)
        assert "27 days off, 5 make-up working days" in out.getvalue()
        out = StringIO()
        call_command("calendar", "show", "2027", stdout=out)
        assert out.getvalue().startswith("2027: confirmed 已确认 (国务院通知")


class TestAdminForm:
    URL = "/admin/sla/calendaryear/notice/"

    def test_preview_then_confirm(self, no_2027: None, admin_client: Client) -> None:
        services.ensure_next_year(TODAY)
        response = admin_client.post(
            self.URL, {"year": "2027", "notice": NOTICE_2027, "preview": "1"}
        )
        page = response.content.decode()
        assert response.status_code == 200 and "2027-02-14" in page and "春节调休上班" in page
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL
        response = admin_client.post(
            self.URL, {"year": "2027", "notice": NOTICE_2027, "confirm": "1"}, follow=True
        )
        assert "已录入2027年放假安排：休息 27 天，调休上班 5 天" in response.content.decode()
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.CONFIRMED
        assert get_calendar().is_workday(date(2027, 2, 20))

    def test_errors_are_shown_in_chinese(self, admin_client: Client) -> None:
        response = admin_client.post(
            self.URL, {"year": "2027", "notice": "2027-02-15 上班", "confirm": "1"}
        )
        assert response.status_code == 200
        assert "2027-02-15 是周一至周五，本来就上班" in response.content.decode()

    def test_changelist_links_to_the_form(self, admin_client: Client) -> None:
        page = admin_client.get("/admin/sla/calendaryear/").content.decode()
        assert self.URL in page and "录入国务院放假安排" in page


class TestWarning:
    def test_gaps_from_november_only(self, no_2027: None) -> None:
        assert calendar_gaps(today=date(2026, 6, 15)) == []
        assert calendar_gaps(today=date(2026, 11, 2)) == [CalendarGap(2027, "missing")]
        services.ensure_next_year(TODAY)  # drops the cached answer
        assert calendar_gaps(today=date(2026, 11, 2)) == [CalendarGap(2027, "provisional")]
        services.calendar_confirm_notice(year=2027, text=NOTICE_2027, actor=None, now=TODAY)
        assert calendar_gaps(today=date(2026, 11, 2)) == []

    def test_this_year_provisional_warns_all_year(self, no_2027: None) -> None:
        services.ensure_next_year(TODAY)
        assert calendar_gaps(today=date(2027, 6, 1)) == [CalendarGap(2027, "provisional")]

    @pytest.mark.parametrize(
        ("today", "shown"), [(date(2026, 11, 20), True), (date(2026, 6, 15), False)]
    )
    def test_banner_on_the_admin_and_the_centre_desk(
        self, no_2027: None, monkeypatch, today: date, shown: bool, p, admin_client: Client
    ) -> None:
        services.ensure_next_year(TODAY)
        monkeypatch.setattr("duban.web.context_processors._today", lambda: today)
        dispatcher = Client()
        dispatcher.force_login(p.dispatcher)
        handler = Client()
        handler.force_login(p.street_handler)
        text = "2027年工作日历为暂定"
        assert (text in admin_client.get("/admin/").content.decode()) is shown
        assert (text in dispatcher.get("/desk/centre/").content.decode()) is shown
        assert text not in handler.get("/desk/inbox/").content.decode()
