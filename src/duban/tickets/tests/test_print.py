"""办理单 (/tickets/<number>/print/): the office's form of a ticket, masked as the ticket
page masks it, visible exactly where the ticket page is, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def closed(p):
    """A ticket with a co-unit, a reply and a call-back, registered by phone from 王五."""
    now = timezone.now() - timedelta(days=5)
    t = f.registered(actor=p.operator, now=now, caller_name="王五", caller_phone=PHONE)
    t = s.ticket_dispatch(
        ticket=t,
        actor=p.operator,
        now=now + timedelta(minutes=5),
        unit=p.district.binhu,
        co_units=[p.district.housing],
    )
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=now + timedelta(minutes=30))
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=now + timedelta(hours=1))
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=now + timedelta(days=1),
        result="solved",
        text="已安排电工更换路灯，现已恢复照明。",
    )
    t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=now + timedelta(days=1, hours=2))
    return s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(days=2),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )


def test_the_sheet_has_every_field_of_the_office_form(p, closed):
    response = signed_in(p.street_handler).get(f"/tickets/{closed.number}/print/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "办理单",
        "工单编号",
        "来源渠道",
        "登记时间",
        "诉求人",
        "联系电话",
        "诉求类型",
        "诉求内容",
        "地点",
        "主办单位",
        "协办单位",
        "各时限",
        "办理过程",
        "答复内容",
        "回访/满意度",
        "承办人（签字）",
        "负责人（签字）",
        "日期：",
    ):
        assert label in html, label
    assert closed.number in html and "电话" in html and "投诉" in html
    assert "滨湖街道" in html and "住建局" in html  # primary and co-unit
    assert "已安排电工更换路灯" in html and "已解决" in html and "满意" in html
    assert "签收" in html and "审核通过" in html and "回访" in html  # the timeline
    # Its own print stylesheet (A4), no navigation bar, a print button.
    assert "tickets/print.css" in html and 'class="top"' not in html
    assert "data-print" in html


def test_the_caller_is_masked_for_unit_staff_even_after_a_reveal(p, closed):
    client = signed_in(p.street_handler)
    client.post(f"/tickets/{closed.number}/caller/", {"reason": "回电"})  # revealed once, audited
    html = client.get(f"/tickets/{closed.number}/print/").content.decode()
    assert "王*" in html and "137****5678" in html
    assert "王五" not in html and PHONE not in html


@pytest.mark.parametrize("persona", ["supervisor", "leader", "street_head"])
def test_other_masked_roles_print_the_caller_masked(p, closed, persona):
    html = signed_in(getattr(p, persona)).get(f"/tickets/{closed.number}/print/").content.decode()
    assert "王五" not in html and PHONE not in html


@pytest.mark.parametrize("persona", ["operator", "dispatcher"])
def test_centre_staff_print_the_caller_in_full(p, closed, persona):
    html = signed_in(getattr(p, persona)).get(f"/tickets/{closed.number}/print/").content.decode()
    assert "王五" in html and PHONE in html


def test_outside_the_scope_it_is_a_404_as_the_ticket_page(p, closed):
    assert (
        signed_in(p.other_street_handler).get(f"/tickets/{closed.number}/print/").status_code == 404
    )
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d)
    other_operator = make_user("o_operator", "operator", centre)
    assert signed_in(other_operator).get(f"/tickets/{closed.number}/print/").status_code == 404
    anonymous = Client().get(f"/tickets/{closed.number}/print/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_the_ticket_page_offers_the_print(p, closed):
    html = signed_in(p.street_handler).get(f"/tickets/{closed.number}/").content.decode()
    assert f"/tickets/{closed.number}/print/" in html and "打印办理单" in html


def test_an_anonymous_fresh_ticket_prints_its_gaps(p):
    t = f.registered(actor=p.operator, now=timezone.now(), caller_name="", caller_phone="")
    html = signed_in(p.operator).get(f"/tickets/{t.number}/print/").content.decode()
    assert "匿名" in html and "未派单" in html and "尚未回访" in html


def test_the_sheet_runs_a_fixed_number_of_queries(p, closed, django_assert_max_num_queries):
    client = signed_in(p.dispatcher)
    few = f.dispatched(p=p, now=timezone.now() - timedelta(hours=1))
    client.get(f"/tickets/{few.number}/print/")
    with django_assert_max_num_queries(12) as short:
        client.get(f"/tickets/{few.number}/print/")
    # The closed ticket has twice the events, a co-unit, a reply and a rating.
    with django_assert_max_num_queries(len(short.captured_queries)):
        assert client.get(f"/tickets/{closed.number}/print/").status_code == 200
