"""Factories that drive tickets through the real services to a given state."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import factory

from duban.org.models import User
from duban.tickets import services as s
from duban.tickets.models import Ticket


class TicketInput(factory.DictFactory):
    title = factory.Sequence(lambda n: f"东留村路灯不亮 {n}")
    content = "东留村主街路灯已经坏了一周，晚上出行不便，请尽快维修。"
    appeal_type = "complaint"
    channel = "phone"
    kind = "appeal"
    urgency = "normal"
    location = "滨湖街道东留村"
    caller_name = "张三"
    caller_phone = factory.Sequence(lambda n: f"138{n:08d}")


def registered(*, actor: User, now: datetime, **overrides: object) -> Ticket:
    return s.ticket_register(actor=actor, now=now, **TicketInput(**overrides))


def dispatched(*, p: SimpleNamespace, now: datetime, unit=None, **overrides: object) -> Ticket:
    t = registered(actor=p.operator, now=now, **overrides)
    return s.ticket_dispatch(
        ticket=t, actor=p.operator, now=now + timedelta(minutes=5), unit=unit or p.district.binhu
    )


def accepted(*, p: SimpleNamespace, now: datetime, **overrides: object) -> Ticket:
    t = dispatched(p=p, now=now, **overrides)
    return s.ticket_accept(ticket=t, actor=p.street_handler, now=now + timedelta(minutes=30))


def replied(*, p: SimpleNamespace, now: datetime, **overrides: object) -> Ticket:
    t = accepted(p=p, now=now, **overrides)
    t = s.ticket_record_contact(ticket=t, actor=p.street_handler, now=now + timedelta(hours=1))
    return s.ticket_reply(
        ticket=t,
        actor=p.street_handler,
        now=now + timedelta(days=1),
        result="solved",
        text="已安排电工更换路灯，现已恢复照明。",
    )


def reviewed(*, p: SimpleNamespace, now: datetime, **overrides: object) -> Ticket:
    t = replied(p=p, now=now, **overrides)
    return s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=now + timedelta(days=1, hours=2))


def closed(*, p: SimpleNamespace, now: datetime, **overrides: object) -> Ticket:
    t = reviewed(p=p, now=now, **overrides)
    return s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(days=2),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )


def in_state(state: str, *, p: SimpleNamespace, now: datetime) -> Ticket:
    """A ticket brought to ``state`` through the real services."""
    if state == "registered":
        return registered(actor=p.operator, now=now)
    if state == "dispatched":
        return dispatched(p=p, now=now)
    if state == "return_pending":
        return s.ticket_request_return(
            ticket=dispatched(p=p, now=now),
            actor=p.street_handler,
            now=now + timedelta(hours=1),
            reason="非本单位职责",
        )
    if state == "accepted":
        return accepted(p=p, now=now)
    if state == "replied":
        return replied(p=p, now=now)
    if state == "reviewed":
        return reviewed(p=p, now=now)
    if state == "reopened":
        return s.ticket_reopen(
            ticket=closed(p=p, now=now),
            actor=p.dispatcher,
            now=now + timedelta(days=3),
            reason="仍未解决",
        )
    if state == "closed":
        return closed(p=p, now=now)
    if state == "merged":
        master = registered(actor=p.operator, now=now)
        return s.ticket_merge(
            ticket=registered(actor=p.operator, now=now), actor=p.operator, now=now, master=master
        )
    if state == "invalid":
        return s.ticket_invalidate(
            ticket=registered(actor=p.operator, now=now),
            actor=p.operator,
            now=now,
            reason="骚扰电话",
        )
    raise ValueError(state)
