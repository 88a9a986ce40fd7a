"""Every action against every state, by an allowed role and by the wrong ones.

Legal: the state table's source states → one event, the version moves on.
Illegal: any other state → IllegalTransition, nothing written.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.testing import factories as f
from duban.testing.actions import ACTIONS, TABLE_ACTION
from duban.tickets import services as s
from duban.tickets.choices import State
from duban.tickets.errors import IllegalTransition, PermissionDenied
from duban.tickets.models import TicketEvent
from duban.tickets.services.base import TABLE

pytestmark = pytest.mark.django_db

STATES = [st.value for st in State]
ALLOWED_ACTOR = {
    "dispatch": "operator",
    "direct_answer": "operator",
    "merge": "operator",
    "invalidate": "operator",
    "callback": "dispatcher",
    "callback_unsatisfied": "dispatcher",
    "callback_missed": "dispatcher",
    "reopen": "dispatcher",
    "approve_return": "dispatcher",
    "reject_return": "dispatcher",
    "reassign": "dispatcher",
    "approve_exemption": "dispatcher",
    "reject_exemption": "dispatcher",
    "approve_extension": "dispatcher",
    "reject_extension": "dispatcher",
    "review_pass": "dispatcher",
    "review_reject": "dispatcher",
    "urge": "supervisor",
    "supervise": "supervisor",
    "assign_leader": "supervisor",
    "escalate": "supervisor",
}
NEEDS_PENDING_EXTENSION = {"approve_extension", "reject_extension"}
CASES = [(a, st) for a in ACTIONS for st in STATES]


def act_time(action, now):
    return now + (timedelta(days=1) if action == "request_return" else timedelta(days=5))


def actor_for(action, p):
    return getattr(p, ALLOWED_ACTOR.get(action, "street_handler"))


@pytest.mark.parametrize(("action", "state"), CASES, ids=[f"{a}-{st}" for a, st in CASES])
def test_action_in_state(action, state, p, now):
    ticket = f.in_state(state, p=p, now=now)
    legal = state in TABLE[TABLE_ACTION[action]].sources
    if legal and action in NEEDS_PENDING_EXTENSION:
        ticket = s.ticket_request_extension(
            ticket=ticket,
            actor=p.street_handler,
            now=now + timedelta(days=4),
            days=2,
            reason="需协调",
        )
    events_before, version_before = ticket.events.count(), ticket.version
    if not legal:
        with pytest.raises(IllegalTransition) as exc:
            ACTIONS[action](ticket, actor_for(action, p), act_time(action, now), p)
        assert exc.value.code == "illegal_transition"
        ticket.refresh_from_db()
        assert (ticket.state, ticket.version, ticket.events.count()) == (
            state,
            version_before,
            events_before,
        )
        return
    result = ACTIONS[action](ticket, actor_for(action, p), act_time(action, now), p)
    assert result.version == version_before + 1
    last = TicketEvent.objects.filter(ticket=ticket).order_by("-seq").first()
    assert last.type == TABLE_ACTION[action]
    assert (last.from_state, last.to_state) == (state, result.state)
    assert last.actor == actor_for(action, p)


ROLE_PERSONAS = [
    "operator",
    "dispatcher",
    "street_handler",
    "other_street_handler",
    "dept_handler",
    "supervisor",
    "leader",
]
PERMISSION_CASES = [
    ("dispatch", "registered"),
    ("accept", "dispatched"),
    ("request_return", "dispatched"),
    ("approve_return", "return_pending"),
    ("reply", "accepted"),
    ("review_pass", "replied"),
    ("callback", "reviewed"),
    ("urge", "accepted"),
    ("supervise", "accepted"),
    ("escalate", "accepted"),
    ("invalidate", "registered"),
    ("sub_dispatch", "accepted"),
    ("reopen", "closed"),
]


@pytest.mark.parametrize(("action", "state"), PERMISSION_CASES)
@pytest.mark.parametrize("persona", ROLE_PERSONAS)
def test_only_allowed_roles_and_units_may_act(action, state, persona, p, now):
    ticket = f.in_state(state, p=p, now=now)
    actor = getattr(p, persona)
    rule = TABLE[action]
    own_unit = rule.scope != "primary" or actor.can_see_unit(ticket.primary_unit)
    allowed = actor.role in rule.roles and own_unit
    before = ticket.version
    if allowed:
        assert ACTIONS[action](ticket, actor, act_time(action, now), p).version == before + 1
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[action](ticket, actor, act_time(action, now), p)
        ticket.refresh_from_db()
        assert ticket.version == before


def test_village_handler_cannot_accept_street_ticket_but_drafts_after_sub_dispatch(p, now):
    ticket = f.accepted(p=p, now=now)
    with pytest.raises(PermissionDenied):
        s.ticket_reply(ticket=ticket, actor=p.village_handler, now=now, result="solved", text="x")
    ticket = s.ticket_sub_dispatch(
        ticket=ticket, actor=p.street_handler, now=now, unit=p.district.dongliu
    )
    ticket = s.ticket_submit_part(
        ticket=ticket, actor=p.village_handler, now=now, text="村里已修好路灯"
    )
    assert ticket.assignments.get(role="sub").status == "contributed"
    with pytest.raises(PermissionDenied):  # the street stays accountable and replies
        s.ticket_reply(ticket=ticket, actor=p.village_handler, now=now, result="solved", text="x")


def test_sub_dispatch_only_below_own_unit(p, now):
    from duban.tickets.errors import InvalidInput

    ticket = f.accepted(p=p, now=now)
    with pytest.raises(InvalidInput):
        s.ticket_sub_dispatch(
            ticket=ticket, actor=p.street_handler, now=now, unit=p.district.jianye
        )
