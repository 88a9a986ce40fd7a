"""Intake in one place: register a ticket, store what the intelligence suggests, auto-dispatch.

``ticket_register`` stores the caller apart, gives the ticket its district, asks the
installed intelligence (``tickets.intelligence``) for suggestions, numbers the ticket,
writes the ``register`` event, stores the text's duplicate keys and the suggestions
through ``transition()`` (the ``suggest`` rule), and — when the intelligence names a
confident unit and auto-dispatch is on — dispatches through ``ticket_dispatch`` in the
engine's own name (the ``auto_dispatch`` rule). All in one transaction, with
idempotent retries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction

from duban.core.errors import DomainError
from duban.org.models import Unit, User

from .. import intelligence, modules
from ..choices import AppealType, Channel, Kind, State, Urgency
from ..errors import IdempotencyInProgress, IdempotencyMismatch, InvalidInput, PermissionDenied
from ..events import EventType, event_append, payloads
from ..models import Caller, DuplicateKey, IdempotencyKey, Ticket, TicketSequence
from ..rules import ONLINE_CHANNELS
from .attachments import ticket_attach
from .base import check_text, transition
from .dispatching import ticket_direct_answer, ticket_dispatch

log = logging.getLogger("duban.tickets")
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# The note of the engine's own dispatch at intake.
AUTO_DISPATCH_NOTE = "智能派单（置信度达到阈值）"


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
    """YYYYMMDD + six-digit daily sequence: unique and sortable.

    One statement (an upsert that returns the new value; PostgreSQL and SQLite ≥ 3.35).
    It locks the day's counter row until the transaction ends, so every other intake of
    the day waits from here to the commit: take the number last (``ticket_register``).
    """
    day = now.astimezone(LOCAL_TZ).date()
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [connection.ops.adapt_datefield_value(day)],
        )
        (last,) = cursor.fetchone()
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
    district: Unit | None = None,
    auto_dispatch: bool = True,
) -> Ticket:
    """Register a new ticket (state ``registered``). ``actor=None`` is a citizen via the portal.

    The ticket belongs to the registering user's district; a portal submission names the
    portal's ``district`` (or the installation's only district).
    """
    kind = _choice(kind, Kind, "kind")
    if (refusal := register_refusal(actor=actor, kind=kind, channel=channel)) is not None:
        raise refusal
    district_id = _district_id(actor, district)
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
        catalogue = Ticket._meta.get_field("category").related_model._default_manager
        if not catalogue.filter(pk=category_id, is_active=True).exists():
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
                raise _mismatch()
            return previous.ticket
    caller = None
    if phone or name or id_number:
        caller = Caller.build(name=name, phone=phone, id_number=id_number, created_at=now)
        caller.save(force_insert=True)
    ticket = Ticket(
        caller=caller,
        category_id=category_id,
        district_id=district_id,
        registered_by=actor,
        created_at=now,
        state=State.REGISTERED,
        **fields,
    )
    # The intelligence reads (duplicates, repeat caller, the models) before the ticket takes
    # its number: from the number to the commit every other intake of the day waits on the
    # counter row, so only the writes happen in that stretch (docs/scale.md, intake).
    brain = intelligence.current()
    keys = brain.fingerprint(title=ticket.title, content=ticket.content)
    analysis = brain.analyse(ticket=ticket, keys=keys, now=now)
    ticket.number = next_number(now)
    ticket.save(force_insert=True)
    event = event_append(
        ticket=ticket,
        type=EventType.REGISTER,
        actor=actor,
        at=now,
        from_state="",
        payload={
            **payloads.register(channel=ticket.channel, kind=kind),
            "set": {"state": State.REGISTERED},
        },
    )
    modules.after_event(ticket=ticket, event=event, actor=actor, now=now)
    ticket = _store_and_route(
        ticket=ticket, keys=keys, analysis=analysis, now=now, auto_dispatch=auto_dispatch
    )
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
        except IntegrityError as exc:
            # A concurrent request with the same key stored it first (PostgreSQL waits for
            # that transaction, so its row is readable now): this one is undone.
            raise _concurrent_use(actor=actor, key=idempotency_key, digest=digest) from exc
    return ticket


def _mismatch() -> IdempotencyMismatch:
    return IdempotencyMismatch(
        "同一幂等键对应了不同的请求 / Idempotency-Key reused for a different request"
    )


def _concurrent_use(*, actor: User, key: str, digest: str) -> DomainError:
    """The error for a request that lost the race for its key: a different body is the
    same mismatch as a late reuse (422); an identical retry is ``idempotency_in_progress``
    (409) — retried shortly, it returns the winner's ticket."""
    winner = (
        IdempotencyKey.objects.filter(user=actor, key=key)
        .values_list("request_digest", flat=True)
        .first()
    )
    if winner is not None and winner != digest:
        return _mismatch()
    return IdempotencyInProgress(
        "重复提交正在处理中，请稍后重试 / a request with this Idempotency-Key is in progress; "
        "retry shortly"
    )


def register_refusal(*, actor: User | None, kind: str, channel: str) -> DomainError | None:
    """Why ``actor`` may not register a ticket of ``kind`` by ``channel``: a user needs one of
    the kind's register roles; the public (no user) submits only through the online channels."""
    if actor is not None:
        if not actor.has_role(modules.for_kind(kind).register_roles):
            return PermissionDenied(
                "当前角色无权登记该类工单 / your role may not register this kind"
            )
    elif channel not in ONLINE_CHANNELS:
        return PermissionDenied(
            "匿名提交仅限网上渠道 / anonymous submissions only via online channels"
        )
    return None


def _district_id(actor: User | None, district: Unit | None) -> int:
    """The district a new ticket belongs to: the actor's, else the given one, else the only one.

    The actor's is read off their unit's path, which always starts at its district's id
    (no query: intake reads it on every ticket)."""
    if actor is not None:
        if actor.unit is None:
            raise PermissionDenied("用户未归属单位 / user has no unit")
        return actor.unit.district_pk
    if district is not None:
        if district.parent_id is not None or not district.is_active:
            raise InvalidInput("所属区无效 / not a district", field="district")
        return district.pk
    roots = list(Unit.objects.filter(parent__isnull=True, is_active=True)[:2])
    if len(roots) != 1:
        raise InvalidInput(
            "请指明工单所属的区 / several districts: name the ticket's district",
            field="district",
        )
    return roots[0].pk


def _store_and_route(
    *,
    ticket: Ticket,
    keys: list[int],
    analysis: intelligence.Analysis,
    now: datetime,
    auto_dispatch: bool,
) -> Ticket:
    """Store the duplicate keys and the suggestions; auto-dispatch when the intelligence says so
    (and the registering user has not routed the ticket themselves: ``auto_dispatch``)."""
    DuplicateKey.objects.bulk_create(
        [DuplicateKey(ticket=ticket, key=key, created_at=now) for key in keys]
    )
    ticket = transition(
        ticket=ticket,
        actor=None,
        now=now,
        action=EventType.SUGGEST,
        changes={"suggestions": analysis.suggestions},
        payload=payloads.suggest(suggestions=analysis.suggestions),
        inserted=True,
    )
    if analysis.auto_unit_id is None or not auto_dispatch:
        return ticket
    unit = Unit.objects.filter(pk=analysis.auto_unit_id).first()
    try:
        with transaction.atomic():  # a refused auto-dispatch leaves the registration intact
            return ticket_dispatch(
                ticket=ticket,
                actor=None,
                now=now,
                unit=unit,  # type: ignore[arg-type]  # None is refused by the service
                auto=True,
                note=AUTO_DISPATCH_NOTE,
            )
    except DomainError as exc:
        log.info("auto-dispatch of %s refused: %s", ticket.number, exc.message)
        return ticket


# -- the intake desk's one submit ------------------------------------------------------------

ROUTES = ("dispatch", "direct", "register")


@dataclass(frozen=True)
class IntakeResult:
    """What one submit at the intake desk did."""

    ticket: Ticket
    route: str
    replayed: bool  # the idempotency key had been used: the first submit's ticket


@transaction.atomic
def ticket_register_and_route(
    *,
    actor: User,
    now: datetime,
    route: str,
    ticket_fields: dict[str, Any],
    unit: Unit | None = None,
    co_units: Sequence[Unit] = (),
    answer: str = "",
    idempotency_key: str | None = None,
    channel: str = Channel.PHONE,
    uploads: Sequence[UploadedFile] = (),
) -> IntakeResult:
    """Register a ticket and, per ``route``, dispatch it to ``unit`` or answer it directly.

    ``ticket_fields`` are ``ticket_register``'s own arguments (title, content,
    appeal_type, urgency, location, caller_*). ``route`` is ``dispatch``, ``direct``
    or ``register`` (only register).
    """
    if route not in ROUTES:
        raise InvalidInput(f"未知的提交方式：{route} / unknown route", field="route")
    if route == "dispatch" and unit is None:
        raise InvalidInput("请选择主办单位 / choose the primary unit", field="unit")
    if route == "direct" and not (answer or "").strip():
        raise InvalidInput("直办须填写答复内容 / a direct answer needs its text", field="answer")
    replayed = bool(
        idempotency_key and IdempotencyKey.objects.filter(user=actor, key=idempotency_key).exists()
    )
    ticket = ticket_register(
        actor=actor,
        now=now,
        channel=channel,
        idempotency_key=idempotency_key or None,
        # The operator's own routing wins: only a ticket left registered may be auto-dispatched.
        auto_dispatch=route == "register",
        **ticket_fields,
    )
    if replayed:  # a retry of a finished submit: nothing is attached or routed again
        return IntakeResult(ticket=ticket, route=route, replayed=True)
    for upload in uploads:  # while the ticket is still open (a direct answer closes it)
        ticket = ticket_attach(ticket=ticket, actor=actor, now=now, upload=upload).ticket
    if ticket.state != State.REGISTERED:  # auto-dispatch routed a ticket left to register
        return IntakeResult(ticket=ticket, route=route, replayed=False)
    if route == "dispatch":
        assert unit is not None
        ticket = ticket_dispatch(
            ticket=ticket, actor=actor, now=now, unit=unit, co_units=list(co_units)
        )
    elif route == "direct":
        ticket = ticket_direct_answer(ticket=ticket, actor=actor, now=now, answer=answer)
    return IntakeResult(ticket=ticket, route=route, replayed=False)
