"""Submitting an appeal: ticket, caller, photo, events, and the flood protections."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.portal.challenge import SALT, answer_for, question_for
from duban.portal.services import derive_title
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Attachment, Category, Ticket, TicketEvent

from .conftest import JPEG, PNG, challenge

SUBMIT = "/portal/submit/"
pytestmark = pytest.mark.django_db


def _catalogue() -> tuple[Category, Category]:
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    leaf = Category.objects.create(
        name="市政设施", level=2, parent=top, full_name="城乡建设/市政设施"
    )
    Category.objects.create(name="路灯", level=3, parent=leaf, full_name="城乡建设/市政设施/路灯")
    return top, leaf


def test_form_shows_catalogue_levels_one_and_two_and_a_question(district) -> None:
    _catalogue()
    response = Client().get(SUBMIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<optgroup label="城乡建设">' in html
    assert "城乡建设（其他）" in html and "市政设施" in html
    assert ">路灯<" not in html  # level 3 is for staff
    assert "等于几？" in html
    assert 'name="website"' in html  # honeypot present


def test_the_question_shown_on_the_page_can_be_answered(district, submission) -> None:
    client = Client()
    html = client.get(SUBMIT).content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    nonce = signing.loads(token, salt=SALT)["n"]
    assert question_for(nonce) in html
    data = submission(challenge=token, answer=str(answer_for(nonce)))
    with mock.patch("duban.portal.challenge.portal_setting", _no_min_fill):
        assert client.post(SUBMIT, data).status_code == 302
    assert Ticket.objects.count() == 1


def _no_min_fill(name: str):
    from duban.portal.conf import DEFAULTS

    return 0 if name == "MIN_FILL_SECONDS" else DEFAULTS[name]


def test_submit_registers_a_web_ticket_with_caller_and_events(district, submission) -> None:
    _, leaf = _catalogue()
    response = Client().post(SUBMIT, submission(category=str(leaf.pk)))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.kind == "appeal"
    assert ticket.registered_by is None
    assert ticket.state == "registered"
    assert ticket.category == leaf
    assert ticket.title == "东留村主街的路灯坏了一周了"  # first sentence
    assert ticket.location == "滨湖街道东留村主街"
    assert (ticket.caller.name, ticket.caller.phone) == ("张三丰", "13812341234")
    events = list(ticket.events.order_by("seq"))
    assert [e.type for e in events] == ["register", "suggest"]
    assert all(e.actor_id is None for e in events)
    assert replay(events) == ticket_replayed_fields(ticket)

    page = Client().get(response["Location"])
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    assert "联系电话" in page.content.decode()


def test_submit_with_photo_attaches_it_in_the_same_transaction(district, submission) -> None:
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = Client().post(SUBMIT, submission(photo=photo, title="路灯不亮"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.title == "路灯不亮"
    attachment = Attachment.objects.get()
    assert attachment.ticket == ticket
    assert attachment.uploaded_by is None
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)
    events = list(ticket.events.order_by("seq"))
    assert [e.type for e in events] == ["register", "suggest", "attach_public"]
    assert [e.seq for e in events] == [1, 2, 3] and ticket.version == 3
    attach = events[-1]
    assert attach.from_state == attach.to_state == "registered"
    assert attach.payload.get("set", {}) == {}
    assert attachment.event == attach
    assert replay(events) == ticket_replayed_fields(ticket)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("big.jpg", JPEG + b"\x00" * (10 * 1024 * 1024), "image/jpeg", "不能超过 10 MB"),
        ("doc.pdf", b"%PDF-1.4 hello", "application/pdf", "只能上传照片"),
        ("fake.png", b"MZ\x90\x00 not an image", "image/png", "只能上传照片"),
    ],
)
def test_bad_photo_is_refused_and_nothing_written(
    district, submission, name, content, content_type, message
) -> None:
    photo = SimpleUploadedFile(name, content, content_type=content_type)
    response = Client().post(SUBMIT, submission(photo=photo))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_very_large_body_is_refused_before_parsing(district, submission, settings) -> None:
    settings.DUBAN_PORTAL = {"MAX_PHOTO_BYTES": 1024}
    photo = SimpleUploadedFile("big.png", PNG + b"\x00" * 2 * 1024 * 1024, content_type="image/png")
    response = Client().post(SUBMIT, submission(photo=photo))
    assert response.status_code == 400
    assert "照片不能超过" in response.content.decode()
    assert not Ticket.objects.exists()


def test_invalid_fields_are_shown_and_the_challenge_is_kept(district, submission) -> None:
    data = submission(caller_phone="12345", caller_name="", content="太短")
    response = Client().post(SUBMIT, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "电话号码格式不正确" in html
    assert "请把问题描述清楚" in html
    assert data["challenge"] in html  # unspent: the citizen keeps the same question
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": "999"}, "答案不正确"),
        ({"answer": ""}, "答案不正确"),
        ({"challenge": ""}, "请回答验证题"),
        ({"challenge": "forged:token"}, "验证题无效"),
        ({"age": 11 * 60}, "已超过 10 分钟"),
        ({"age": 0}, "提交过快"),
    ],
)
def test_challenge_failures_give_400_and_write_nothing(
    district, submission, change, message
) -> None:
    data, change = submission(), dict(change)
    if "age" in change:  # a correctly answered question, shown too long or too short ago
        data["challenge"], data["answer"] = challenge(age_seconds=change.pop("age"))
    response = Client().post(SUBMIT, {**data, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "等于几？" in html  # a fresh question
    assert data["challenge"] not in html or not data["challenge"]
    assert "东留村主街的路灯坏了一周了" in html  # the citizen's text is kept
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_challenge_cannot_be_replayed(district, submission) -> None:
    data = submission()
    assert Client().post(SUBMIT, data).status_code == 302
    again = Client().post(SUBMIT, {**data, "caller_phone": "13900001111"})
    assert again.status_code == 400
    assert "已使用过" in again.content.decode()
    assert Ticket.objects.count() == 1


def test_honeypot_filled_writes_nothing(district, submission) -> None:
    response = Client().post(SUBMIT, submission(website="http://spam.example"))
    assert response.status_code == 400
    assert "未通过校验" in response.content.decode()
    assert not Ticket.objects.exists()


def test_rate_limit_per_ip_returns_429(district, submission, settings) -> None:
    settings.DUBAN_PORTAL = {"SUBMIT_LIMIT": 2}
    client = Client(REMOTE_ADDR="10.0.0.1")
    assert client.post(SUBMIT, submission()).status_code == 302
    assert client.post(SUBMIT, submission()).status_code == 302
    limited = client.post(SUBMIT, submission())
    assert limited.status_code == 429
    assert "操作太频繁" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0
    assert Ticket.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert other.post(SUBMIT, submission()).status_code == 302


def test_failed_challenges_count_towards_the_limit(district, submission, settings) -> None:
    settings.DUBAN_PORTAL = {"SUBMIT_LIMIT": 2}
    client = Client()
    for _ in range(2):
        assert client.post(SUBMIT, submission(answer="999")).status_code == 400
    assert client.post(SUBMIT, submission()).status_code == 429
    assert not Ticket.objects.exists()


def test_forwarded_for_is_used_only_behind_trusted_proxies(district, submission, settings) -> None:
    settings.DUBAN_PORTAL = {"SUBMIT_LIMIT": 1, "TRUSTED_PROXIES": 1}
    a = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
    b = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert a.post(SUBMIT, submission()).status_code == 302
    assert b.post(SUBMIT, submission()).status_code == 302
    assert a.post(SUBMIT, submission()).status_code == 429


def test_csrf_is_enforced(district, submission) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(SUBMIT, submission())
    assert response.status_code == 403
    assert not Ticket.objects.exists()
    client.get(SUBMIT)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    ok = client.post(SUBMIT, {**submission(), "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def test_derive_title() -> None:
    assert derive_title("小区噪音扰民！请处理。") == "小区噪音扰民"
    assert derive_title("\n\n  第一行\n第二行") == "第一行"
    long = "一" * 40
    assert derive_title(long) == "一" * 29 + "…"


def test_photo_with_auto_dispatch(district, submission) -> None:
    """Intake may auto-dispatch the new ticket before the photo is attached."""
    from duban.dispatch.models import DispatchSettings

    DispatchSettings.objects.update_or_create(
        pk=1, defaults={"auto_dispatch": True, "auto_threshold": 0.5}
    )
    top = Category.objects.create(
        name="城乡建设", level=1, full_name="城乡建设", default_unit=district.housing
    )
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = Client().post(SUBMIT, submission(category=str(top.pk), photo=photo))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.state == "dispatched"
    events = list(ticket.events.order_by("seq"))
    assert [e.type for e in events] == ["register", "suggest", "dispatch", "attach_public"]
    assert replay(events) == ticket_replayed_fields(ticket)
    attachment = Attachment.objects.get()
    assert attachment.event == events[-1] and attachment.uploaded_by is None
    assert events[-1].from_state == events[-1].to_state == "dispatched"
    assert not events[-1].payload.get("set") and ticket.version == events[-1].seq
