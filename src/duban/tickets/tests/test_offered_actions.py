"""The actions a page offers are exactly the ones whose service call would succeed.

For tickets in every state (and in the situations where a service refuses on its own
rule: a closed return window, a pending or used-up extension, a direct answer, an
escalated ticket, co-units and sub-dispatched units) and for every persona, each
action of the ticket page is run through its real service inside a savepoint that is
rolled back, and compared with ``available_actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction

from duban.core.errors import DomainError
from duban.sla.models import SlaRule
from duban.sla.selectors import calendar_invalidate
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.choices import State
from duban.tickets.errors import PermissionDenied, ReturnWindowClosed
from duban.tickets.forms import ACTIONS, ExtensionForm, available_actions
from duban.tickets.models import Ticket
from duban.tickets.services.handling import extension_limit

pytestmark = pytest.mark.django_db

PERSONAS = (
    "operator",
    "dispatcher",
    "street_handler",
    "street_head",
    "village_handler",
    "other_street_handler",
    "dept_handler",
    "supervisor",
    "leader",
    "admin",
)

# The most permissive valid input of each action: only the rules decide.
INPUTS: dict[str, Callable[[SimpleNamespace], dict[str, Any]]] = {
    "accept": lambda p: {},
    "record_contact": lambda p: {"note": "已电话联系"},
    "request_return": lambda p: {"reason": "非本单位职责"},
    "sub_dispatch": lambda p: {"unit": p.district.dongliu},
    "request_extension": lambda p: {"days": 1, "reason": "需协调施工"},
    "reply": lambda p: {"result": "solved", "text": "已安排电工更换路灯，现已恢复照明。"},
    "submit_part": lambda p: {"text": "已更换灯泡"},
    "direct_answer": lambda p: {"answer": "已电话解答政策。"},
    "dispatch": lambda p: {"unit": p.district.binhu},
    "reassign": lambda p: {"unit": p.district.hubin, "reason": "属地调整"},
    "request_exemption": lambda p: {"reason_kind": "out_of_scope", "reason": "供电公司职责"},
    "approve_exemption": lambda p: {},
    "reject_exemption": lambda p: {"reason": "属本单位职责"},
    "approve_return": lambda p: {},
    "reject_return": lambda p: {"reason": "属地管理"},
    "approve_extension": lambda p: {},
    "reject_extension": lambda p: {"reason": "理由不充分"},
    "review_pass": lambda p: {},
    "review_reject": lambda p: {"reason": "答复不完整"},
    "callback": lambda p: {"reached": False},
    "reopen": lambda p: {"reason": "群众反映仍未解决"},
    "merge": lambda p: {
        "master": f.registered(actor=p.operator, now=p.at, title="主工单", content="同一事项")
    },
    "invalidate": lambda p: {"reason": "骚扰电话"},
    "urge": lambda p: {"note": "请加快办理"},
    "supervise": lambda p: {"level": 2},
    "assign_leader": lambda p: {"leader": p.leader},
    "escalate": lambda p: {"reason": "多次投诉"},
}


class _Undo(Exception):
    """Raised after a successful call to roll its savepoint back."""


def _succeeds(name: str, ticket: Ticket, actor: Any, p: SimpleNamespace) -> bool:
    try:
        with transaction.atomic():
            ACTIONS[name].service(ticket=ticket, actor=actor, now=p.at, **INPUTS[name](p))
            raise _Undo
    except _Undo:
        return True
    except DomainError:
        return False


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("primary_unit", "handling_unit").get(pk=ticket.pk)


# -- situations: (ticket, the moment the page is looked at) -----------------------------
Situation = Callable[[SimpleNamespace, datetime], tuple[Ticket, datetime]]
LATER = timedelta(days=4)  # after every factory step; past the dispatch's return window


def _in_state(state: str) -> Situation:
    return lambda p, now: (f.in_state(state, p=p, now=now), now + LATER)


def _within_return_window(build: Callable[..., Ticket]) -> Situation:
    return lambda p, now: (build(p=p, now=now), now + timedelta(hours=1))


def _extension_pending(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_request_extension(
        ticket=f.accepted(p=p, now=now), actor=p.street_handler, now=now, days=2, reason="需协调"
    )
    return t, now + timedelta(hours=2)


def _extensions_used_up(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = f.accepted(p=p, now=now)
    limit = extension_limit(t)
    t = s.ticket_request_extension(
        ticket=t, actor=p.street_handler, now=now, days=limit, reason="工程量大"
    )
    t = s.ticket_approve_extension(ticket=t, actor=p.dispatcher, now=now + timedelta(hours=1))
    return t, now + timedelta(hours=2)


def _direct_answered(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_direct_answer(
        ticket=f.registered(actor=p.operator, now=now), actor=p.operator, now=now, answer="已解答"
    )
    return t, now + timedelta(hours=1)


def _escalated(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_escalate(
        ticket=f.accepted(p=p, now=now), actor=p.supervisor, now=now, reason="多次投诉"
    )
    return t, now + timedelta(hours=1)


def _with_co_unit(p: SimpleNamespace, now: datetime) -> Ticket:
    t = f.registered(actor=p.operator, now=now)
    return s.ticket_dispatch(
        ticket=t, actor=p.dispatcher, now=now, unit=p.district.binhu, co_units=[p.district.housing]
    )


def _co_unit(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_accept(ticket=_with_co_unit(p, now), actor=p.street_handler, now=now)
    return t, now + timedelta(hours=1)


def _co_unit_reported(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_submit_part(
        ticket=_with_co_unit(p, now), actor=p.dept_handler, now=now, text="已核查"
    )
    return t, now + timedelta(hours=1)


def _sub_dispatched(p: SimpleNamespace, now: datetime) -> tuple[Ticket, datetime]:
    t = s.ticket_sub_dispatch(
        ticket=f.accepted(p=p, now=now), actor=p.street_handler, now=now, unit=p.district.dongliu
    )
    return t, now + timedelta(hours=1)


SITUATIONS: dict[str, Situation] = {
    **{state.value: _in_state(state.value) for state in State},
    "dispatched_within_return_window": _within_return_window(f.dispatched),
    "accepted_within_return_window": _within_return_window(f.accepted),
    "extension_pending": _extension_pending,
    "extensions_used_up": _extensions_used_up,
    "direct_answered": _direct_answered,
    "escalated": _escalated,
    "co_unit": _co_unit,
    "co_unit_reported": _co_unit_reported,
    "sub_dispatched": _sub_dispatched,
}


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_offered_actions_are_exactly_those_that_succeed(situation, p, now):
    ticket, at = SITUATIONS[situation](p, now)
    admin = make_user("sysadmin", "admin", p.district.district)
    env = SimpleNamespace(**vars(p), admin=admin, at=at)
    wrong = []
    for persona in PERSONAS:
        actor = getattr(env, persona)
        offered = {a.name for a in available_actions(_fresh(ticket), actor, now=at)}
        for name in ACTIONS:
            if (name in offered) != _succeeds(name, _fresh(ticket), actor, env):
                wrong.append(f"{persona} {name}: {'offered' if name in offered else 'hidden'}")
    assert not wrong, f"{situation}: offered ≠ would succeed for {wrong}"


def test_every_action_is_checked():
    assert set(INPUTS) == set(ACTIONS)


# -- the actions whose offering changed: each would have failed ---------------------------
def _names(ticket: Ticket, user: Any, at: datetime) -> set[str]:
    return {a.name for a in available_actions(_fresh(ticket), user, now=at)}


def test_return_is_offered_only_within_the_window(p, now):
    t = f.dispatched(p=p, now=now)
    assert "request_return" in _names(t, p.street_handler, t.return_due)
    after = t.return_due + timedelta(minutes=1)
    assert "request_return" not in _names(t, p.street_handler, after)
    with pytest.raises(ReturnWindowClosed):
        s.ticket_request_return(ticket=t, actor=p.street_handler, now=after, reason="晚了")


def test_no_second_extension_request_while_one_is_pending(p, now):
    t, at = _extension_pending(p, now)
    assert "request_extension" not in _names(t, p.street_handler, at)
    assert {"approve_extension", "reject_extension"} <= _names(t, p.dispatcher, at)


def test_primary_unit_reports_no_part_after_sub_dispatch(p, now):
    t, at = _sub_dispatched(p, now)
    assert "submit_part" in _names(t, p.village_handler, at)
    assert "submit_part" not in _names(t, p.street_handler, at)
    with pytest.raises(PermissionDenied):
        s.ticket_submit_part(ticket=t, actor=p.street_handler, now=at, text="代村里上报")
    assert t.assignments.get(role="sub").status == "active"


def test_co_unit_is_offered_its_part_only_not_the_primary_units_actions(p, now):
    t, at = _co_unit(p, now)
    assert _names(t, p.dept_handler, at) == {"submit_part"}
    t, at = _co_unit_reported(p, now)
    assert _names(t, p.dept_handler, at) == set()


def test_direct_answer_cannot_be_reopened_and_escalation_happens_once(p, now):
    t, at = _direct_answered(p, now)
    assert "reopen" not in _names(t, p.dispatcher, at)
    t, at = _escalated(p, now)
    assert "escalate" not in _names(t, p.supervisor, at)
    assert "urge" in _names(t, p.supervisor, at)


def test_the_ticket_page_shows_only_what_would_succeed(p, now, client):
    t = f.dispatched(p=p, now=now)  # in the past: its return window has closed
    client.force_login(p.street_handler)
    html = client.get(f"/tickets/{t.number}/").content.decode()
    assert f"/tickets/{t.number}/act/accept/" in html
    assert f"/tickets/{t.number}/act/request_return/" not in html


def test_extension_form_allows_up_to_the_tickets_limit(p, now):
    t = f.accepted(p=p, now=now)
    assert ExtensionForm(ticket=t, user=p.street_handler).fields["days"].max_value == 10
    SlaRule.objects.update(extension_max="20wd")
    calendar_invalidate()
    assert extension_limit(t) == 20
    assert ExtensionForm(ticket=t, user=p.street_handler).fields["days"].max_value == 20
