"""A ticket returned and dispatched again, or reassigned (改派), leaves the old unit: gone from
its desk (rows and counts), search and API; its ticket page shows only the unit's own record,
read-only, without the caller's data or where the ticket went."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from duban.testing import factories as f
from duban.testing.api import client_for
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

CALLER = {"caller_name": "欧阳娜娜", "caller_phone": "13912340000"}
TITLE = "东留村主街井盖缺失"


def _returned_and_redispatched(p, now) -> Ticket:
    t = f.dispatched(p=p, now=now, title=TITLE, **CALLER)
    t = s.ticket_record_contact(
        ticket=t, actor=p.street_handler, now=now + timedelta(minutes=20), note="已现场查看"
    )
    t = s.ticket_request_return(
        ticket=t, actor=p.street_handler, now=now + timedelta(minutes=30), reason="属供水公司"
    )
    t = s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=now + timedelta(hours=1))
    return s.ticket_dispatch(
        ticket=t, actor=p.dispatcher, now=now + timedelta(hours=2), unit=p.district.hubin
    )


def _reassigned(p, now) -> Ticket:
    t = f.accepted(p=p, now=now, title=TITLE, **CALLER)
    t = s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=1), unit=p.district.dongliu
    )
    t = s.ticket_record_contact(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=2), note="已电话联系诉求人"
    )
    return s.ticket_reassign(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(hours=3),
        unit=p.district.hubin,
        reason="属地调整",
    )


def _page(user, path: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    return response.status_code, response.content.decode()


@pytest.fixture(params=["returned", "reassigned"])
def moved(request, p, now) -> tuple[Ticket, str]:
    if request.param == "returned":
        return _returned_and_redispatched(p, now), "本工单已退回，以下为本单位办理记录"
    return _reassigned(p, now), "本工单已改派，以下为本单位办理记录"


def test_the_old_unit_no_longer_lists_counts_or_finds_it(p, moved):
    t, _ = moved
    for user in (p.street_handler, p.street_head):
        assert not Ticket.objects.visible_to(user).filter(pk=t.pk).exists()
        for tab in ("pending", "handling", "due_soon", "overdue", "returning", "reopened"):
            status, html = _page(user, f"/desk/inbox/?tab={tab}")
            assert status == 200 and t.number not in html, tab
        status, html = _page(user, "/search/?ordering=-number")
        assert status == 200 and t.number not in html
        api = client_for(user)
        listed = api.get("/tickets", {"limit": 200}).json()
        assert t.number not in {item["number"] for item in listed["items"]}
        assert api.get(f"/tickets/{t.number}").status_code == 404
        assert api.get(f"/tickets/{t.number}/events").status_code == 404
    # The new unit has it.
    assert Ticket.objects.visible_to(p.other_street_handler).filter(pk=t.pk).exists()
    status, html = _page(p.other_street_handler, "/desk/inbox/?tab=pending")
    assert t.number in html


def test_the_old_units_inbox_counts_leave_it_out(p, moved, now):
    t, _ = moved
    from duban.web.selectors import desk_page

    page = desk_page(desk="inbox", user=p.street_handler, now=now, tab=None, page=1)
    assert all(c["count"] == 0 for c in page.tabs), page.tabs


def test_the_old_units_page_is_its_own_record_read_only(p, moved):
    t, notice = moved
    status, html = _page(p.street_handler, f"/tickets/{t.number}/")
    assert status == 200
    assert notice in html and TITLE in html
    assert "已现场查看" in html or "已电话联系诉求人" in html  # what the unit did
    for caller_data in ("欧阳", "欧***", "139****0000", "13912340000", "诉求人</h2>"):
        assert caller_data not in html, caller_data
    assert "湖滨路街道" not in html  # nothing of where it went
    assert "/act/" not in html and "查看完整信息" not in html  # no actions, no reveal


def test_a_village_whose_street_lost_the_ticket_keeps_only_its_record(p, now):
    t = _reassigned(p, now)
    assert not Ticket.objects.visible_to(p.village_handler).filter(pk=t.pk).exists()
    status, html = _page(p.village_handler, f"/tickets/{t.number}/")
    assert status == 200 and "本工单已改派" in html and "13912340000" not in html


def test_units_that_never_had_it_get_404(p, now):
    t = _reassigned(p, now)
    status, _ = _page(p.dept_handler, f"/tickets/{t.number}/")
    assert status == 404


def test_the_centre_and_the_new_unit_see_the_whole_ticket(p, moved):
    t, notice = moved
    for user in (p.dispatcher, p.other_street_handler):
        status, html = _page(user, f"/tickets/{t.number}/")
        assert status == 200 and notice not in html and "诉求人" in html
