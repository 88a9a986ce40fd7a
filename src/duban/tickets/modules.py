"""The extension point for modules: a module owns a ticket kind and declares, in one place,

- its SLA defaults (the durations a new installation starts from, per appeal type),
- who may register its tickets,
- who rates its tickets (the caller on the phone or the portal, the enterprise, the
  inspector who raised the finding),
- what it does when one of its tickets changes state (``on_transition``): an inspection
  finding waiting for 回头看, a project's blocker closing. The engine calls it
  explicitly from ``transition()`` and ``ticket_register``, inside the transaction that
  wrote the event — never through signals — so a hook that raises undoes the write;
- which of the state table's actions its own people may also take on its tickets
  (``extra_rules``): a chief service officer dispatches the problems of the enterprises
  she serves (园区吹哨), an inspector's 回头看 reviews, calls back and reopens the findings
  of their rounds. The engine's ``check_permission`` reads them, so the rule is written
  once and every page, the API and the demo checker follow it.

A module registers its declaration from its ``AppConfig.ready()``::

    from duban.tickets import modules
    modules.register(modules.TicketModule(kind=Kind.PROJECT, ...))

Kinds without an installed module use the engine's built-in declaration below.
See ``docs/adding-a-module.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from duban.org.roles import CENTRE_ROLES, UNIT_ROLES, Role
from duban.sla.seed import RULE_FIELDS, default_durations, seed_rules

from .choices import Kind

if TYPE_CHECKING:
    from duban.org.models import User

    from .models import Ticket, TicketEvent


class Rater:
    """Who gives a ticket its rating (满意度)."""

    CALLER = "caller"  # the caller: call-back by the centre, or online in the portal
    ENTERPRISE = "enterprise"  # the enterprise's contact (call-back or portal, like a caller)
    INSPECTOR = "inspector"  # the staff user who raised the finding rates the rectification


# The centre's duration specs (``sla.durations``) for a kind, keyed by appeal type
# ("" = any type); each value maps the SLA rule's duration fields to a spec.
SlaDefaults = Mapping[str, Mapping[str, str]]
Hook = Callable[..., None]
# scope(ticket=…, actor=…) -> bool: whether the module's own ledger puts ``ticket`` within
# ``actor``'s reach (the enterprise she serves, the round he inspects).
Scope = Callable[..., bool]


def _no_hook(**_: object) -> None:
    return None


@dataclass(frozen=True)
class Grant:
    """A module's rule beside the state table: ``roles`` may also take one of the table's
    actions on the kind's tickets — from the same states, with the same service and event.

    The scope stays the engine's and narrows, never widens: the actor must be active, hold
    one of ``roles``, sit in the ticket's district, and ``scope(ticket=…, actor=…)`` must
    say yes. ``refusal`` is the Chinese message when the scope says no.
    """

    roles: frozenset[str]
    scope: Scope
    refusal: str = "工单不在您的职责范围内 / ticket outside your remit"


@dataclass(frozen=True)
class TicketModule:
    kind: str
    label: str
    register_roles: frozenset[str]
    raters: frozenset[str] = frozenset({Rater.CALLER})
    sla_defaults: SlaDefaults = field(default_factory=dict)
    # on_transition(ticket=…, event=…, actor=…, now=…): after every event of the kind's
    # tickets, in the same transaction (the ticket is locked and saved).
    on_transition: Hook = _no_hook
    # action of the state table -> the module's grant of it on the kind's tickets
    # (``Grant``); ``check_permission`` consults it when the actor's roles are not the
    # table's own.
    extra_rules: Mapping[str, Grant] = field(default_factory=dict)

    def grant(self, action: str) -> Grant | None:
        return self.extra_rules.get(action)

    def rated_by_caller(self) -> bool:
        return bool(self.raters & {Rater.CALLER, Rater.ENTERPRISE})

    def rated_by(self, *, ticket: Ticket, actor: User | None) -> bool:
        """May ``actor`` (None: the public, via the portal) rate ``ticket`` of this kind?"""
        if actor is None:
            return self.rated_by_caller()
        return Rater.INSPECTOR in self.raters and ticket.registered_by_id == actor.pk


# The engine's own declarations: the hotline's appeals, and a plain declaration of each
# module kind until the module that owns it is installed and registers its own.
BUILT_IN: dict[str, TicketModule] = {
    Kind.APPEAL: TicketModule(
        kind=Kind.APPEAL,
        label="民生诉求",
        register_roles=CENTRE_ROLES | UNIT_ROLES,
        # The province's published 12345 handling times by appeal type (PRODUCT.md).
        sla_defaults={
            "consultation": {"handle_within": "2wd"},
            "help": {"handle_within": "10wd"},
            "suggestion": {"handle_within": "10wd"},
            "complaint": {"handle_within": "15wd"},
            "report": {"handle_within": "15wd"},
            "praise": {"handle_within": "2wd"},
        },
    ),
    Kind.ENTERPRISE: TicketModule(
        kind=Kind.ENTERPRISE,
        label="企业诉求",
        register_roles=CENTRE_ROLES | {Role.SERVICE_OFFICER},
        raters=frozenset({Rater.ENTERPRISE}),
    ),
    Kind.INSPECTION: TicketModule(
        kind=Kind.INSPECTION,
        label="督查问题",
        register_roles=CENTRE_ROLES | {Role.SUPERVISOR},
        raters=frozenset({Rater.INSPECTOR}),
    ),
    Kind.PROJECT: TicketModule(
        kind=Kind.PROJECT,
        label="项目问题",
        register_roles=CENTRE_ROLES | {Role.PROJECT_REPORTER, Role.LEADER},
        raters=frozenset({Rater.INSPECTOR}),
    ),
}

_registry: dict[str, TicketModule] = {}


def register(module: TicketModule) -> None:
    """Declare the module that owns ``module.kind`` (once per kind)."""
    if module.kind not in Kind.values:
        raise ValueError(f"unknown ticket kind {module.kind!r}: add it to tickets.choices.Kind")
    _check_rules(module)
    existing = _registry.get(module.kind)
    if existing is not None and existing != module:
        raise ValueError(f"ticket kind {module.kind!r} already belongs to {existing.label}")
    _registry[module.kind] = module


def _check_rules(module: TicketModule) -> None:
    """A module may grant only actions a user takes under a scope: not the engine's own
    (suggestions, auto-dispatch, lapses) nor the public's (online rating, portal photos)."""
    from .services.base import TABLE  # the table imports this module: read it at call time

    for action, grant in module.extra_rules.items():
        rule = TABLE.get(action)
        if rule is None:
            raise ValueError(f"{module.label}: unknown action {action!r} in extra_rules")
        if not rule.roles or rule.scope == "none":
            raise ValueError(f"{module.label}: {action!r} is not a user's action to grant")
        if not grant.roles:
            raise ValueError(f"{module.label}: the grant of {action!r} names no role")


def unregister(kind: str) -> None:
    """Forget a kind's module (tests that register a module of their own)."""
    _registry.pop(kind, None)


@contextmanager
def substituted(module: TicketModule) -> Iterator[TicketModule]:
    """Let ``module`` own its kind for the duration, then give the kind back to the module
    that owned it before (tests that stand in for an installed module)."""
    previous = _registry.pop(module.kind, None)
    register(module)
    try:
        yield module
    finally:
        _registry.pop(module.kind, None)
        if previous is not None:
            _registry[module.kind] = previous


def for_kind(kind: str) -> TicketModule:
    return _registry.get(kind) or BUILT_IN[kind]


def all_modules() -> list[TicketModule]:
    return [for_kind(kind) for kind in Kind.values]


def sla_rows(module: TicketModule) -> list[tuple[str, ...]]:
    """The module's SLA defaults as rows for ``sla.seed.seed_rules`` (over the generic rule)."""
    base = default_durations()
    rows: list[tuple[str, ...]] = []
    for appeal_type, overrides in module.sla_defaults.items():
        durations = {**base, **overrides}
        rows.append((module.kind, appeal_type, "", *(durations[f] for f in RULE_FIELDS)))
    return rows


def seed_sla(SlaRule: Any) -> int:
    """Create every module's default SLA rules that do not exist yet (admins' edits kept)."""
    return sum(seed_rules(SlaRule, sla_rows(module)) for module in all_modules())


_observers: list[Hook] = []


def observe(hook: Hook) -> None:
    """Have ``hook(*, ticket, event, actor, now)`` called after every event of every kind.

    For apps that react to all tickets rather than own a kind (notifications): registered
    from their ``AppConfig.ready()``, called inside the event's transaction after the
    owning module's hook. An observer writes only its own rows (an outbox, notices);
    anything that leaves the database (SMS, webhooks) is sent after commit. (Breach events
    of ``duban sla tick`` are written in bulk without hooks: react to deadlines in the
    tick's own job.)
    """
    if hook not in _observers:
        _observers.append(hook)


def unobserve(hook: Hook) -> None:
    if hook in _observers:
        _observers.remove(hook)


def after_event(*, ticket: Ticket, event: TicketEvent, actor: User | None, now: datetime) -> None:
    """Run the owning module's hook, then the observers, for an event just written."""
    for_kind(ticket.kind).on_transition(ticket=ticket, event=event, actor=actor, now=now)
    for hook in _observers:
        hook(ticket=ticket, event=event, actor=actor, now=now)
