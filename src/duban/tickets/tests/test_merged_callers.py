"""Every merged caller gets the outcome: once the master's reply passed review, the caller of a
merged ticket is called back by the centre (the call-back list includes them) or rates online
in the portal; the rating is recorded on the merged ticket, which stays ``merged`` and closes
with its master. Rules: ``tickets/services/merged.py``; docs/portal.md."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.errors import IllegalTransition, InvalidInput
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

MERGED_PHONE = "13900001111"
TRACK = "/portal/track/"
RATE = "/portal/rate/"


def _merged_into(master: Ticket, p, now) -> Ticket:
    dup = f.registered(
        actor=p.operator, now=now, caller_name="王五", caller_phone=MERGED_PHONE, title="路灯又坏"
    )
    return s.ticket_merge(ticket=dup, actor=p.operator, now=now, master=master)


def _master_and_dup(p, now, *, review: bool = True) -> tuple[Ticket, Ticket]:
    master = f.replied(p=p, now=now)
    dup = _merged_into(master, p, now + timedelta(hours=2))
    if review:
        master = s.ticket_review_pass(
            ticket=master, actor=p.dispatcher, now=now + timedelta(days=1, hours=2)
        )
    return master, dup


def _replays(*tickets: Ticket) -> None:
    for t in tickets:
        t.refresh_from_db()
        assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t), t.number


def _callback(ticket: Ticket, p, now, **kwargs):
    return s.ticket_callback(
        ticket=ticket, actor=p.dispatcher, now=now + timedelta(days=2), **kwargs
    )


# -- the services ---------------------------------------------------------------------------


def test_the_centre_calls_back_a_merged_caller_after_the_master_is_reviewed(p, now):
    master, dup = _master_and_dup(p, now)
    done = _callback(dup, p, now, reached=True, resolved=True, satisfaction="basic", note="已告知")
    assert (done.state, done.resolved, done.satisfaction) == ("merged", True, "basic")
    assert done.rated_at == now + timedelta(days=2) and done.callback_attempts == 1
    event = done.events.order_by("-seq").first()
    assert (event.type, event.from_state, event.to_state, event.actor) == (
        "callback",
        "merged",
        "merged",
        p.dispatcher,
    )
    master.refresh_from_db()
    assert master.state == "reviewed" and master.rated_at is None  # the master's own caller
    _replays(master, dup)


def test_before_the_master_is_reviewed_a_merged_caller_is_not_rated(p, now):
    _, dup = _master_and_dup(p, now, review=False)
    version = dup.version
    with pytest.raises(IllegalTransition) as exc:
        _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")
    assert "主工单尚未答复并通过审核" in exc.value.message
    dup.refresh_from_db()
    assert (dup.version, dup.rated_at) == (version, None)


def test_a_merged_caller_never_reopens_anything(p, now):
    _, dup = _master_and_dup(p, now)
    with pytest.raises(InvalidInput) as exc:
        _callback(
            dup, p, now, reached=True, resolved=False, satisfaction="unsatisfied", reopen=True
        )
    assert exc.value.details["field"] == "reopen"


def test_three_missed_calls_mark_a_merged_caller_unreachable(p, now):
    master, dup = _master_and_dup(p, now)
    for _ in range(3):
        dup = _callback(dup, p, now, reached=False)
    assert (dup.state, dup.unreachable, dup.callback_attempts) == ("merged", True, 3)
    with pytest.raises(IllegalTransition):
        _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")
    _replays(dup)


def test_a_merged_caller_rates_once(p, now):
    _, dup = _master_and_dup(p, now)
    _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")
    with pytest.raises(IllegalTransition) as exc:
        _callback(dup, p, now, reached=True, resolved=False, satisfaction="unsatisfied")
    assert "只能评价一次" in exc.value.message


def test_rated_or_not_the_merged_ticket_closes_with_its_master(p, now):
    master, dup = _master_and_dup(p, now)
    other = _merged_into(master, p, now + timedelta(hours=3))
    _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")
    _callback(master, p, now, reached=True, resolved=True, satisfaction="satisfied")
    for t in (dup, other):
        t.refresh_from_db()
        assert t.state == "merged" and t.closed_at is not None
    # The master closed after its review: the caller not yet rated may still be called back.
    other = _callback(other, p, now, reached=True, resolved=True, satisfaction="basic")
    assert other.satisfaction == "basic"
    _replays(master, dup, other)


def test_a_merged_ticket_of_a_direct_answer_is_not_rated(p, now):
    master = f.registered(actor=p.operator, now=now)
    dup = _merged_into(master, p, now)
    s.ticket_direct_answer(ticket=master, actor=p.operator, now=now, answer="已电话解答。")
    dup.refresh_from_db()
    assert dup.closed_at is not None
    with pytest.raises(IllegalTransition):
        _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")


# -- the centre's call-back list and the ticket page -------------------------------------------


def test_the_call_back_list_includes_merged_callers_once_the_master_is_reviewed(p, now, client):
    master, dup = _master_and_dup(p, now, review=False)
    client.force_login(p.dispatcher)
    page = client.get("/desk/centre/?tab=callback").content.decode()
    assert dup.number not in page
    s.ticket_review_pass(ticket=master, actor=p.dispatcher, now=now + timedelta(days=1, hours=2))
    page = client.get("/desk/centre/?tab=callback").content.decode()
    assert dup.number in page and master.number in page
    assert _callback_count(page) == 2  # the open master and the merged caller, counted apart
    _callback(dup, p, now, reached=True, resolved=True, satisfaction="satisfied")
    page = client.get("/desk/centre/?tab=callback").content.decode()
    assert dup.number not in page and master.number in page
    assert _callback_count(page) == 1


def _callback_count(page: str) -> int:
    """The count on the desk's 待回访 tab."""
    found = re.search(r'\?tab=callback"[^>]*>待回访 <span class="count">(\d+)</span>', page)
    assert found, "no 待回访 tab"
    return int(found.group(1))


def test_the_ticket_page_offers_the_call_back_without_reopen(p, now, client):
    _, dup = _master_and_dup(p, now)
    client.force_login(p.dispatcher)
    form = client.get(f"/tickets/{dup.number}/act/callback/").content.decode()
    assert 'name="reached"' in form and 'name="reopen"' not in form
    response = client.post(
        f"/tickets/{dup.number}/act/callback/",
        {
            "expected_version": dup.version,
            "reached": "1",
            "resolved": "1",
            "satisfaction": "satisfied",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    dup.refresh_from_db()
    assert dup.satisfaction == "satisfied" and dup.state == "merged"


# -- the portal ---------------------------------------------------------------------------------


def _lookup(number: str, phone: str = MERGED_PHONE):
    return Client().post(TRACK, {"number": number, "phone": phone})


def test_the_portal_shows_a_merged_caller_the_masters_reply_and_takes_their_rating(p, now):
    master, dup = _master_and_dup(p, now, review=False)
    html = _lookup(dup.number).content.decode()
    assert "已与相同诉求合并办理" in html and "合并办理情况" in html
    assert "已转交滨湖街道办理" in html
    assert "已安排电工更换路灯" not in html  # the reply shows once reviewed
    assert 'action="/portal/rate/"' not in html
    assert master.number not in html and master.title not in html
    s.ticket_review_pass(ticket=master, actor=p.dispatcher, now=now + timedelta(days=1, hours=2))
    html = _lookup(dup.number).content.decode()
    assert "已安排电工更换路灯，现已恢复照明。" in html
    assert "已答复，请您评价办理结果" in html and 'action="/portal/rate/"' in html
    assert "张三" not in html  # nothing of the master's caller
    access = re.search(r'name="access" value="([^"]+)"', html).group(1)
    rated = Client().post(RATE, {"access": access, "resolved": "1", "satisfaction": "satisfied"})
    assert rated.status_code == 200
    assert "感谢您的评价" in rated.content.decode()
    dup.refresh_from_db()
    master.refresh_from_db()
    assert (dup.state, dup.satisfaction, dup.resolved) == ("merged", "satisfied", True)
    assert master.state == "reviewed" and master.satisfaction == ""
    event = dup.events.order_by("-seq").first()
    assert (event.type, event.actor_id, event.from_state) == ("rate_online", None, "merged")
    again = Client().post(RATE, {"access": access, "resolved": "0", "satisfaction": "unsatisfied"})
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    _callback(master, p, now, reached=True, resolved=True, satisfaction="satisfied")
    assert "已办结（与相同诉求合并办理）" in _lookup(dup.number).content.decode()
    _replays(master, dup)


# -- the figures ----------------------------------------------------------------------------


def test_the_figures_count_the_masters_rating_only(p, now):
    """One matter, one rating: a merged ticket that had been dispatched keeps its unit, but
    its caller's rating of the master's reply counts nowhere."""
    from duban.metrics.selectors import unit_figures

    master = f.reviewed(p=p, now=now)
    dup = f.dispatched(p=p, now=now, caller_phone=MERGED_PHONE)
    dup = s.ticket_merge(ticket=dup, actor=p.operator, now=now + timedelta(hours=1), master=master)
    _callback(dup, p, now, reached=True, resolved=False, satisfaction="unsatisfied")
    _callback(master, p, now, reached=True, resolved=True, satisfaction="satisfied")
    (figures,) = unit_figures(
        period_start=now - timedelta(days=1),
        period_end=now + timedelta(days=30),
        units=[p.district.binhu],
        now=now + timedelta(days=3),
    )
    assert (figures.dispatched, figures.rated, figures.resolved, figures.satisfied) == (2, 1, 1, 1)
    assert figures.closed_or_rated == 1
