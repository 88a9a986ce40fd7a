"""工单查询 by content, reply, caller and date range; the top bar's phone look-up.

Caller fields exist only for staff who see personal data (``PERSONAL_DATA_ROLES``);
everyone else gets no such field, a 403 when passing one, and no personal data in the
results. Short terms (under three characters) are searched within 31 days, but for a
two-character word of the content listed newest first, which is read month by month.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from duban.conftest import on_postgres
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Caller, Ticket, name_q, phone_q
from duban.web import selectors_search

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def tickets(p, recent):
    noise = f.dispatched(
        p=p,
        now=recent,
        title="夜间施工",
        content="建业路工地夜间施工噪音扰民，凌晨两点还在打桩。",
        caller_name="李四",
        caller_phone=PHONE,
    )
    light = f.replied(p=p, now=recent - timedelta(days=2), title="路灯不亮")
    old = f.dispatched(
        p=p,
        now=recent - timedelta(days=40),
        title="旧件",
        content="去年的施工噪音问题再次出现。",
    )
    return {"noise": noise, "light": light, "old": old}


def _numbers(response) -> set[str]:
    return {t.number for t in response.context["tickets"]}


def test_search_by_content_and_by_reply_text(p, client_for, tickets):
    client = client_for(p.leader)
    by_content = client.get("/search/?content=" + quote("打桩"))
    assert by_content.status_code == 200
    assert _numbers(by_content) == {tickets["noise"].number}
    by_reply = client.get("/search/?reply=" + quote("更换路灯"))
    assert _numbers(by_reply) == {tickets["light"].number}
    # Three characters or more: every registration date is searched.
    both = client.get("/search/?content=" + quote("施工噪音"))
    assert _numbers(both) == {tickets["noise"].number, tickets["old"].number}
    assert not both.context["narrowed"]


def test_a_two_character_word_of_the_content_newest_first_searches_every_year(
    p, client_for, tickets
):
    # Listed newest first (the page's default), the month-keyed index reads it month by
    # month: no window is needed, and the 40-day-old ticket is found too.
    found = client_for(p.leader).get("/search/?content=" + quote("噪音"))
    assert found.status_code == 200 and not found.context["narrowed"]
    assert [t.number for t in found.context["tickets"]] == [
        tickets["noise"].number,
        tickets["old"].number,
    ]
    long_range = client_for(p.leader).get(f"/search/?content={quote('噪音')}&date_from=2020-01-01")
    assert long_range.status_code == 200 and not long_range.context["narrowed"]
    assert _numbers(long_range) == {tickets["noise"].number, tickets["old"].number}


def test_a_short_term_is_searched_within_31_days(p, client_for, tickets):
    client = client_for(p.leader)
    # In another order a two-character word of the content keeps to 31 days, and so does
    # a short word of the title in any order.
    short = client.get("/search/?content=" + quote("噪音") + "&ordering=number")
    assert short.status_code == 200 and short.context["narrowed"]
    assert _numbers(short) == {tickets["noise"].number}  # the 40-day-old one is outside
    assert "只查询了最近 31 天登记的工单" in short.content.decode()
    by_title = client.get("/search/?q=" + quote("旧"))
    assert by_title.status_code == 200 and by_title.context["narrowed"]
    assert _numbers(by_title) == set()
    # A range of at most 31 days is kept as given (and finds the old one in it).
    start = timezone.localdate(tickets["old"].created_at)
    ranged = client.get(
        f"/search/?content={quote('噪音')}&ordering=number"
        f"&date_from={start}&date_to={start + timedelta(days=5)}"
    )
    assert _numbers(ranged) == {tickets["old"].number} and not ranged.context["narrowed"]
    too_long = client.get(
        f"/search/?content={quote('噪音')}&ordering=number"
        f"&date_from={start}&date_to={start + timedelta(days=60)}"
    )
    assert too_long.status_code == 422
    assert "日期范围不能超过 31 天" in too_long.content.decode()
    assert too_long.context["tickets"] == []


def test_search_by_date_range_on_registration_or_dispatch(p, client_for, tickets):
    client = client_for(p.leader)
    day = timezone.localdate(tickets["light"].created_at)
    response = client.get(f"/search/?date_from={day}&date_to={day}")
    assert _numbers(response) == {tickets["light"].number}
    dispatched_day = timezone.localdate(tickets["old"].dispatched_at)
    by_dispatch = client.get(f"/search/?by=dispatched_at&date_to={dispatched_day}")
    assert _numbers(by_dispatch) == {tickets["old"].number}
    backwards = client.get(f"/search/?date_from={day}&date_to={day - timedelta(days=1)}")
    assert backwards.status_code == 422
    assert "结束日期不能早于开始日期" in backwards.content.decode()


@pytest.mark.parametrize("persona", ["operator", "dispatcher"])
def test_centre_staff_find_a_caller_by_phone_or_name(p, client_for, tickets, persona):
    client = client_for(getattr(p, persona))
    page = client.get("/search/")
    assert 'name="phone"' in page.content.decode()
    # Typed as callers give it: spaces and +86 are normalised as at intake.
    by_phone = client.get("/search/?phone=" + quote("+86 139 1234 5678"))
    assert _numbers(by_phone) == {tickets["noise"].number}
    html = by_phone.content.decode()
    assert "李四" in html and PHONE in html  # the caller column, in full
    by_name = client.get("/search/?caller_name=" + quote("李四"))
    assert _numbers(by_name) == {tickets["noise"].number}
    # A short term together with a caller is not narrowed: the caller index bounds it.
    with_term = client.get(f"/search/?phone={PHONE}&content={quote('噪音')}")
    assert _numbers(with_term) == {tickets["noise"].number} and not with_term.context["narrowed"]
    bad = client.get("/search/?phone=12345")
    assert bad.status_code == 422 and "电话号码格式不正确" in bad.content.decode()


@pytest.mark.parametrize(
    "persona", ["street_handler", "street_head", "supervisor", "leader", "village_handler"]
)
def test_masked_roles_have_no_caller_search_and_see_no_personal_data(
    p, client_for, tickets, persona
):
    client = client_for(getattr(p, persona))
    page = client.get("/search/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="phone"' not in html and 'name="caller_name"' not in html
    for query in (f"phone={PHONE}", "caller_name=" + quote("李四")):
        refused = client.get(f"/search/?{query}")
        assert refused.status_code == 403
        assert "无权按诉求人或来电号码查询" in refused.content.decode()
        assert refused.context["tickets"] == []
    # Results never carry the caller: neither the name nor the phone, masked or not.
    found = client.get("/search/?content=" + quote("打桩")).content.decode()
    assert "李四" not in found and "李*" not in found
    assert PHONE not in found and "139****5678" not in found


def test_the_selector_refuses_a_caller_search_for_masked_roles(p, tickets):
    with pytest.raises(selectors_search.PersonalDataSearch):
        selectors_search.searched_tickets(
            user=p.street_handler, now=timezone.now(), caller_phone=PHONE
        )


def test_a_phone_search_never_crosses_into_another_district(p, client_for, recent, tickets):
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d)
    other_operator = make_user("o_operator", "operator", centre)
    theirs = f.registered(actor=other_operator, now=recent, caller_phone=PHONE)
    mine = client_for(p.operator).get(f"/search/?phone={PHONE}")
    assert theirs.number not in mine.content.decode()
    assert _numbers(mine) == {tickets["noise"].number}
    assert _numbers(client_for(other_operator).get(f"/search/?phone={PHONE}")) == {theirs.number}
    # Nor across units: the other street's clerk finds none of 滨湖街道's tickets.
    other_street = client_for(p.other_street_handler).get("/search/?content=" + quote("打桩"))
    assert _numbers(other_street) == set()


def test_text_and_caller_searches_run_a_fixed_number_of_queries(
    p, client_for, recent, django_assert_max_num_queries
):
    client = client_for(p.operator)
    url = f"/search/?phone={PHONE}&content={quote('施工噪音')}&reply="
    f.dispatched(p=p, now=recent, content="施工噪音一", caller_phone=PHONE)
    client.get(url)
    # 9 (the page's ids, then their rows) + the personal-data access insert
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for n in range(12):
        f.dispatched(p=p, now=recent, content=f"施工噪音{n}", caller_phone=PHONE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["count"] == 13


def test_the_count_stops_at_the_cap(p, client_for, recent, monkeypatch):
    for _ in range(3):
        f.dispatched(p=p, now=recent)
    monkeypatch.setattr(selectors_search, "COUNT_CAP", 2)
    response = client_for(p.leader).get("/search/")
    assert response.context["count"] == 2 and response.context["capped"]
    assert "超过 2 件" in response.content.decode()


def test_the_top_bar_opens_a_ticket_or_a_callers_tickets(p, client_for, tickets):
    operator = client_for(p.operator)
    number = tickets["noise"].number
    assert operator.get(f"/tickets/?number={number}")["Location"] == f"/tickets/{number}/"
    to_search = operator.get("/tickets/?number=" + quote("139 1234 5678"))
    assert to_search.status_code == 302
    assert to_search["Location"] == f"/search/?phone={PHONE}"
    assert _numbers(operator.get(to_search["Location"])) == {number}
    assert "工单编号或来电号码" in operator.get("/search/").content.decode()


def test_the_top_bar_tells_a_masked_role_a_phone_is_not_for_them(p, client_for, tickets):
    client = client_for(p.street_handler)
    response = client.get(f"/tickets/?number={PHONE}", follow=True)
    html = response.content.decode()
    assert "按来电号码查询工单仅限受理员、派单员使用" in html
    assert response.redirect_chain[0][0] == "/"  # back to their desk, no search by phone
    assert "李四" not in html and PHONE not in html
    assert "工单编号或来电号码" not in html  # its box asks for a number only
    # A number still opens the ticket; a number it may not see is a 404.
    number = tickets["noise"].number
    assert client.get(f"/tickets/?number={number}")["Location"] == f"/tickets/{number}/"
    assert client_for(p.other_street_handler).get(f"/tickets/{number}/").status_code == 404


@pytest.mark.skipif(not on_postgres(), reason="the trigram indexes exist on PostgreSQL only")
def test_postgres_can_answer_each_search_filter_from_an_index(p, recent):
    """The filters the search writes match the indexes' expressions (``UPPER(col)`` for
    ``icontains``): with sequential scans off, each is read through its index."""
    from django.db import connection

    f.dispatched(p=p, now=recent, content="建业路工地夜间施工噪音扰民")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    tickets = Ticket.objects.order_by()
    plans = {
        "ticket_content_trgm": tickets.filter(content__icontains="施工噪音"),
        "ticket_reply_trgm": tickets.filter(reply_text__icontains="已更换"),
        "ticket_title_trgm": tickets.filter(title__icontains="路灯不亮"),
        # Personal data is encrypted: phone and name are found through their keyed hashes,
        # the same conditions on the caller table (asked of the ticket table, the planner
        # may as well walk tickets by caller on a test database's few rows).
        "caller_phone_hash": Caller.objects.filter(phone_q(PHONE, prefix="")),
        "caller_name_hash": Caller.objects.filter(name_q("李四", prefix="")),
    }
    for index, qs in plans.items():
        assert index in qs.explain(), index


def test_indexes_are_declared_for_both_databases():
    names = {i.name for i in Ticket._meta.get_field("caller").related_model._meta.indexes}
    assert {"caller_name_hash", "caller_phone_hash"} <= names
    assert s.ticket_register  # the search reads what registration wrote; nothing else
