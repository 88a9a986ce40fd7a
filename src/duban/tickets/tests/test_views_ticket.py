"""The ticket page: visibility, masking, deadlines, timeline and actions through the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Attachment, TicketEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def recent():
    return timezone.now() - timedelta(hours=2)


def test_ticket_page_for_the_unit_and_404_for_another_street(p, recent):
    t = f.accepted(p=p, now=recent)
    page = signed_in(p.street_handler).get(f"/tickets/{t.number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert t.title in html and "办理中" in html
    assert "签收" in html and "登记" in html  # timeline
    assert "已完成" in html  # accept deadline met
    assert "张*" in html and "张三" not in html  # caller masked for a handler
    assert "查看完整信息" in html
    assert signed_in(p.other_street_handler).get(f"/tickets/{t.number}/").status_code == 404
    assert signed_in(p.street_handler).get("/tickets/not-a-number/").status_code == 404


def test_operator_sees_the_caller_in_full(p, recent):
    t = f.registered(actor=p.operator, now=recent)
    html = signed_in(p.operator).get(f"/tickets/{t.number}/").content.decode()
    # Name and phone in full; the ID number only after a reveal with a reason.
    assert "张三" in html and "查看完整信息" in html


def test_unmask_shows_details_and_is_recorded_as_an_event(p, recent):
    t = f.accepted(p=p, now=recent)
    reason = {"reason": "回电核实"}
    response = signed_in(p.street_handler).post(f"/tickets/{t.number}/caller/", reason)
    assert "张三" in response.content.decode()
    reveal = TicketEvent.objects.get(ticket=t, type="reveal_caller")
    assert reveal.actor == p.street_handler
    assert signed_in(p.leader).post(f"/tickets/{t.number}/caller/", reason).status_code == 403
    other = signed_in(p.other_street_handler).post(f"/tickets/{t.number}/caller/", reason)
    assert other.status_code == 404


def test_accept_from_the_ticket_page_redirects_with_a_message(p, recent):
    t = f.dispatched(p=p, now=recent)
    client = signed_in(p.street_handler)
    response = client.post(f"/tickets/{t.number}/act/accept/", {"expected_version": t.version})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{t.number}/"
    assert "签收成功" in client.get(response["Location"]).content.decode()
    t.refresh_from_db()
    assert t.state == "accepted"


def test_stale_version_on_the_page_shows_notice_and_changes_nothing(p, recent):
    t = f.accepted(p=p, now=recent)
    old = t.version
    s.ticket_record_contact(ticket=t, actor=p.street_head, now=recent + timedelta(minutes=5))
    t.refresh_from_db()
    response = signed_in(p.street_handler).post(
        f"/tickets/{t.number}/act/request_extension/",
        {"expected_version": old, "days": "3", "reason": "需协调施工单位"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被他人更新" in html and "需协调施工单位" in html
    t.refresh_from_db()
    assert t.extension_pending_days == 0


def test_domain_error_is_readable_and_keeps_input(p, recent):
    t = f.accepted(p=p, now=recent)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_head, now=recent + timedelta(minutes=5), days=2, reason="先申请"
    )
    response = signed_in(p.street_handler).post(
        f"/tickets/{t.number}/act/request_extension/",
        {"expected_version": t.version, "days": "3", "reason": "工程量大"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "已有待审批的延期申请" in html and "工程量大" in html
    t.refresh_from_db()
    assert t.extension_pending_days == 2


def test_invalid_form_answers_422_with_field_errors(p, recent):
    t = f.accepted(p=p, now=recent)
    response = signed_in(p.street_handler).post(
        f"/tickets/{t.number}/act/request_return/", {"expected_version": t.version, "reason": ""}
    )
    assert response.status_code == 422 and "这个字段是必填项" in response.content.decode()


def test_wrong_role_gets_a_readable_refusal_not_500(p, recent):
    t = f.dispatched(p=p, now=recent)
    response = signed_in(p.supervisor).post(
        f"/tickets/{t.number}/act/accept/", {"expected_version": t.version}
    )
    assert response.status_code == 403
    assert "当前角色无权执行该操作" in response.content.decode()


def test_reply_with_photo_evidence(p, recent):
    t = f.accepted(p=p, now=recent)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    client = signed_in(p.street_handler)
    response = client.post(
        f"/tickets/{t.number}/act/reply/",
        {
            "expected_version": t.version,
            "result": "solved",
            "text": "已更换路灯，恢复照明。",
            "evidence": [photo],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response.get("HX-Refresh") == "true"
    t.refresh_from_db()
    assert t.state == "replied"
    attachment = Attachment.objects.get(ticket=t)
    event = TicketEvent.objects.get(ticket=t, type="reply")
    assert event.payload["attachments"] == [attachment.pk]
    download = client.get(f"/tickets/{t.number}/files/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"


def test_reply_rejects_large_or_wrong_files(p, recent):
    t = f.accepted(p=p, now=recent)
    text = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = signed_in(p.street_handler).post(
        f"/tickets/{t.number}/act/reply/",
        {"expected_version": t.version, "result": "solved", "text": "答复", "evidence": [text]},
    )
    assert response.status_code == 422 and "只能上传图片或 PDF" in response.content.decode()
    assert not Attachment.objects.filter(ticket=t).exists()


def test_merged_ticket_shows_its_master(p, recent):
    master = f.registered(actor=p.operator, now=recent)
    dup = s.ticket_merge(
        ticket=f.registered(actor=p.operator, now=recent),
        actor=p.operator,
        now=recent,
        master=master,
    )
    client = signed_in(p.operator)
    assert master.number in client.get(f"/tickets/{dup.number}/").content.decode()
    assert dup.number in client.get(f"/tickets/{master.number}/").content.decode()


def test_sub_dispatched_village_reports_its_part_but_does_not_reply(p, recent):
    t = f.accepted(p=p, now=recent)
    t = s.ticket_sub_dispatch(ticket=t, actor=p.street_handler, now=recent, unit=p.district.dongliu)
    client = signed_in(p.village_handler)
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert "上报办理情况" in page and "/act/reply/" not in page
    response = client.post(
        f"/tickets/{t.number}/act/submit_part/",
        {"expected_version": t.version, "text": "已修复村内路灯"},
    )
    assert response.status_code == 302
    assert t.assignments.get(role="sub").status == "contributed"


def test_weak_reply_is_flagged_for_the_reviewing_centre(p, recent):
    t = f.accepted(p=p, now=recent)
    t = s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=recent,
        result="explained",
        text="您好，已转相关部门。",
    )
    assert t.reply_check["weak"] is True and t.reply_check["reasons"]
    assert TicketEvent.objects.get(ticket=t, type="reply").payload["check"] == t.reply_check
    page = signed_in(p.dispatcher).get(f"/tickets/{t.number}/").content.decode()
    assert "答复质量存疑" in page
    good = f.accepted(
        p=p, now=recent, title="东留村路灯不亮", content="东留村主街路灯坏了一周，晚上出行不便。"
    )
    good = s.ticket_reply(
        ticket=good,
        actor=p.street_handler,
        now=recent,
        result="solved",
        text="经核实，东留村主街路灯线路老化，街道已安排电工更换线路和灯具，路灯已于当日恢复照明。",
    )
    assert good.reply_check["weak"] is False
