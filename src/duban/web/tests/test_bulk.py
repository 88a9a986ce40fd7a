"""Bulk actions on the desks: each ticket one service call with its own version and its
own transaction; a refused one is reported and never blocks the others; a capped batch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Ticket, TicketEvent
from duban.web import services_bulk

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _picks(*tickets: Ticket) -> list[str]:
    return [f"{t.number}:{t.version}" for t in tickets]


def _outcomes(response) -> dict[str, str]:
    return {o.number: o.message for o in response.context["bulk_outcomes"]}


def _events(ticket: Ticket, type_: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, type=type_))


def test_sign_for_several_with_one_taken_meanwhile(p, client_for, recent):
    first, taken, last = (f.dispatched(p=p, now=recent) for _ in range(3))
    picks = _picks(first, taken, last)  # the versions the clerk's page showed
    # Between the page and the click, the unit's head signs for one of them.
    s.ticket_accept(ticket=taken, actor=p.street_head, now=recent + timedelta(hours=1))
    response = client_for(p.street_handler).post("/desk/bulk/accept/", {"t": picks}, **HX)
    assert response.status_code == 200
    outcomes = _outcomes(response)
    assert outcomes[first.number] == outcomes[last.number] == "成功"
    assert outcomes[taken.number].startswith("已被他人处理")
    for t in (first, last):
        t.refresh_from_db()
        assert t.state == "accepted"
        [event] = _events(t, "accept")
        assert event.actor == p.street_handler
    taken.refresh_from_db()
    # The stale one is untouched by the clerk: still the head's one acceptance.
    assert [e.actor for e in _events(taken, "accept")] == [p.street_head]
    html = response.content.decode()
    assert "批量签收：成功 2 件，未成功 1 件" in html and "已被他人处理" in html
    assert "<html" not in html  # the desk's list fragment


def test_a_ticket_outside_the_clerks_scope_is_refused_alone(p, client_for, recent):
    mine = f.dispatched(p=p, now=recent)
    theirs = f.dispatched(p=p, now=recent, unit=p.district.hubin)
    response = client_for(p.street_handler).post("/desk/bulk/accept/", {"t": _picks(theirs, mine)})
    outcomes = _outcomes(response)
    assert outcomes[mine.number] == "成功"
    assert outcomes[theirs.number] == "工单不存在"
    theirs.refresh_from_db()
    assert theirs.state == "dispatched" and not _events(theirs, "accept")


def test_the_batch_is_capped_and_nothing_is_written(p, client_for, recent):
    t = f.dispatched(p=p, now=recent)
    picks = [f"{t.number}:{t.version}"] + [
        f"2099010100{n:04d}:1" for n in range(services_bulk.MAX_BATCH)
    ]
    client = client_for(p.street_handler)
    response = client.post("/desk/bulk/accept/", {"t": picks})
    assert response.status_code == 422
    assert "一次最多处理 50 件" in response.content.decode()
    t.refresh_from_db()
    assert t.state == "dispatched" and not _events(t, "accept")
    # The htmx form gets the notice in a 2xx fragment (htmx swaps only those).
    fragment = client.post("/desk/bulk/accept/", {"t": picks}, **HX)
    assert fragment.status_code == 200 and "一次最多处理 50 件" in fragment.content.decode()
    nothing = client.post("/desk/bulk/accept/", {})
    assert nothing.status_code == 422 and "请先勾选要处理的工单" in nothing.content.decode()
    broken = client.post("/desk/bulk/accept/", {"t": ["1; drop table"]})
    assert broken.status_code == 422 and "所选工单有误" in broken.content.decode()


def test_pass_several_reviews_with_a_stale_and_a_flagged_one(p, client_for, recent):
    good, stale, weak = (f.replied(p=p, now=recent - timedelta(days=2)) for _ in range(3))
    # What the reply check said of each (the weak one is read on its own, one by one).
    Ticket.objects.filter(pk__in=[good.pk, stale.pk]).update(reply_check={"weak": False})
    Ticket.objects.filter(pk=weak.pk).update(reply_check={"weak": True, "reasons": ["too_short"]})
    picks = _picks(good, stale, weak)
    s.ticket_review_reject(ticket=stale, actor=p.dispatcher, now=recent, reason="答复不完整")
    response = client_for(p.dispatcher).post("/desk/bulk/review_pass/", {"t": picks}, **HX)
    outcomes = _outcomes(response)
    assert outcomes[good.number] == "成功"
    assert outcomes[stale.number].startswith("已被他人处理")
    assert outcomes[weak.number] == "答复质量存疑，请逐件审核"
    good.refresh_from_db()
    assert good.state == "reviewed" and good.callback_due is not None
    assert [e.actor for e in _events(good, "review_pass")] == [p.dispatcher]
    for t, state in ((stale, "accepted"), (weak, "replied")):
        t.refresh_from_db()
        assert t.state == state and not _events(t, "review_pass")


def test_dispatch_several_each_to_its_suggested_unit(p, client_for, recent):
    binhu = f.registered(actor=p.operator, now=recent)
    hubin = f.registered(
        actor=p.operator, now=recent, location="湖滨路街道建业社区", content="建业社区路灯不亮"
    )
    nowhere = f.registered(
        actor=p.operator, now=recent, title="政策咨询", location="", content="咨询一下政策"
    )
    assert not (nowhere.suggestions or {}).get("units")
    client = client_for(p.dispatcher)
    page = client.get("/desk/centre/?tab=dispatch").content.decode()
    assert "按推荐单位批量派单" in page and "派往 湖滨路街道" in page and "无推荐单位" in page
    assert f'value="{nowhere.number}:' not in page  # no box without a suggestion
    response = client.post("/desk/bulk/dispatch/", {"t": _picks(binhu, nowhere, hubin)}, **HX)
    outcomes = _outcomes(response)
    assert outcomes[binhu.number] == outcomes[hubin.number] == "成功"
    assert outcomes[nowhere.number] == "没有推荐单位，请逐件派单"
    for t, unit in ((binhu, p.district.binhu), (hubin, p.district.hubin)):
        t.refresh_from_db()
        assert t.state == "dispatched" and t.primary_unit == unit
        [event] = _events(t, "dispatch")
        assert event.actor == p.dispatcher and event.payload["unit"] == unit.pk
        assert t.assignments.get().unit == unit
    nowhere.refresh_from_db()
    assert nowhere.state == "registered" and not _events(nowhere, "dispatch")


@pytest.mark.parametrize(
    ("persona", "action"),
    [
        ("street_handler", "review_pass"),
        ("street_handler", "dispatch"),
        ("operator", "review_pass"),  # reviews are the dispatchers' (the state table)
        ("dispatcher", "accept"),
        ("leader", "accept"),
    ],
)
def test_only_the_roles_of_the_action_may_run_it(p, client_for, recent, persona, action):
    t = f.dispatched(p=p, now=recent)
    response = client_for(getattr(p, persona)).post(f"/desk/bulk/{action}/", {"t": _picks(t)})
    assert response.status_code == 403
    assert Ticket.objects.values_list("version", "state").get(pk=t.pk) == (t.version, t.state)


def test_bulk_is_post_only_and_unknown_actions_are_404(p, client_for):
    client = client_for(p.street_handler)
    assert client.get("/desk/bulk/accept/").status_code == 405
    assert client.post("/desk/bulk/reply/", {}).status_code == 404


def test_the_bar_and_boxes_show_on_the_tabs_that_have_a_bulk_action(p, client_for, recent):
    pending = f.dispatched(p=p, now=recent)
    handling = f.accepted(p=p, now=recent)
    client = client_for(p.street_handler)
    page = client.get("/desk/inbox/?tab=pending").content.decode()
    assert 'id="bulk-form"' in page and "批量签收" in page
    assert f'value="{pending.number}:{pending.version}"' in page
    other = client.get("/desk/inbox/?tab=handling").content.decode()
    assert handling.number in other and 'id="bulk-form"' not in other
    # A co-unit (协办) sees the ticket in its pending tab but may not sign for it.
    t = f.registered(actor=p.operator, now=recent)
    s.ticket_dispatch(
        ticket=t, actor=p.operator, now=recent, unit=p.district.binhu, co_units=[p.district.hubin]
    )
    co = client_for(p.other_street_handler).get("/desk/inbox/?tab=pending").content.decode()
    assert t.number in co and f'value="{t.number}:' not in co


def test_the_pending_tab_with_boxes_keeps_a_fixed_query_count(
    p, client_for, recent, django_assert_max_num_queries
):
    client = client_for(p.street_handler)
    f.dispatched(p=p, now=recent)
    client.get("/desk/inbox/?tab=pending")
    with django_assert_max_num_queries(10) as one:  # the inbox's (test_desks.py)
        client.get("/desk/inbox/?tab=pending")
    for _ in range(7):
        f.dispatched(p=p, now=recent)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/desk/inbox/?tab=pending")
    assert response.content.decode().count('name="t"') == 8
