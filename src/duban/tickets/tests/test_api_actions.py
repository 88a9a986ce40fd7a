"""Every action endpoint once on its happy path, through the HTTP API with a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords, recent  # noqa: F401
from duban.tickets import services as s
from duban.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def return_pending(p: SimpleNamespace, now: Any) -> Ticket:
    t = f.dispatched(p=p, now=now)
    return s.ticket_request_return(
        ticket=t, actor=p.street_handler, now=now + timedelta(minutes=10), reason="不属于本街道"
    )


def extension_pending(p: SimpleNamespace, now: Any) -> Ticket:
    t = f.accepted(p=p, now=now)
    return s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=now + timedelta(minutes=40), days=3, reason="需协调"
    )


def sub_dispatched(p: SimpleNamespace, now: Any) -> Ticket:
    t = f.accepted(p=p, now=now)
    return s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=now + timedelta(minutes=40), unit=p.district.dongliu
    )


def registered(p: SimpleNamespace, now: Any) -> Ticket:
    return f.registered(actor=p.operator, now=now)


def state(name: str) -> Callable[[SimpleNamespace, Any], Ticket]:
    return {
        "registered": registered,
        "dispatched": lambda p, now: f.dispatched(p=p, now=now),
        "accepted": lambda p, now: f.accepted(p=p, now=now),
        "replied": lambda p, now: f.replied(p=p, now=now),
        "reviewed": lambda p, now: f.reviewed(p=p, now=now),
        "closed": lambda p, now: f.closed(p=p, now=now),
        "return_pending": return_pending,
        "extension_pending": extension_pending,
        "sub_dispatched": sub_dispatched,
    }[name]


# (action path, prepared state, actor, body, expected state, event type, extra check)
CASES: list[tuple[str, str, str, dict[str, Any] | None, str, str, Callable[[dict], bool]]] = [
    (
        "dispatch",
        "registered",
        "operator",
        {"unit": "t-binhu", "co_units": ["t-housing"], "note": "请办理"},
        "dispatched",
        "dispatch",
        lambda d: (
            d["primary_unit"]["code"] == "t-binhu"
            and [u["code"] for u in d["co_units"]] == ["t-housing"]
        ),
    ),
    (
        "direct-answer",
        "registered",
        "operator",
        {"answer": "已电话解释政策。", "result": "explained"},
        "closed",
        "direct_answer",
        lambda d: d["reply_text"] == "已电话解释政策。",
    ),
    ("accept", "dispatched", "street_handler", None, "accepted", "accept", lambda d: True),
    (
        "contact",
        "accepted",
        "street_handler",
        {"note": "已电话联系"},
        "accepted",
        "record_contact",
        lambda d: d["first_contact_at"] is not None,
    ),
    (
        "return-request",
        "dispatched",
        "street_handler",
        {"reason": "不属于本街道"},
        "return_pending",
        "request_return",
        lambda d: True,
    ),
    (
        "return-approve",
        "return_pending",
        "dispatcher",
        {"note": "改派"},
        "registered",
        "approve_return",
        lambda d: d["primary_unit"] is None and d["return_count"] == 1,
    ),
    (
        "return-reject",
        "return_pending",
        "dispatcher",
        {"reason": "属地管理"},
        "dispatched",
        "reject_return",
        lambda d: d["primary_unit"]["code"] == "t-binhu",
    ),
    (
        "sub-dispatch",
        "accepted",
        "street_handler",
        {"unit": "t-dongliu", "note": "请村里处理"},
        "accepted",
        "sub_dispatch",
        lambda d: (
            d["handling_unit"]["code"] == "t-dongliu"
            and [u["code"] for u in d["sub_units"]] == ["t-dongliu"]
        ),
    ),
    (
        "submit-part",
        "sub_dispatched",
        "village_handler",
        {"text": "已更换灯泡"},
        "accepted",
        "submit_part",
        lambda d: True,
    ),
    (
        "extension-request",
        "accepted",
        "street_handler",
        {"days": 3, "reason": "需协调供电公司"},
        "accepted",
        "request_extension",
        lambda d: d["deadlines"]["extension_pending_days"] == 3,
    ),
    (
        "extension-approve",
        "extension_pending",
        "dispatcher",
        {"note": "同意"},
        "accepted",
        "approve_extension",
        lambda d: d["deadlines"]["extension_days"] == 3,
    ),
    (
        "extension-reject",
        "extension_pending",
        "dispatcher",
        {"reason": "理由不足"},
        "accepted",
        "reject_extension",
        lambda d: (
            d["deadlines"]["extension_days"] == 0 and d["deadlines"]["extension_pending_days"] == 0
        ),
    ),
    (
        "review-pass",
        "replied",
        "dispatcher",
        {"note": "答复规范"},
        "reviewed",
        "review_pass",
        lambda d: d["deadlines"]["callback_due"] is not None,
    ),
    (
        "review-reject",
        "replied",
        "dispatcher",
        {"reason": "未说明处理结果"},
        "accepted",
        "review_reject",
        lambda d: True,
    ),
    (
        "callback",
        "reviewed",
        "dispatcher",
        {"reached": True, "resolved": True, "satisfaction": "satisfied", "note": "满意"},
        "closed",
        "callback",
        lambda d: d["resolved"] is True and d["satisfaction"] == "satisfied",
    ),
    (
        "reopen",
        "closed",
        "dispatcher",
        {"reason": "群众反映仍未解决"},
        "reopened",
        "reopen",
        lambda d: d["reopen_count"] == 1,
    ),
    (
        "invalidate",
        "registered",
        "operator",
        {"reason": "骚扰电话"},
        "invalid",
        "invalidate",
        lambda d: d["invalid_reason"] == "骚扰电话",
    ),
    (
        "urge",
        "dispatched",
        "supervisor",
        {"note": "请尽快办理"},
        "dispatched",
        "urge",
        lambda d: d["urge_count"] == 1,
    ),
    (
        "supervise",
        "dispatched",
        "supervisor",
        {"level": 2, "note": "重点督办"},
        "dispatched",
        "supervise",
        lambda d: d["supervise_level"] == 2,
    ),
    (
        "assign-leader",
        "dispatched",
        "supervisor",
        {"leader": "leader"},
        "dispatched",
        "assign_leader",
        lambda d: d["leader"] == "leader",
    ),
    (
        "escalate",
        "dispatched",
        "supervisor",
        {"reason": "多次投诉"},
        "dispatched",
        "escalate",
        lambda d: d["escalated"] is True,
    ),
]


@pytest.mark.parametrize(
    ("path", "prepared", "actor", "body", "expected", "event", "check"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_action_happy_path(p, path, prepared, actor, body, expected, event, check):
    ticket = state(prepared)(p, recent())
    before = ticket.events.count()
    response = client_for(getattr(p, actor)).post(f"/tickets/{ticket.number}/{path}", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    ticket.refresh_from_db()
    assert data["state"] == ticket.state == expected
    assert data["version"] == ticket.version
    assert check(data), data
    events = list(ticket.events.order_by("seq"))
    assert len(events) == before + 1
    assert events[-1].type == event and events[-1].actor == getattr(p, actor)


def test_merge_into_master(p):
    master = registered(p, recent())
    duplicate = registered(p, recent())
    response = client_for(p.operator).post(
        f"/tickets/{duplicate.number}/merge", {"master": master.number}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "merged" and response.json()["master"] == master.number
    duplicate.refresh_from_db()
    assert duplicate.master_id == master.pk
    assert duplicate.events.order_by("-seq").values_list("type", flat=True)[0] == "merge"


def test_expected_version_in_body_and_if_match(p):
    ticket = f.dispatched(p=p, now=recent())
    client = client_for(p.street_handler)
    ok = client.post(f"/tickets/{ticket.number}/accept", {"expected_version": ticket.version})
    assert ok.status_code == 200 and ok.json()["version"] == ticket.version + 1
    ok = client.post(
        f"/tickets/{ticket.number}/contact",
        {"note": "已联系"},
        **{"If-Match": f'"{ticket.version + 1}"'},
    )
    assert ok.status_code == 200 and ok.json()["version"] == ticket.version + 2


def upload(client: Any, number: str, content: bytes, name: str, content_type: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.client.post(f"/api/v1/tickets/{number}/attachments", {"file": file})


def test_upload_evidence_then_reply_with_it(p, tmp_var_dir):
    ticket = f.accepted(p=p, now=recent())
    client = client_for(p.street_handler)
    response = upload(client, ticket.number, PNG, "现场照片.png", "image/png")
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert (attachment.ticket, attachment.uploaded_by) == (ticket, p.street_handler)
    assert attachment.size == len(PNG) and attachment.content_type == "image/png"
    assert attachment.name == "现场照片.png"
    assert attachment.file.read() == PNG

    response = client.post(
        f"/tickets/{ticket.number}/reply",
        {"result": "solved", "text": "已更换路灯，附现场照片。", "attachment_ids": [attachment.pk]},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "replied"
    event = ticket.events.order_by("-seq")[0]
    assert event.type == "reply" and event.payload["attachments"] == [attachment.pk]


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (b"MZ\x90\x00 not an image", "virus.exe", "application/octet-stream"),
        (b"MZ\x90\x00 disguised", "photo.png", "image/png"),
        (b"", "empty.pdf", "application/pdf"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "huge.pdf", "application/pdf"),
    ],
    ids=["wrong-type", "wrong-magic", "empty", "over-10mb"],
)
def test_upload_rejects_bad_files(p, tmp_var_dir, content, name, content_type):
    ticket = f.accepted(p=p, now=recent())
    response = upload(client_for(p.street_handler), ticket.number, content, name, content_type)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"
    assert response.json()["details"]["field"] == "file"
    assert not Attachment.objects.exists()


def test_upload_needs_a_file(p):
    ticket = f.accepted(p=p, now=recent())
    response = client_for(p.street_handler).client.post(
        f"/api/v1/tickets/{ticket.number}/attachments", {}
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"


def test_reply_with_attachment_of_another_ticket_is_refused(p, tmp_var_dir):
    mine = f.accepted(p=p, now=recent())
    other = f.accepted(p=p, now=recent())
    client = client_for(p.street_handler)
    attachment_id = upload(client, other.number, PNG, "a.png", "image/png").json()["id"]
    response = client.post(
        f"/tickets/{mine.number}/reply",
        {"result": "solved", "text": "已处理", "attachment_ids": [attachment_id]},
    )
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "attachment_ids"
    mine.refresh_from_db()
    assert mine.state == "accepted"
