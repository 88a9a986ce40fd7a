"""The one transition function every ticket write goes through.

``transition()`` locks the row, checks the state table, the actor's role and unit
scope and the client's expected version, applies the changes with
``save(update_fields=...)`` and appends the event — all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from duban.org.models import Role, User
from duban.org.roles import (
    CENTRE_ROLES,
    DISPATCHER_ROLES,
    PERSONAL_DATA_ROLES,
    SUPERVISION_ROLES,
    UNIT_ROLES,
    URGE_ROLES,
)

from .. import modules
from ..choices import OPEN_STATES, State
from ..errors import IllegalTransition, InvalidInput, PermissionDenied, StaleTicket, TicketNotFound
from ..events import REPLAYED_FIELDS, event_append
from ..models import Ticket

OPEN = frozenset(s.value for s in OPEN_STATES)


@dataclass(frozen=True)
class Rule:
    """A row of the state table: where an action may start, where it goes, who may do it."""

    sources: frozenset[str]
    target: str | None  # None: the state is decided by the service (or kept, for overlays)
    roles: frozenset[str]
    scope: str  # "district": the ticket's district; "primary": the primary unit; "none"
    event: str = ""  # the event type it writes, when not the action's own name

    def event_type(self, action: str) -> str:
        return self.event or action


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


S = State
# States in which a dispatched ticket counts in a unit's figures (and may be contested).
COUNTED = _states(S.DISPATCHED, S.ACCEPTED, S.REPLIED, S.REVIEWED, S.REOPENED, S.CLOSED)
SYSTEM: frozenset[str] = frozenset()  # no user acts: the engine itself (actor=None)
TABLE: dict[str, Rule] = {
    # Intake: the engine stores the intelligence's suggestions and, when it is confident
    # and auto-dispatch is on, dispatches in its own name (no user, no robot account).
    "suggest": Rule(_states(S.REGISTERED), None, SYSTEM, "none"),
    "auto_dispatch": Rule(_states(S.REGISTERED), S.DISPATCHED, SYSTEM, "none", event="dispatch"),
    "dispatch": Rule(_states(S.REGISTERED), S.DISPATCHED, CENTRE_ROLES, "district"),
    "direct_answer": Rule(_states(S.REGISTERED), S.CLOSED, CENTRE_ROLES, "district"),
    # 改派: the centre moves a dispatched ticket to another unit without a return round-trip.
    "reassign": Rule(
        _states(S.DISPATCHED, S.ACCEPTED, S.REOPENED), S.DISPATCHED, DISPATCHER_ROLES, "district"
    ),
    "accept": Rule(_states(S.DISPATCHED, S.REOPENED), S.ACCEPTED, UNIT_ROLES, "primary"),
    "record_contact": Rule(
        _states(S.DISPATCHED, S.ACCEPTED, S.REOPENED), None, UNIT_ROLES, "primary"
    ),
    "request_return": Rule(
        _states(S.DISPATCHED, S.ACCEPTED), S.RETURN_PENDING, UNIT_ROLES, "primary"
    ),
    "approve_return": Rule(_states(S.RETURN_PENDING), S.REGISTERED, DISPATCHER_ROLES, "district"),
    "reject_return": Rule(_states(S.RETURN_PENDING), None, DISPATCHER_ROLES, "district"),
    "sub_dispatch": Rule(_states(S.ACCEPTED), None, UNIT_ROLES, "primary"),
    "submit_part": Rule(_states(S.DISPATCHED, S.ACCEPTED), None, UNIT_ROLES, "assigned"),
    "request_extension": Rule(_states(S.ACCEPTED), None, UNIT_ROLES, "primary"),
    "approve_extension": Rule(_states(S.ACCEPTED), None, DISPATCHER_ROLES, "district"),
    "reject_extension": Rule(_states(S.ACCEPTED), None, DISPATCHER_ROLES, "district"),
    # The engine closes a request nobody ruled on when its round ends (handling.py).
    "extension_lapsed": Rule(_states(S.ACCEPTED, S.RETURN_PENDING), None, SYSTEM, "none"),
    "reply": Rule(_states(S.ACCEPTED), S.REPLIED, UNIT_ROLES, "primary"),
    "review_pass": Rule(_states(S.REPLIED), S.REVIEWED, DISPATCHER_ROLES, "district"),
    "review_reject": Rule(_states(S.REPLIED), S.ACCEPTED, DISPATCHER_ROLES, "district"),
    "callback": Rule(_states(S.REVIEWED), None, CENTRE_ROLES, "district"),
    "rate_online": Rule(_states(S.REVIEWED), None, frozenset(), "none"),
    "reopen": Rule(_states(S.REVIEWED, S.CLOSED), S.REOPENED, CENTRE_ROLES, "district"),
    "merge": Rule(OPEN, S.MERGED, CENTRE_ROLES, "district"),
    "invalidate": Rule(OPEN, S.INVALID, CENTRE_ROLES, "district"),
    "close_with_master": Rule(_states(S.MERGED), None, CENTRE_ROLES | UNIT_ROLES, "none"),
    # A master merged into another ticket hands its duplicates on: each follows the new
    # master (a ``merge`` event from ``merged``), so a chain never waits on a merged master.
    "remerge": Rule(_states(S.MERGED), None, CENTRE_ROLES, "district", event="merge"),
    # The caller of a merged ticket rates the master's outcome once it passed review: called
    # back by the centre or online; the ticket stays merged (services/merged.py).
    "callback_merged": Rule(_states(S.MERGED), None, CENTRE_ROLES, "district", event="callback"),
    "rate_online_merged": Rule(_states(S.MERGED), None, frozenset(), "none", event="rate_online"),
    # Overlays: the state is kept.
    # Masked roles reveal the caller; centre roles (who see name and phone) reveal the ID
    # number. A reason is required; each reveal is an event and a personal-data access.
    "reveal_caller": Rule(
        frozenset(st.value for st in State),
        None,
        frozenset({Role.HANDLER, Role.UNIT_HEAD, Role.SUPERVISOR} | PERSONAL_DATA_ROLES),
        "visible",
    ),
    # A citizen's photo with a portal submission (the portal authenticates by number + phone).
    # (also once intake auto-dispatched it, within the same submission).
    "attach_public": Rule(_states(S.REGISTERED, S.DISPATCHED), None, frozenset(), "none"),
    "attach": Rule(OPEN, None, CENTRE_ROLES | UNIT_ROLES | frozenset({Role.SUPERVISOR}), "visible"),
    # 考核申诉 / 核减: the primary unit contests the ticket's count; the centre rules.
    "request_exemption": Rule(COUNTED, None, UNIT_ROLES, "primary"),
    "approve_exemption": Rule(COUNTED, None, DISPATCHER_ROLES, "district"),
    "reject_exemption": Rule(COUNTED, None, DISPATCHER_ROLES, "district"),
    "urge": Rule(OPEN - {S.REGISTERED}, None, URGE_ROLES, "district"),
    "supervise": Rule(OPEN, None, frozenset({Role.SUPERVISOR}), "district"),
    "assign_leader": Rule(OPEN, None, SUPERVISION_ROLES, "district"),
    "escalate": Rule(OPEN, None, frozenset({Role.SUPERVISOR, Role.DISPATCHER}), "district"),
}


def check_permission(*, ticket: Ticket, actor: User | None, action: str) -> None:
    """Whether ``actor`` may take ``action`` on ``ticket``: the state table's roles and scope,
    or else the grant the module owning the ticket's kind declared for the action
    (``modules.TicketModule.extra_rules``: its roles, the ticket's district and the
    module's own scope)."""
    rule = TABLE[action]
    if rule.scope == "none":
        return
    if actor is None or not actor.is_active:
        raise PermissionDenied(
            f"当前角色无权执行该操作 / your role may not {action} tickets", action=action
        )
    if not actor.has_role(rule.roles):
        grant = modules.for_kind(ticket.kind).grant(action)
        if grant is None or not actor.has_role(grant.roles):
            raise PermissionDenied(
                f"当前角色无权执行该操作 / your role may not {action} tickets", action=action
            )
        _check_grant(ticket=ticket, actor=actor, grant=grant)
        return
    scope = actor.scope_path
    if scope is None:
        raise PermissionDenied("用户未归属单位 / user has no unit")
    if rule.scope == "district":
        if ticket.district_id != actor.district_pk:
            raise PermissionDenied("工单不在您的管辖范围内 / ticket outside your district")
        return
    if rule.scope == "primary":
        if ticket.primary_unit is None or not ticket.primary_unit.path.startswith(scope):
            raise PermissionDenied("工单不属于您的单位 / ticket not assigned to your unit")
        return
    if rule.scope == "visible":
        # The registering user (e.g. a grid worker's own report) may also add evidence.
        mine = ticket.registered_by_id == actor.pk and ticket.state == State.REGISTERED
        if not mine and not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
            raise PermissionDenied("工单不在您的管辖范围内 / ticket outside your scope")
        return
    if rule.scope == "assigned":
        parts = getattr(ticket, "active_parts", None)  # a list page's prefetch
        if parts is not None:
            mine = any(a.role in ("co", "sub") and a.unit.path.startswith(scope) for a in parts)
        else:
            mine = ticket.assignments.filter(
                status="active", role__in=["co", "sub"], unit__path__startswith=scope
            ).exists()
        if not mine:
            raise PermissionDenied("您的单位未承担该工单 / your unit has no part in this ticket")


def _check_grant(*, ticket: Ticket, actor: User, grant: modules.Grant) -> None:
    """A module's grant: the actor's district is the ticket's, and the module's scope agrees."""
    if actor.district_pk is None:
        raise PermissionDenied("用户未归属单位 / user has no unit")
    if ticket.district_id != actor.district_pk:
        raise PermissionDenied("工单不在您的管辖范围内 / ticket outside your district")
    if not grant.scope(ticket=ticket, actor=actor):
        raise PermissionDenied(grant.refusal)


def lock(ticket: Ticket | int | str) -> Ticket:
    """Re-read the ticket under a row lock (select_for_update)."""
    qs = Ticket.objects.select_for_update(of=("self",)).select_related(
        "primary_unit", "handling_unit"
    )
    try:
        if isinstance(ticket, Ticket):
            return qs.get(pk=ticket.pk)
        if isinstance(ticket, int):
            return qs.get(pk=ticket)
        return qs.get(number=ticket)
    except Ticket.DoesNotExist as exc:
        raise TicketNotFound(f"工单不存在 / no such ticket: {ticket}") from exc


def check_version(locked: Ticket, expected_version: int | None) -> None:
    """Refuse a write based on a stale read (the client's version differs from the row's)."""
    if expected_version is not None and expected_version != locked.version:
        raise StaleTicket(
            f"工单已被他人更新（版本 {locked.version}），请刷新后重试 / "
            f"ticket changed meanwhile (version {locked.version}, you had {expected_version})",
            current_version=locked.version,
        )


def transition(
    *,
    ticket: Ticket,
    actor: User | None,
    now: datetime,
    action: str,
    expected_version: int | None = None,
    validate: Callable[[Ticket], None] | None = None,
    changes: Callable[[Ticket], dict[str, Any]] | dict[str, Any] | None = None,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
    event_type: str | None = None,
    inserted: bool = False,
) -> Ticket:
    """Lock, check, change, save and append the event. Call inside ``transaction.atomic``.

    ``inserted``: ``ticket`` was inserted by this very transaction (intake's own steps), so
    no other transaction can see or lock its row: it is used as it is, without the re-read.
    """
    locked = ticket if inserted else lock(ticket)
    rule = TABLE[action]
    check_version(locked, expected_version)
    if locked.state not in rule.sources:
        raise IllegalTransition(
            f"工单当前状态为「{State(locked.state).label}」，不能执行该操作 / "
            f"cannot {action} a ticket in state {locked.state}",
            state=locked.state,
            action=action,
        )
    check_permission(ticket=locked, actor=actor, action=action)
    if validate is not None:
        validate(locked)
    before = {f: getattr(locked, f) for f in REPLAYED_FIELDS}
    from_state = locked.state
    values = changes(locked) if callable(changes) else dict(changes or {})
    new_state = target or rule.target
    if new_state is not None:
        values["state"] = new_state
    for field, value in values.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save(update_fields=[*values.keys(), "version"])
    changed = {f: getattr(locked, f) for f in REPLAYED_FIELDS if getattr(locked, f) != before[f]}
    event = event_append(
        ticket=locked,
        type=event_type or rule.event_type(action),
        actor=actor,
        at=now,
        from_state=from_state,
        payload={**(payload or {}), "set": changed},
    )
    modules.after_event(ticket=locked, event=event, actor=actor, now=now)
    return locked


def check_text(value: str, *, field: str, required: bool = True, limit: int | None = None) -> str:
    value = (value or "").strip()
    max_length: int = limit or settings.DUBAN["MAX_TEXT_LENGTH"]  # type: ignore[assignment]
    if required and not value:
        raise InvalidInput(f"「{field}」不能为空 / {field} is required", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            f"「{field}」超过 {max_length} 字 / {field} longer than {max_length} characters",
            field=field,
        )
    return value


def allowed(*, ticket: Ticket, actor: User | None, action: str) -> bool:
    """Whether the state table lets ``actor`` start ``action`` on ``ticket`` as read.

    The checks ``transition()`` makes before a service's own ones: the ticket's state is
    a source of the action, and ``check_permission`` (role, unit scope) passes. Writes
    nothing; pages use it to decide which actions to offer.
    """
    if ticket.state not in TABLE[action].sources:
        return False
    try:
        check_permission(ticket=ticket, actor=actor, action=action)
    except PermissionDenied:
        return False
    return True
