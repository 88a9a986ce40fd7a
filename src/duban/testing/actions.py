"""Every ticket action as a callable ``(ticket, actor, now, p) -> Ticket`` with valid arguments.

Used by the transition tests and the stateful (hypothesis) test to drive any action
by any actor; the services decide what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from duban.tickets import services as s
from duban.tickets.models import Ticket

Action = Callable[[Ticket, Any, datetime, SimpleNamespace], Ticket]


def _merge(t: Ticket, actor: Any, now: datetime, p: SimpleNamespace) -> Ticket:
    master = s.ticket_register(
        actor=p.operator,
        now=now,
        title="主工单",
        content="同一事项",
        appeal_type="complaint",
        channel="phone",
    )
    return s.ticket_merge(ticket=t, actor=actor, now=now, master=master)


ACTIONS: dict[str, Action] = {
    "dispatch": lambda t, a, n, p: s.ticket_dispatch(
        ticket=t, actor=a, now=n, unit=p.district.binhu
    ),
    "direct_answer": lambda t, a, n, p: s.ticket_direct_answer(
        ticket=t, actor=a, now=n, answer="已电话解答政策。"
    ),
    "accept": lambda t, a, n, p: s.ticket_accept(ticket=t, actor=a, now=n),
    "record_contact": lambda t, a, n, p: s.ticket_record_contact(
        ticket=t, actor=a, now=n, note="已电话联系"
    ),
    "request_return": lambda t, a, n, p: s.ticket_request_return(
        ticket=t, actor=a, now=n, reason="非本单位职责"
    ),
    "approve_return": lambda t, a, n, p: s.ticket_approve_return(ticket=t, actor=a, now=n),
    "reject_return": lambda t, a, n, p: s.ticket_reject_return(
        ticket=t, actor=a, now=n, reason="属地管理"
    ),
    "request_exemption": lambda t, a, n, p: s.ticket_request_exemption(
        ticket=t, actor=a, now=n, reason_kind="out_of_scope", reason="属供电公司职责"
    ),
    "reassign": lambda t, a, n, p: s.ticket_reassign(
        ticket=t, actor=a, now=n, unit=p.district.hubin, reason="属地调整，改派湖滨路街道"
    ),
    "sub_dispatch": lambda t, a, n, p: s.ticket_sub_dispatch(
        ticket=t, actor=a, now=n, unit=p.district.dongliu
    ),
    "request_extension": lambda t, a, n, p: s.ticket_request_extension(
        ticket=t, actor=a, now=n, days=3, reason="需协调施工"
    ),
    "approve_extension": lambda t, a, n, p: s.ticket_approve_extension(ticket=t, actor=a, now=n),
    "reject_extension": lambda t, a, n, p: s.ticket_reject_extension(
        ticket=t, actor=a, now=n, reason="理由不充分"
    ),
    "reply": lambda t, a, n, p: s.ticket_reply(
        ticket=t, actor=a, now=n, result="solved", text="已修复路灯。"
    ),
    "review_pass": lambda t, a, n, p: s.ticket_review_pass(ticket=t, actor=a, now=n),
    "review_reject": lambda t, a, n, p: s.ticket_review_reject(
        ticket=t, actor=a, now=n, reason="答复不完整"
    ),
    "callback": lambda t, a, n, p: s.ticket_callback(
        ticket=t, actor=a, now=n, reached=True, resolved=True, satisfaction="satisfied"
    ),
    "callback_unsatisfied": lambda t, a, n, p: s.ticket_callback(
        ticket=t,
        actor=a,
        now=n,
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        reopen=True,
    ),
    "callback_missed": lambda t, a, n, p: s.ticket_callback(
        ticket=t, actor=a, now=n, reached=False
    ),
    "reopen": lambda t, a, n, p: s.ticket_reopen(
        ticket=t, actor=a, now=n, reason="群众反映仍未解决"
    ),
    "merge": _merge,
    "invalidate": lambda t, a, n, p: s.ticket_invalidate(
        ticket=t, actor=a, now=n, reason="骚扰电话"
    ),
    "urge": lambda t, a, n, p: s.ticket_urge(ticket=t, actor=a, now=n, note="请加快办理"),
    "supervise": lambda t, a, n, p: s.ticket_supervise(ticket=t, actor=a, now=n, level=2),
    "assign_leader": lambda t, a, n, p: s.ticket_assign_leader(
        ticket=t, actor=a, now=n, leader=p.leader
    ),
    "escalate": lambda t, a, n, p: s.ticket_escalate(ticket=t, actor=a, now=n, reason="多次投诉"),
}

# The state-table action each callable exercises.
TABLE_ACTION = {name: name.split("_unsatisfied")[0].split("_missed")[0] for name in ACTIONS}
