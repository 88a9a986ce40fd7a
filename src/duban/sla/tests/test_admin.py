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
