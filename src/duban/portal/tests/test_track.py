"""Tracking by number + phone and rating the reply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from duban.portal.selectors import access_token
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket

TRACK = "/portal/track/"
RATE = "/portal/rate/"
PHONE = "13812341234"
pytestmark = pytest.mark.django_db


def _ticket(state: str, p, now) -> Ticket:
    """A ticket in ``state`` whose caller is 张三丰 / PHONE, with internal steps on the way."""
    t = f.dispatched(p=p, now=now, caller_name="张三丰", caller_phone=PHONE)
    s.ticket_urge(
        ticket=t, actor=p.supervisor, now=now + timedelta(minutes=10), note="内部催办备注"
    )
    if state == "dispatched":
        return Ticket.objects.get(pk=t.pk)
    t = s.ticket_accept(ticket=t, actor=p.street_handler, now=now + timedelta(minutes=30))
    t = s.ticket_request_extension(
        ticket=t,
        actor=p.street_handler,
        now=now + timedelta(hours=1),
        days=3,
        reason="内部延期理由",
    )
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=now + timedelta(days=1),
        result="solved",
        text="第一次答复（被退回）",
    )
    t = s.ticket_review_reject(
        ticket=t, actor=p.dispatcher, now=now + timedelta(days=1, hours=1), reason="内部退回意见"
    )
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=now + timedelta(days=2),
        result="solved",
        text="已安排电工更换路灯，现已恢复照明。",
    )
    if state == "replied":
        return t
    return s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=now + timedelta(days=2, hours=1))


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _access(number: str, phone: str = PHONE) -> str:
    html = _lookup(number, phone).content.decode()
    return re.search(r'name="access" value="([^"]+)"', html).group(1)


def _rate(number: str, **answers: str):
    return Client().post(RATE, {"access": _access(number), **answers})


def _lookup(number: str, phone: str = PHONE, client: Client | None = None):
    return (client or Client()).post(TRACK, {"number": number, "phone": phone})


def test_tracking_shows_masked_details_and_only_public_steps(p, now) -> None:
    t = _ticket("reviewed", p, now)
    response = _lookup(t.number)
    assert response.status_code == 200
    html = response.content.decode()
    assert "张**" in html and "138****1234" in html
    assert "张三丰" not in html and PHONE not in html
    assert "已答复，请您评价办理结果" in html
    for public in ("诉求已受理登记", "已转交滨湖街道办理", "承办单位已签收", "已安排电工更换路灯"):
        assert public in html
    for internal in (
        "内部催办备注",
        "内部延期理由",
        "内部退回意见",
        "第一次答复",
        p.street_handler.username,
        p.dispatcher.username,
        p.supervisor.username,
        "催办",
        "延期",
    ):
        assert internal not in html, internal
    assert 'action="/portal/rate/"' in html


def test_reply_text_shows_only_after_review(p, now) -> None:
    t = _ticket("replied", p, now)
    html = _lookup(t.number).content.decode()
    assert "承办单位已答复" in html and "正在审核" in html
    assert "已安排电工更换路灯" not in html
    assert 'action="/portal/rate/"' not in html


def test_wrong_phone_and_unknown_number_get_the_same_answer(p, now) -> None:
    t = _ticket("dispatched", p, now)
    wrong_phone = _lookup(t.number, phone="13900000000")
    unknown = _lookup("20990101000001", phone="13900000000")
    assert wrong_phone.status_code == unknown.status_code == 404
    body = _without_csrf(wrong_phone.content.decode())
    assert "未找到" in body
    assert body == _without_csrf(unknown.content.decode()).replace("20990101000001", t.number)


def test_phone_is_normalised(p, now) -> None:
    t = _ticket("dispatched", p, now)
    assert _lookup(t.number, phone="+86 138 1234 1234").status_code == 200


def test_lookups_are_rate_limited(p, now, settings) -> None:
    settings.DUBAN_PORTAL = {"LOOKUP_LIMIT": 3}
    t = _ticket("dispatched", p, now)
    client = Client()
    for _ in range(3):
        _lookup("20990101000001", client=client)
    limited = _lookup(t.number, client=client)
    assert limited.status_code == 429
    assert "张**" not in limited.content.decode()


def test_rating_a_reviewed_ticket_closes_it(p, now) -> None:
    t = _ticket("reviewed", p, now)
    response = _rate(t.number, resolved="1", satisfaction="basic", comment="修得很快")
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    t.refresh_from_db()
    assert t.state == "closed" and t.resolved is True and t.satisfaction == "basic"
    event = t.events.order_by("-seq").first()
    assert event.type == "rate_online" and event.actor_id is None
    assert event.payload["comment"] == "修得很快"
    assert replay(t.events.order_by("seq")) == ticket_replayed_fields(t)
    html = response.content.decode()
    assert "您已网上评价" in html and "基本满意" in html


@pytest.mark.parametrize("state", ["dispatched", "replied"])
def test_rating_before_review_explains_why(p, now, state) -> None:
    t = _ticket(state, p, now)
    access = re.search(r'name="access"', _lookup(t.number).content.decode())
    assert access is None  # no rating form before the reply is reviewed
    token = access_token(t)  # a crafted post still gets a clear answer
    data = {"access": token, "resolved": "0", "satisfaction": "unsatisfied"}
    response = Client().post(RATE, data)
    assert response.status_code == 400
    assert "审核后才能评价" in response.content.decode()
    assert Ticket.objects.get(pk=t.pk).state == state


def test_rating_twice_is_refused(p, now) -> None:
    t = _ticket("reviewed", p, now)
    data = {"access": _access(t.number), "resolved": "1", "satisfaction": "satisfied"}
    assert Client().post(RATE, data).status_code == 200
    again = Client().post(RATE, {**data, "satisfaction": "unsatisfied"})
    assert again.status_code == 400
    assert Ticket.objects.get(pk=t.pk).satisfaction == "satisfied"


def test_rating_needs_a_valid_fresh_access_token(p, now, settings) -> None:
    t = _ticket("reviewed", p, now)
    answers = {"resolved": "1", "satisfaction": "satisfied"}
    forged = Client().post(RATE, {"access": "x:y:z", **answers})
    assert forged.status_code == 400
    assert "页面已过期" in forged.content.decode()
    token = _access(t.number)
    settings.DUBAN_PORTAL = {"ACCESS_MAX_AGE": -1}
    expired = Client().post(RATE, {"access": token, **answers})
    assert expired.status_code == 400
    assert Ticket.objects.get(pk=t.pk).state == "reviewed"


def test_access_token_stops_working_when_the_phone_changes(p, now) -> None:
    t = _ticket("reviewed", p, now)
    token = _access(t.number)
    t.caller.phone = "13900000000"
    t.caller.save()
    response = Client().post(RATE, {"access": token, "resolved": "1", "satisfaction": "satisfied"})
    assert response.status_code == 400
    assert Ticket.objects.get(pk=t.pk).state == "reviewed"


def test_page_does_not_echo_the_phone(p, now) -> None:
    t = _ticket("reviewed", p, now)
    html = _lookup(t.number).content.decode()
    assert PHONE not in html


def test_rating_needs_both_answers(p, now) -> None:
    t = _ticket("reviewed", p, now)
    response = Client().post(RATE, {"access": _access(t.number)})
    assert response.status_code == 400
    assert Ticket.objects.get(pk=t.pk).state == "reviewed"


def test_tracking_and_rating_enforce_csrf(p, now) -> None:
    t = _ticket("reviewed", p, now)
    client = Client(enforce_csrf_checks=True)
    assert client.post(TRACK, {"number": t.number, "phone": PHONE}).status_code == 403
    data = {"access": _access(t.number), "resolved": "1", "satisfaction": "satisfied"}
    assert client.post(RATE, data).status_code == 403
    assert Ticket.objects.get(pk=t.pk).state == "reviewed"


def test_tracking_runs_a_fixed_number_of_queries(p, now, django_assert_num_queries) -> None:
    t = _ticket("reviewed", p, now)
    with django_assert_num_queries(2):  # the ticket with caller and category; its public events
        assert _lookup(t.number).status_code == 200


def test_submitted_ticket_can_be_tracked(district, submission) -> None:
    response = Client().post("/portal/submit/", submission())
    number = Ticket.objects.get().number
    page = _lookup(number).content.decode()
    assert response.status_code == 302
    assert "已受理，正在分派承办单位" in page and "诉求已受理登记" in page
