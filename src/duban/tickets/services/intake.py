"""Registering new tickets: numbering, callers, idempotent retries."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F

from duban.org.models import Role, User

from ..choices import AppealType, Channel, Kind, State, Urgency
from ..errors import IdempotencyMismatch, InvalidInput, PermissionDenied
from ..events import event_append
from ..models import Caller, IdempotencyKey, Ticket, TicketSequence
from .base import check_text

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Which roles may register which kinds of ticket.
REGISTER_ROLES: dict[str, frozenset[str]] = {
    Kind.APPEAL: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_HEAD}),
    Kind.ENTERPRISE: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SERVICE_OFFICER}),
    Kind.INSPECTION: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR}),
    Kind.PROJECT: frozenset({Role.OPERATOR, Role.DISPATCHER, Role.PROJECT_REPORTER, Role.LEADER}),
}


def normalise_phone(phone: str) -> str:
    phone = re.sub(r"[\s()]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput("电话号码格式不正确 / invalid phone number", field="caller_phone")
    return phone


def check_id_number(value: str) -> str:
    value = (value or "").strip().upper()
    if not value:
        return ""
    if not ID_RE.match(value):
        raise InvalidInput("身份证号格式不正确 / invalid ID number", field="caller_id_number")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise InvalidInput(
            "身份证号校验位错误 / ID number checksum mismatch", field="caller_id_number"
        )
    return value


def next_number(now: datetime) -> str:
    """YYYYMMDD + six-digit daily sequence: unique and sortable."""
    day = now.astimezone(LOCAL_TZ).date()
    TicketSequence.objects.get_or_create(day=day)
    TicketSequence.objects.filter(day=day).update(last=F("last") + 1)
    last = TicketSequence.objects.values_list("last", flat=True).get(day=day)
    return f"{day:%Y%m%d}{last:06d}"


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"「{field}」取值无效：{value} / invalid {field}", field=field)
    return value


def _digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@transaction.atomic
def ticket_register(
    *,
    actor: User | None,
    now: datetime,
    title: str,
    content: str,
    appeal_type: str,
    channel: str,
    kind: str = Kind.APPEAL,
    urgency: str = Urgency.NORMAL,
    location: str = "",
    category_id: int | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    caller_id_number: str = "",
    idempotency_key: str | None = None,
) -> Ticket:
    """Register a new ticket (state ``registered``). ``actor=None`` is a citizen via the portal."""
    kind = _choice(kind, Kind, "kind")
    if actor is not None and actor.role not in REGISTER_ROLES[kind]:
        raise PermissionDenied("当前角色无权登记该类工单 / your role may not register this kind")
    if actor is None and channel not in (Channel.WEB, Channel.MINI_PROGRAM, Channel.MESSAGE_BOARD):
        raise PermissionDenied(
            "匿名提交仅限网上渠道 / anonymous submissions only via online channels"
        )
    fields = {
        "kind": kind,
        "appeal_type": _choice(appeal_type, AppealType, "appeal_type"),
        "channel": _choice(channel, Channel, "channel"),
        "urgency": _choice(urgency, Urgency, "urgency"),
        "title": check_text(title, field="title", limit=200),
        "content": check_text(content, field="content"),
        "location": check_text(location, field="location", required=False, limit=200),
    }
    phone = normalise_phone(caller_phone)
    id_number = check_id_number(caller_id_number)
    name = check_text(caller_name, field="caller_name", required=False, limit=50)
    if category_id is not None:
        from duban.dispatch.models import Category

        if not Category.objects.filter(pk=category_id, is_active=True).exists():
            raise InvalidInput("分类不存在 / unknown category", field="category_id")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 100:
        raise InvalidInput(
            "幂等键长度应为 1–100 个字符 / Idempotency-Key must be 1-100 characters",
            field="idempotency_key",
        )
    if idempotency_key and actor is not None:
        digest = _digest(
            {**fields, "category_id": category_id, "phone": phone, "name": name, "id": id_number}
        )
        previous = (
            IdempotencyKey.objects.filter(user=actor, key=idempotency_key)
            .select_related("ticket")
            .first()
        )
        if previous is not None:
            if previous.request_digest != digest:
                raise IdempotencyMismatch(
                    "同一幂等键对应了不同的请求 / Idempotency-Key reused for a different request"
                )
            return previous.ticket
    caller = None
    if phone or name or id_number:
        caller = Caller.objects.create(name=name, phone=phone, id_number=id_number, created_at=now)
    ticket = Ticket.objects.create(
        number=next_number(now),
        caller=caller,
        category_id=category_id,
        registered_by=actor,
        created_at=now,
        state=State.REGISTERED,
        **fields,
    )
    event_append(
        ticket=ticket,
        type="register",
        actor=actor,
        at=now,
        from_state="",
        payload={"channel": ticket.channel, "kind": kind, "set": {"state": State.REGISTERED}},
    )
    from duban.dispatch.intake import analyse_new_ticket

    ticket = analyse_new_ticket(ticket=ticket, actor=actor, now=now)
    if idempotency_key and actor is not None:
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user=actor,
                    key=idempotency_key,
                    request_digest=digest,
                    ticket=ticket,
                    created_at=now,
                )
        except IntegrityError as exc:  # a concurrent retry won the race
            raise IdempotencyMismatch(
                "重复提交正在处理中 / a retry of this request is in progress"
            ) from exc
    return ticket
