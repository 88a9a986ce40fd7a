"""Work lists: tabs, counts, htmx fragments, fixed query counts, inline actions."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Ticket, TicketEvent
from duban.web import selectors

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _many_dispatched(p, recent, n):
    return [f.dispatched(p=p, now=recent) for _ in range(n)]


def test_inbox_tabs_count_and_list(p, client_for, recent):
    pending = f.dispatched(p=p, now=recent)
    handling = f.accepted(p=p, now=recent)
    client = client_for(p.street_handler)
    page = client.get("/desk/inbox/?tab=pending").content.decode()
    assert pending.number in page and handling.number not in page
    assert "待签收" in page and "data-due" in page
    fragment = client.get("/desk/inbox/?tab=handling", **HX).content.decode()
    assert handling.number in fragment and "<html" not in fragment


def test_other_street_sees_nothing_of_binhu(p, client_for, recent):
    t = f.dispatched(p=p, now=recent)
    page = client_for(p.other_street_handler).get("/desk/inbox/?tab=pending").content.decode()
    assert t.number not in page


@pytest.mark.parametrize("rows", [1, 8])
def test_inbox_query_count_is_fixed(p, client_for, recent, django_assert_max_num_queries, rows):
    _many_dispatched(p, recent, rows)
    client = client_for(p.street_handler)
    # 6, the page's ids before its rows, the subtree's unit ids, the bell's unread count,
    # the late proxy steps (代办)
    with django_assert_max_num_queries(10):
        response = client.get("/desk/inbox/?tab=pending")
    assert response.content.decode().count('class="card ticket') == rows


@pytest.mark.parametrize("rows", [1, 8])
def test_co_unit_inbox_query_count_is_fixed(
    p, client_for, recent, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        t = f.registered(actor=p.operator, now=recent)
        s.ticket_dispatch(
            ticket=t,
            actor=p.operator,
            now=recent,
            unit=p.district.binhu,
            co_units=[p.district.hubin],
        )
    client = client_for(p.other_street_handler)  # 湖滨路街道 helps (协办) on each ticket
    with django_assert_max_num_queries(10):  # as above
        response = client.get("/desk/inbox/?tab=pending")
    page = response.content.decode()
    assert page.count('class="card ticket') == rows
    assert page.count("上报办理情况") >= rows  # its part is offered on every card


@pytest.mark.parametrize("rows", [1, 8])
def test_centre_query_count_is_fixed(p, client_for, recent, django_assert_max_num_queries, rows):
    for _ in range(rows):
        f.registered(actor=p.operator, now=recent)
    client = client_for(p.dispatcher)
    # 6, the page's ids, the bell's unread count, and the merged callers awaiting a rating
    # (待回访), counted apart from the open tickets, whose counts read an index alone.
    with django_assert_max_num_queries(9):
        response = client.get("/desk/centre/?tab=dispatch")
    assert response.content.decode().count('class="card ticket') == rows


def test_inbox_pages_answer_quickly(p, client_for, recent):
    _many_dispatched(p, recent, 25)
    client = client_for(p.street_handler)
    client.get("/desk/inbox/")
    started = time.perf_counter()
    response = client.get("/desk/inbox/?tab=pending&page=2")
    assert time.perf_counter() - started < 1.0
    assert "第 2 / 2 页" in response.content.decode()


def test_accept_inline_from_the_inbox(p, client_for, recent):
    t = f.dispatched(p=p, now=recent)
    client = client_for(p.street_handler)
    response = client.post(
        f"/tickets/{t.number}/act/accept/",
        {"expected_version": t.version, "desk": "inbox"},
        **HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "签收成功" in body and f'id="t-{t.number}"' in body and "<html" not in body
    t.refresh_from_db()
    assert t.state == "accepted"
    assert TicketEvent.objects.filter(ticket=t, type="accept", actor=p.street_handler).exists()


def test_stale_version_inline_shows_notice_and_changes_nothing(p, client_for, recent):
    t = f.dispatched(p=p, now=recent)
    old = t.version
    s.ticket_accept(ticket=t, actor=p.street_head, now=recent + timedelta(minutes=1))
    t.refresh_from_db()
    events = TicketEvent.objects.filter(ticket=t).count()
    response = client_for(p.street_handler).post(
        f"/tickets/{t.number}/act/request_return/",
        {"expected_version": old, "desk": "inbox", "reason": "非本单位职责"},
        **HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "已被他人更新" in body
    assert "非本单位职责" in body  # the form keeps the input
    t.refresh_from_db()
    assert t.state == "accepted" and TicketEvent.objects.filter(ticket=t).count() == events


def test_action_form_fragment(p, client_for, recent):
    t = f.accepted(p=p, now=recent)
    body = client_for(p.street_handler).get(
        f"/tickets/{t.number}/act/sub_dispatch/?desk=inbox", **HX
    )
    html = body.content.decode()
    assert body.status_code == 200 and "东留村" in html and "湖滨路街道" not in html


def test_centre_dispatch_and_callback(p, client_for, recent):
    t = f.registered(actor=p.operator, now=recent)
    client = client_for(p.dispatcher)
    response = client.post(
        f"/tickets/{t.number}/act/dispatch/",
        {
            "expected_version": t.version,
            "desk": "centre",
            "unit": p.district.binhu.pk,
            "co_units": [p.district.housing.pk],
        },
        **HX,
    )
    assert f"{t.number}：已派至滨湖街道" in response.content.decode()
    t.refresh_from_db()
    assert t.state == "dispatched" and t.primary_unit == p.district.binhu
    assert t.assignments.filter(role="co", unit=p.district.housing).exists()

    r = f.reviewed(p=p, now=recent - timedelta(days=3))
    response = client.post(
        f"/tickets/{r.number}/act/callback/",
        {
            "expected_version": r.version,
            "desk": "centre",
            "reached": "1",
            "resolved": "1",
            "satisfaction": "satisfied",
        },
        **HX,
    )
    assert f"{r.number}：已记录回访结果" in response.content.decode()
    r.refresh_from_db()
    assert r.state == "closed" and r.satisfaction == "satisfied"


def test_centre_merge_by_number(p, client_for, recent):
    master = f.registered(actor=p.operator, now=recent)
    dup = f.registered(actor=p.operator, now=recent)
    client = client_for(p.dispatcher)
    response = client.post(
        f"/tickets/{dup.number}/act/merge/",
        {"expected_version": dup.version, "desk": "centre", "master": "20990101000001"},
        **HX,
    )
    assert "主工单不存在" in response.content.decode()
    client.post(
        f"/tickets/{dup.number}/act/merge/",
        {"expected_version": dup.version, "desk": "centre", "master": master.number},
        **HX,
    )
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.master_id == master.pk


def test_supervision_urge_and_supervise(p, client_for, recent):
    t = f.accepted(p=p, now=recent - timedelta(days=40))
    client = client_for(p.supervisor)
    page = client.get("/desk/supervision/?tab=overdue").content.decode()
    assert t.number in page and "催办" in page
    client.post(
        f"/tickets/{t.number}/act/urge/",
        {"expected_version": t.version, "desk": "supervision", "note": "请加快办理"},
        **HX,
    )
    t.refresh_from_db()
    client.post(
        f"/tickets/{t.number}/act/supervise/",
        {"expected_version": t.version, "desk": "supervision", "level": "3"},
        **HX,
    )
    t = Ticket.objects.get(pk=t.pk)
    assert t.urge_count == 1 and t.supervise_level == 3
    assert list(
        TicketEvent.objects.filter(ticket=t, type__in=["urge", "supervise"]).values_list(
            "type", flat=True
        )
    ) == ["urge", "supervise"]


def test_circular_page_is_printable(p, client_for, recent):
    body = client_for(p.supervisor).get("/desk/circular/?period=2025-03").content.decode()
    assert "关于2025年3月12345热线工单办理情况的通报" in body
    assert "/desk/circular/print/?period=2025-03" in body
    printed = client_for(p.supervisor).get("/desk/circular/print/?period=2025-03")
    assert "data-print" in printed.content.decode()  # app.js prints (no inline handler: CSP)
    bad = client_for(p.supervisor).get("/desk/circular/?period=2025-13")
    assert bad.status_code == 422 and "统计周期不存在" in bad.content.decode()


def test_a_district_desk_counts_each_tab_as_its_list_holds_it(p, recent):
    """The centre and the supervision desk count tab by tab (``_tab_counts``): each count is
    the number of tickets its list pages through, other districts' tickets left out."""
    now = timezone.now()
    for state in ("registered", "return_pending", "replied", "reviewed"):
        f.in_state(state, p=p, now=recent)
    extension = f.accepted(p=p, now=recent)
    Ticket.objects.filter(pk=extension.pk).update(extension_pending_days=3)
    late = f.accepted(p=p, now=recent - timedelta(days=40))
    Ticket.objects.filter(pk=late.pk).update(supervise_level=1)
    soon = f.accepted(p=p, now=recent)
    Ticket.objects.filter(pk=soon.pk).update(handle_due=now + timedelta(hours=3))
    other = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    elsewhere = f.accepted(p=p, now=recent - timedelta(days=40))
    Ticket.objects.filter(pk=elsewhere.pk).update(district=other, supervise_level=2)

    expected = {
        "centre": {"dispatch": 1, "returns": 1, "extensions": 1, "review": 1, "callback": 1},
        "supervision": {"overdue": 1, "at_risk": 1, "supervised": 1},
    }
    for desk, user in (("centre", p.dispatcher), ("supervision", p.supervisor)):
        page = selectors.desk_page(desk=desk, user=user, now=now, tab=None, page=1)
        counts = {tab["key"]: tab["count"] for tab in page.tabs}
        assert counts == expected[desk]
        listed = Ticket.objects.visible_to(user)
        for tab in selectors.DESKS[desk]:
            assert counts[tab.key] == listed.filter(tab.matches(now)).count()
