"""The event vocabulary: one EventType, one payload function per type, labels and public wording.

The services, the pages and the portal all take event types from
:mod:`duban.tickets.events`; these tests check the pieces agree with each other and
with what the services actually write, and that nothing a user reads has changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.events import (
    PUBLIC_EVENT_TYPES,
    VOCABULARY,
    EventType,
    event_append,
    event_label,
    payloads,
    public_wording,
    replay,
    ticket_replayed_fields,
)
from duban.tickets.models import Ticket, TicketEvent
from duban.tickets.services.base import TABLE

E = EventType

# What the staff pages showed before the vocabulary existed (web EVENT_LABELS): unchanged.
LABELS = {
    "register": "登记",
    "dispatch": "派单",
    "direct_answer": "直办答复",
    "reassign": "改派",
    "request_exemption": "考核申诉",
    "approve_exemption": "核减通过",
    "reject_exemption": "申诉驳回",
    "accept": "签收",
    "record_contact": "联系诉求人",
    "request_return": "申请退单",
    "approve_return": "同意退单",
    "reject_return": "驳回退单",
    "sub_dispatch": "下派",
    "submit_part": "协办反馈",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "reject_extension": "驳回延期",
    "extension_lapsed": "延期申请失效",
    "reply": "答复",
    "review_pass": "审核通过",
    "review_reject": "审核退回",
    "callback": "回访",
    "rate_online": "网上评价",
    "reopen": "重办",
    "merge": "合并",
    "invalidate": "作废",
    "close_with_master": "随主工单办结",
    "urge": "催办",
    "supervise": "督办",
    "assign_leader": "领导包案",
    "escalate": "提级",
    "breach": "超时",
    "suggest": "智能推荐",
    "attach": "上传附件",
    "attach_public": "群众上传照片",
    "reveal_caller": "查看来电人信息",
}

UNIT = SimpleNamespace(pk=7, name="滨湖街道")
# Arguments for every payload function (the keys, not the values, are under test).
SAMPLES: dict[EventType, dict[str, Any]] = {
    E.REGISTER: {"channel": "phone", "kind": "appeal"},
    E.SUGGEST: {"suggestions": {"units": []}},
    E.DISPATCH: {"unit": UNIT, "co_units": [UNIT], "note": "", "auto": False},
    E.DIRECT_ANSWER: {"answer": "已解答"},
    E.REASSIGN: {"from_unit": UNIT, "unit": UNIT, "reason": "属地调整"},
    E.REQUEST_EXEMPTION: {"reason_kind": "out_of_scope", "reason": "属供电公司职责"},
    E.APPROVE_EXEMPTION: {"note": ""},
    E.REJECT_EXEMPTION: {"reason": "属本单位职责"},
    E.REQUEST_RETURN: {"reason": "非本单位职责"},
    E.APPROVE_RETURN: {"note": "", "returned_by_unit_id": 7},
    E.REJECT_RETURN: {"reason": "属地管理"},
    E.SUB_DISPATCH: {"unit": UNIT, "note": ""},
    E.SUBMIT_PART: {"text": "已配合", "unit_id": 7},
    E.ACCEPT: {},
    E.RECORD_CONTACT: {"note": ""},
    E.REQUEST_EXTENSION: {"days": 3, "reason": "需协调"},
    E.APPROVE_EXTENSION: {"note": ""},
    E.REJECT_EXTENSION: {"reason": "理由不充分"},
    E.EXTENSION_LAPSED: {"days": 2, "reason": "需协调", "cause": "reply"},
    E.REPLY: {"result": "solved", "text": "已修复", "reason": ""},
    E.REVIEW_PASS: {"note": ""},
    E.REVIEW_REJECT: {"reason": "不完整"},
    E.CALLBACK: {"reached": True, "note": "", "resolved": True, "satisfaction": "satisfied"},
    E.RATE_ONLINE: {"resolved": True, "satisfaction": "satisfied", "comment": ""},
    E.REOPEN: {"reason": "仍未解决"},
    E.MERGE: {"master_number": "20250303000001"},
    E.CLOSE_WITH_MASTER: {"master_number": "20250303000001"},
    E.INVALIDATE: {"reason": "骚扰电话"},
    E.URGE: {"note": ""},
    E.SUPERVISE: {"level": 2, "note": ""},
    E.ASSIGN_LEADER: {"leader": SimpleNamespace(pk=3), "note": ""},
    E.ESCALATE: {"reason": "多次投诉"},
    E.REVEAL_CALLER: {"reason": ""},
    E.ATTACH: {"name": "a.png", "content_type": "image/png", "size": 10},
    E.ATTACH_PUBLIC: {"name": "a.png", "content_type": "image/png", "size": 10},
    E.BREACH: {"clock": "accept", "due": datetime(2025, 3, 3, tzinfo=UTC)},
}

# Payload keys the pages read, per event type: the ticket page's details
# (``tickets.event_details``), the portal's public steps, retraining (dispatch corrections).
READ_BY_PAGES: dict[EventType, set[str]] = {
    E.DISPATCH: {"unit", "unit_name", "auto", "suggested_unit", "corrected"},
    E.DIRECT_ANSWER: {"answer"},
    E.SUB_DISPATCH: {"unit_name", "note"},
    E.SUBMIT_PART: {"text"},
    E.REQUEST_EXTENSION: {"days", "reason"},
    E.REPLY: {"result", "text", "check"},
    E.CALLBACK: {"reached", "resolved", "satisfaction", "note"},
    E.RATE_ONLINE: {"resolved", "satisfaction"},
    E.SUPERVISE: {"level", "note"},
    E.BREACH: {"clock", "due"},
}


def _keys(type: EventType, payload: dict[str, Any]) -> set[str]:
    """The keys the payload function gives for an event of this type (call-backs: two shapes)."""
    args = SAMPLES[type]
    if type == E.CALLBACK:
        args = {**args, "reached": payload.get("reached", True)}
    return set(VOCABULARY[type].payload(**args))


# -- the vocabulary on its own --------------------------------------------------------------------
def test_every_table_action_is_an_event_type() -> None:
    written = {rule.event_type(action) for action, rule in TABLE.items()}
    assert written <= set(EventType.values)
    # Written outside the state table: registration and the SLA scan.
    assert set(EventType.values) - written == {"register", "breach"}


def test_every_event_type_has_a_label_a_registry_entry_and_its_payload_function() -> None:
    assert set(VOCABULARY) == set(EventType)
    for type in EventType:
        spec = VOCABULARY[type]
        assert spec.type is type and spec.label == str(type.label) and spec.label != type.value
        assert spec.payload is getattr(payloads, type.value), type
        assert "set" not in spec.payload(**SAMPLES[type])  # transition() owns "set"


def test_labels_are_the_ones_the_pages_showed() -> None:
    from duban.web.templatetags.duban_web import event_label as event_label_filter

    assert {t.value: str(t.label) for t in EventType} == LABELS
    for value, label in LABELS.items():
        assert event_label(value) == event_label_filter(value) == label
    assert event_label("something_else") == event_label_filter("something_else") == "something_else"


def test_public_types_and_wording() -> None:
    assert {t.value for t in PUBLIC_EVENT_TYPES} == {
        "register",
        "attach_public",
        "dispatch",
        "accept",
        "record_contact",
        "reply",
        "review_pass",
        "review_reject",
        "direct_answer",
        "reassign",
        "callback",
        "rate_online",
        "reopen",
        "merge",
        "close_with_master",
        "invalidate",
    }
    assert public_wording(E.DISPATCH, unit_name="滨湖街道") == "已转交滨湖街道办理"
    assert public_wording(E.REASSIGN, unit_name="湖滨路街道") == "已改派湖滨路街道办理"
    assert public_wording(E.REPLY, "with_result", result="已解决") == "承办单位已答复（已解决）"
    assert public_wording("callback", "unreachable") == "多次回访未能联系到您，工单已办结"
    for internal in (E.URGE, E.REQUEST_EXTENSION, E.REQUEST_RETURN, E.SUGGEST, E.BREACH):
        assert VOCABULARY[internal].public is None
        with pytest.raises(KeyError):
            public_wording(internal)


def test_payload_functions_give_the_keys_the_pages_read() -> None:
    for type, keys in READ_BY_PAGES.items():
        assert keys <= set(VOCABULARY[type].payload(**SAMPLES[type])), type
    assert payloads.callback(reached=False, note="无人接听") == {
        "reached": False,
        "note": "无人接听",
    }
    dispatched = payloads.dispatch(unit=UNIT, suggested_unit_id=8)
    assert dispatched["corrected"] is True and dispatched["suggested_unit"] == 8
    assert payloads.dispatch(unit=UNIT, suggested_unit_id=7)["corrected"] is False
    assert payloads.dispatch(unit=UNIT)["corrected"] is False


# -- what the services write ---------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("现场.png", PNG, content_type="image/png")


def _every_kind_of_event(p: SimpleNamespace, now: datetime) -> list[Ticket]:
    """Tickets whose histories hold every event type, written by the real services."""
    h = timedelta(hours=1)
    closed = f.closed(p=p, now=now)
    closed = s.ticket_reopen(ticket=closed, actor=p.dispatcher, now=now + 60 * h, reason="仍未解决")

    busy = f.accepted(p=p, now=now)
    steps = [
        lambda t, at: s.ticket_urge(ticket=t, actor=p.supervisor, now=at, note="请加快"),
        lambda t, at: s.ticket_supervise(ticket=t, actor=p.supervisor, now=at, level=2),
        lambda t, at: s.ticket_assign_leader(ticket=t, actor=p.supervisor, now=at, leader=p.leader),
        lambda t, at: s.ticket_escalate(ticket=t, actor=p.supervisor, now=at, reason="多次投诉"),
        lambda t, at: s.ticket_request_extension(
            ticket=t, actor=p.street_handler, now=at, days=2, reason="需协调"
        ),
        lambda t, at: s.ticket_approve_extension(ticket=t, actor=p.dispatcher, now=at),
        lambda t, at: s.ticket_request_extension(
            ticket=t, actor=p.street_handler, now=at, days=1, reason="再协调"
        ),
        lambda t, at: s.ticket_reject_extension(
            ticket=t, actor=p.dispatcher, now=at, reason="理由不充分"
        ),
        lambda t, at: s.ticket_sub_dispatch(
            ticket=t, actor=p.street_handler, now=at, unit=p.district.dongliu
        ),
        lambda t, at: s.ticket_submit_part(
            ticket=t, actor=p.village_handler, now=at, text="村里已修好路灯"
        ),
        # Still pending at the reply: it lapses (extension_lapsed).
        lambda t, at: s.ticket_request_extension(
            ticket=t, actor=p.street_handler, now=at, days=1, reason="等材料"
        ),
        lambda t, at: s.ticket_reply(
            ticket=t, actor=p.street_handler, now=at, result="solved", text="已修复。"
        ),
        lambda t, at: s.ticket_review_reject(ticket=t, actor=p.dispatcher, now=at, reason="不全"),
        lambda t, at: s.ticket_reply(
            ticket=t, actor=p.street_handler, now=at, result="partly", text="已部分修复。"
        ),
        lambda t, at: s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=at),
        lambda t, at: s.ticket_callback(ticket=t, actor=p.dispatcher, now=at, reached=False),
        lambda t, at: s.ticket_callback(
            ticket=t,
            actor=p.dispatcher,
            now=at,
            reached=True,
            resolved=False,
            satisfaction="unsatisfied",
            reopen=True,
        ),
    ]
    at = now + 2 * h
    for step in steps:
        at += h
        busy = step(busy, at)
    s.ticket_attach(ticket=busy, actor=p.street_handler, now=at + h, upload=_png())
    s.ticket_reveal_caller(ticket=busy, actor=p.street_handler, now=at + 2 * h, reason="回电")

    returned = f.dispatched(p=p, now=now)
    for step in [
        lambda t, at: s.ticket_request_return(
            ticket=t, actor=p.street_handler, now=at, reason="非本单位职责"
        ),
        lambda t, at: s.ticket_reject_return(ticket=t, actor=p.dispatcher, now=at, reason="属地"),
        lambda t, at: s.ticket_request_return(
            ticket=t, actor=p.street_handler, now=at, reason="仍非本单位"
        ),
        lambda t, at: s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=at),
    ]:
        returned = step(returned, now + 2 * h)

    rated = f.reviewed(p=p, now=now)
    assert rated.caller is not None
    rated = s.ticket_rate_online(
        ticket=rated,
        now=now + 40 * h,
        phone=rated.caller.phone,
        resolved=True,
        satisfaction="basic",
    )

    master = f.registered(actor=None, now=now, channel="web")
    s.ticket_attach(ticket=master, actor=None, now=now, upload=_png())
    duplicate = f.registered(actor=p.operator, now=now)
    s.ticket_merge(ticket=duplicate, actor=p.operator, now=now + h, master=master)
    s.ticket_direct_answer(ticket=master, actor=p.operator, now=now + 2 * h, answer="已解答。")

    invalid = s.ticket_invalidate(
        ticket=f.registered(actor=p.operator, now=now), actor=p.operator, now=now, reason="骚扰"
    )
    late = f.dispatched(p=p, now=now)
    contested = f.dispatched(p=p, now=now)
    for step in [
        lambda t, at: s.ticket_request_exemption(
            ticket=t, actor=p.street_handler, now=at, reason_kind="other", reason="重复诉求"
        ),
        lambda t, at: s.ticket_reject_exemption(
            ticket=t, actor=p.dispatcher, now=at, reason="属本单位职责"
        ),
        lambda t, at: s.ticket_request_exemption(
            ticket=t, actor=p.street_handler, now=at, reason_kind="out_of_scope", reason="供电"
        ),
        lambda t, at: s.ticket_approve_exemption(ticket=t, actor=p.dispatcher, now=at),
    ]:
        contested = step(contested, now + h)
    s.ticket_reassign(
        ticket=f.dispatched(p=p, now=now),
        actor=p.dispatcher,
        now=now + h,
        unit=p.district.hubin,
        reason="属地调整",
    )
    s.sla_tick(now=now + timedelta(days=30))
    return [closed, busy, returned, rated, master, duplicate, invalid, late, contested]


@pytest.mark.django_db
def test_services_write_every_type_with_its_payload_functions_keys_and_replay_holds(p, now):
    tickets = _every_kind_of_event(p, now)
    seen: set[str] = set()
    for event in TicketEvent.objects.order_by("ticket_id", "seq"):
        type = EventType(event.type)  # every stored type is in the vocabulary
        seen.add(type.value)
        assert set(event.payload) - {"set"} == _keys(type, event.payload), event
        if type in TABLE or type == E.REGISTER:
            assert "set" in event.payload, event  # what replay folds
    assert seen == set(EventType.values)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert replay(ticket.events.order_by("seq")) == ticket_replayed_fields(ticket), ticket


@pytest.mark.django_db
def test_event_append_refuses_a_type_outside_the_vocabulary(p, now):
    ticket = f.registered(actor=p.operator, now=now)
    with pytest.raises(ValueError):
        event_append(
            ticket=ticket, type="teleport", actor=None, at=now, from_state=ticket.state, payload={}
        )


def test_portal_steps_keep_their_wording() -> None:
    """The portal's steps read the vocabulary and say exactly what they said before."""
    from duban.portal.selectors import public_steps

    def ev(type: str, to_state: str = "", **payload: Any) -> Any:
        return SimpleNamespace(type=type, at=None, to_state=to_state, payload=payload)

    events = [
        ev("register"),
        ev("attach_public"),
        ev("dispatch", unit_name="滨湖街道"),
        ev("dispatch"),
        ev("accept"),
        ev("record_contact"),
        ev("reply", result="solved", text="第一次答复"),
        ev("review_reject"),
        ev("reply", result="partly", text="已部分修复"),
        ev("review_pass"),
        ev("callback", reached=False),
        ev("callback", "closed", reached=False),
        ev("callback", reached=True, resolved=True, satisfaction="satisfied"),
        ev("rate_online", resolved=False, satisfaction="unsatisfied"),
        ev("reopen"),
        ev("direct_answer", answer="已电话解答"),
        ev("merge"),
        ev("close_with_master"),
        ev("invalidate"),
        ev("urge", note="内部催办"),
        ev("reply", result="", text="未审核的答复"),
    ]
    assert [(s.label, s.detail) for s in public_steps(events)] == [
        ("诉求已受理登记", ""),
        ("已上传现场照片", ""),
        ("已转交滨湖街道办理", ""),
        ("已转交承办单位办理", ""),
        ("承办单位已签收，开始办理", ""),
        ("承办单位已与您联系", ""),
        ("承办单位已答复（部分解决）", "已部分修复"),
        ("答复已审核，欢迎您评价办理结果", ""),
        ("多次回访未能联系到您，工单已办结", ""),
        ("已电话回访", "已解决，满意"),
        ("您已网上评价", "未解决，不满意"),
        ("重新办理", ""),
        ("已直接答复", "已电话解答"),
        ("已与相同诉求合并办理", ""),
        ("相同诉求已办结，本工单一并办结", ""),
        ("经审核，不予受理", ""),
        ("承办单位已答复", ""),
    ]


def test_the_ticket_pages_detail_keys_are_payload_keys() -> None:
    from duban.tickets.event_details import PAYLOAD_LABELS

    produced = set().union(*(set(VOCABULARY[t].payload(**SAMPLES[t])) for t in EventType))
    assert set(PAYLOAD_LABELS) <= produced
