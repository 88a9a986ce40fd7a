"""Saving calendar rows in the admin invalidates the cached calendar."""

from datetime import date

import pytest

from duban.sla.models import CalendarDay
from duban.sla.selectors import get_calendar

pytestmark = pytest.mark.django_db


def test_admin_save_invalidates_calendar(admin_client) -> None:
    assert get_calendar().is_workday(date(2025, 11, 14))
    response = admin_client.post(
        "/admin/sla/calendarday/add/",
        {"date": "2025-11-14", "is_workday": "", "name": "检修", "source": "admin"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert CalendarDay.objects.get(date=date(2025, 11, 14)).name == "检修"
    assert not get_calendar().is_workday(date(2025, 11, 14))


@pytest.mark.parametrize("model", ["calendarday", "calendaryear", "workingperiod", "slarule"])
def test_changelists_render(admin_client, model: str) -> None:
    assert admin_client.get(f"/admin/sla/{model}/").status_code == 200


def test_rules_read_and_are_written_in_chinese(admin_client) -> None:
    from duban.sla.models import SlaRule

    page = admin_client.get("/admin/sla/slarule/").content.decode()
    assert "任意/任意/紧急" in page and "30分钟" in page and "2个工作小时" in page
    assert "15个工作日" in page and "24小时" in page
    assert "*/*/urgent" not in page and "2wh" not in page
    data = {
        "kind": "appeal",
        "appeal_type": "praise",
        "urgency": "urgent",
        "accept_within": "1个工作小时",
        "contact_within": "12小时",
        "return_window": "1wd",
        "handle_within": "3个工作日",
        "extension_max": "5个工作日",
        "callback_within": "2个工作日",
    }
    response = admin_client.post("/admin/sla/slarule/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = SlaRule.objects.get(kind="appeal", appeal_type="praise", urgency="urgent")
    assert (rule.accept_within, rule.contact_within, rule.handle_within) == ("1wh", "12h", "3wd")
    form = admin_client.get(f"/admin/sla/slarule/{rule.pk}/change/").content.decode()
    assert 'value="3个工作日"' in form
    response = admin_client.post(
        f"/admin/sla/slarule/{rule.pk}/change/", {**data, "handle_within": "三天"}
    )
    assert "时限写法有误：「三天」" in response.content.decode()
    assert SlaRule.objects.get(pk=rule.pk).handle_within == "3wd"


def test_the_catch_all_rule_cannot_be_deleted(admin_client) -> None:
    from duban.sla.models import SlaRule

    catch_all = SlaRule.objects.get(kind="", appeal_type="", urgency="")
    assert admin_client.get(f"/admin/sla/slarule/{catch_all.pk}/delete/").status_code == 403


def test_working_periods_may_not_overlap(admin_client) -> None:
    response = admin_client.post(
        "/admin/sla/workingperiod/add/", {"start": "11:00", "end": "15:00"}
    )
    assert "工作时段不能与其他时段重叠" in response.content.decode()
