"""Every stored event checked against the engine's own rules (part of ``duban demo --check``).

The demo writes its tickets in bulk instead of calling the services (playing 50 000
tickets through them would take about 28 times as long, see ``bench/demo_paths.py``), so
this module proves, event by event, that what it wrote is what the services could have
written. Walking each ticket's events in order, with the ticket as it was before each:

- **the state table** (``tickets.services.base.TABLE``, the rule of the event's action):
  ``from_state`` is one of the rule's sources; ``to_state`` is its target, or, where the
  service decides, the service's choice (call-backs, rejected returns, ratings) and
  otherwise the state kept; the actor passes the engine's own ``check_permission`` (role
  and unit scope: district, primary unit; or the grant the kind's module declared); a
  system rule (no roles) has no actor; the
  ``assigned`` scope is checked against the assignments as they were at the event;
- **the rules the services hold beyond the table**, by calling the services' own refusal
  functions and predicates (``register_refusal``, ``dispatch_unit_refusal``,
  ``return_request_refusal``, ``extension_request_refusal``, ``rating_refusal``,
  ``merge_refusal`` …, and the constants of ``tickets.rules`` and ``tickets.clocks``) on
  the ticket as it was before the event (:meth:`RuleChecker.ticket_at`), and the SLA
  functions (``sla.deadlines``): who may register what; deadlines recomputed at dispatch,
  reopen, extension and review, and pushed out by a rejected return for the time the
  unit's clock stood still; the return window; extensions (one pending at a time, at most
  the rule's limit, none left pending at a reply: it lapses); breaches only on a running
  clock (never while the centre rules on a return), after its deadline, once;
  escalation after three returns or reopens; call-backs (three unanswered of a round
  close, a reopen only when the rating may); valid results, ratings, levels and leaders;
  sub-dispatch below the primary unit; the suggestions and auto-dispatch at intake; merges
  into an open master and closing with it (:data:`CLOSES_DUPLICATES`). What the checker
  still follows itself, and why, is listed in :mod:`duban.demo.service_rules`;
- **payloads**: every event carries exactly the keys its type's payload function gives
  (:mod:`duban.demo.payload_keys`), and ``set`` unless it is a breach;
- the stored row agrees with the walk: deadlines, breach flags, call-back attempts, a
  pending extension and when the unit's clock stopped.

Deadlines are recomputed with today's SLA rules and calendar, so a database whose rules
changed after its tickets were dispatched reports those tickets under ``deadline``.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from duban.org.models import Unit, User
from duban.sla.models import SlaRule
from duban.sla.selectors import get_calendar, get_rules, rule_for
from duban.tickets.choices import AssignmentRole, State
from duban.tickets.clocks import CLOCKS
from duban.tickets.errors import PermissionDenied
from duban.tickets.models import Ticket, TicketEvent
from duban.tickets.rules import ESCALATE_AFTER
from duban.tickets.services.base import TABLE, Rule, check_permission
from duban.tickets.services.closing import CLOSES_DUPLICATES, merge_refusal
from duban.tickets.services.intake import register_refusal

from .payload_keys import PayloadKeys, payload_problem
from .service_rules import (
    DUES,
    SERVICE_RULES,
    Assigned,
    Event,
    Merge,
    Report,
    Walk,
    local,
)

# What each check verifies (the summary's lines).
CHECKS: dict[str, str] = {
    "sequence": "事件顺序 / events in order: seq 1…version, each starting where the last ended",
    "time": "时间顺序 / no event earlier than the one before it",
    "type": "事件类型 / every event type has a rule",
    "source": "起始状态 / from_state is one of the rule's sources",
    "target": "目标状态 / to_state is the rule's (or the service's) target",
    "permission": "角色与范围 / actor's role and unit within the rule's roles and scope",
    "register": "登记 / registrar allowed for the kind, anonymous only online; suggestions",
    "dispatch": "派单 / dispatchable units; auto-dispatch only by the engine at intake",
    "deadline": "时限 / deadlines as the SLA rules compute them",
    "return_window": "退单时限 / returns requested within the return window",
    "extension": "延期 / one pending request, at most the rule's limit; lapsed, not dropped",
    "breach": "超时 / breaches on a running clock, after its deadline, once",
    "escalation": "提级 / escalated after three returns or reopens, and only once",
    "callback": "回访 / three unanswered call-backs close; reopen only when unsatisfied",
    "values": "取值 / results, ratings, levels and leaders within their choices",
    "units": "下派与重办 / sub-dispatch below the primary unit; reopen needs a unit",
    "merge": "合并 / merged into an open master, closed when (and as) the master closes",
    "stored": "存储一致 / stored deadlines, flags and counters match the events",
    "payload": "载荷 / payload keys as the event type's payload function gives them",
    "invariants": "不变量 / replay gives the stored fields; units, deadlines, closing, masters",
}
STORED_COLUMNS = (
    *DUES,
    *(c.breached for c in CLOCKS),
    "callback_attempts",
    "extension_pending_days",
    "clock_stopped_at",
    "kind",
    "appeal_type",
    "urgency",
    "channel",
    "caller_id",
)
# Rules whose target the service decides (the walk checks it in the rule's own check).
DECIDED = frozenset({"reject_return", "callback", "rate_online"})
CLOCK_BY_BREACH = {str(c.breach): c for c in CLOCKS}


class Problem(NamedTuple):
    ticket: str  # the ticket's number
    check: str  # a key of CHECKS
    detail: str

    def __str__(self) -> str:
        return f"{self.ticket}: [{self.check}] {self.detail}"


class RuleChecker:
    """Checks tickets' events against the rules; one instance walks a whole database."""

    def __init__(self) -> None:
        self.units = {u.pk: u for u in Unit.objects.all()}
        self.users: dict[int, User] = {}
        for user in User.objects.all():
            if user.unit_id is not None:
                user.unit = self.units[user.unit_id]
            self.users[user.pk] = user
        self.calendar = get_calendar()
        self.sla = get_rules()
        self._sla_rules: dict[tuple[str, str, str], SlaRule] = {}
        self._actors: dict[tuple[int, int | None], User] = {}
        self._stubs: dict[tuple[int, int | None], Ticket] = {}
        self._at = Ticket()
        self.payload_keys = PayloadKeys()
        self.merges: dict[int, Merge] = {}
        self.events = Counter[str]()

    # -- one ticket --------------------------------------------------------------------------
    def check_ticket(
        self, t: dict[str, Any], events: list[Event], assigned: list[Assigned]
    ) -> list[Problem]:
        out: list[Problem] = []
        w = Walk()
        for e in events:

            def bad(check: str, detail: str, e: Event = e) -> None:
                out.append(Problem(t["number"], check, f"#{e.seq} {e.type}: {detail}"))

            self.events[e.type] += 1
            if w.last_at is not None and e.at < w.last_at:
                bad("time", f"at {local(e.at)}, before the previous event ({local(w.last_at)})")
            if (problem := payload_problem(self.payload_keys, e.type, e.payload)) is not None:
                bad("payload", problem)
            if e.type == "register":
                self._register(t, e, w, bad)
            elif e.type == "breach":
                self._breach(e, w, bad)
            else:
                action = _action(e)
                rule = TABLE.get(action)
                if rule is None:
                    bad("type", "no rule in the state table")
                else:
                    self._table(t, e, action, rule, w, assigned, bad)
                    service_rule = SERVICE_RULES.get(action)
                    if service_rule is not None:
                        service_rule(self, t, e, w, bad)
            self._advance(e, w, bad)

        def report(check: str, detail: str) -> None:
            out.append(Problem(t["number"], check, detail))

        if events and w.suggestions is None:
            report("register", "no suggest event after the registration")
        self._stored(t, w, report)
        return out

    def _advance(self, e: Event, w: Walk, bad: Report) -> None:
        before = w.fields
        after = {**before, "state": e.to_state}
        for name, value in (e.payload.get("set") or {}).items():
            if name in after:
                after[name] = value
        for count in ("return_count", "reopen_count"):
            raised = after[count] > before[count] and after[count] >= ESCALATE_AFTER
            if raised and not after["escalated"]:
                bad("escalation", f"{count} {after[count]} without escalation")
        w.fields, w.last_at = after, e.at

    def _table(
        self,
        t: dict[str, Any],
        e: Event,
        action: str,
        rule: Rule,
        w: Walk,
        assigned: list[Assigned],
        bad: Report,
    ) -> None:
        if e.from_state not in rule.sources:
            bad("source", f"from {e.from_state!r}, the rule starts from {_states(rule.sources)}")
        if rule.target is not None:
            if e.to_state != rule.target:
                bad("target", f"to {e.to_state!r}, the rule goes to {str(rule.target)!r}")
        elif action not in DECIDED and e.to_state != e.from_state:
            bad("target", f"to {e.to_state!r}: the service keeps the state {e.from_state!r}")
        if not rule.roles:  # the engine's or the public's own action
            if e.actor_id is not None:
                bad("permission", f"user {e.actor_id} acted in a system rule ({action})")
            return
        actor = self.actor(e)
        if rule.scope == "assigned":
            self._assigned(e, actor, rule, assigned, bad)
            return
        if rule.scope == "visible":  # today's visibility says nothing of then: role only
            if actor is None or actor.role not in rule.roles:
                bad("permission", f"{_who(actor)} may not {action}")
            return
        ticket = self._stub(t, w)
        if actor is not None and not actor.has_role(rule.roles):
            # A module's grant (``TicketModule.extra_rules``): its scope reads the module's
            # rows of this very ticket (today's, like the ``visible`` scope above).
            ticket = Ticket(
                pk=t["pk"],
                kind=t["kind"],
                district_id=ticket.district_id,
                primary_unit=ticket.primary_unit,
            )
        try:
            check_permission(ticket=ticket, actor=actor, action=action)
        except PermissionDenied as exc:
            bad("permission", f"{_who(actor)}: {exc.message}")

    def _assigned(
        self, e: Event, actor: User | None, rule: Rule, assigned: list[Assigned], bad: Report
    ) -> None:
        """``check_permission``'s ``assigned`` scope, with the assignments active at the event."""
        scope = actor.scope_path if actor is not None else None
        if actor is None or actor.role not in rule.roles or scope is None:
            bad("permission", f"{_who(actor)} may not {e.type}")
            return
        if not any(
            a.role in (AssignmentRole.CO, AssignmentRole.SUB)
            and a.unit_path.startswith(scope)
            and a.assigned_at <= e.at
            and (a.finished_at is None or a.finished_at >= e.at)
            for a in assigned
        ):
            bad("permission", f"{_who(actor)}: the unit had no active part in the ticket")

    # -- events outside the table ----------------------------------------------------------------
    def _register(self, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
        """``ticket_register``: the first event; ``register_refusal`` (the kind's register
        roles; anonymous only online)."""
        if e.seq != 1 or e.from_state != "" or e.to_state != State.REGISTERED:
            bad("source", f"register as event {e.seq}, {e.from_state!r} → {e.to_state!r}")
        actor = self.actor(e)
        refusal = register_refusal(actor=actor, kind=t["kind"], channel=t["channel"])
        if refusal is not None:
            bad("register", f"{_who(actor)}, {t['kind']} by {t['channel']}: {refusal.message}")
        w.register_at = e.at

    def _breach(self, e: Event, w: Walk, bad: Report) -> None:
        """``sla_tick``: on a running clock, after its deadline, once until a service resets it."""
        clock = CLOCK_BY_BREACH.get(e.payload.get("clock", ""))
        if clock is None:
            bad("breach", f"unknown clock {e.payload.get('clock')!r}")
            return
        if e.actor_id is not None or e.from_state != e.to_state:
            bad("breach", "a breach has no actor and keeps the state")
        if not clock.running(e.from_state) or (clock.done == "first_contact_at" and w.contacted):
            bad("breach", f"{clock.breach} clock not running in {e.from_state!r}")
        if clock.breached in w.flagged:
            bad("breach", f"{clock.breach} flagged twice")
        due, stated = w.due[clock.due], e.payload.get("due")
        if due is None or stated is None or datetime.fromisoformat(stated) != due:
            bad("breach", f"due {stated} differs from the deadline {local(due)}")
        elif not e.at > due:
            bad("breach", f"flagged at {local(e.at)}, not after the deadline {local(due)}")
        w.flagged.add(clock.breached)

    # -- the stored row --------------------------------------------------------------------------
    def _stored(self, t: dict[str, Any], w: Walk, bad: Report) -> None:
        for name in DUES:
            if t[name] != w.due[name]:
                rules_give = local(w.due[name])
                bad("deadline", f"stored {name} {local(t[name])}, the rules give {rules_give}")
        for clock in CLOCKS:
            if (t[clock.breached] is not None) != (clock.breached in w.flagged):
                flag = local(t[clock.breached])
                bad("stored", f"{clock.breached} {flag}, but the events say otherwise")
        if t["callback_attempts"] != w.attempts:
            bad("stored", f"callback_attempts {t['callback_attempts']}, {w.attempts} call-backs")
        if t["extension_pending_days"] != w.pending:
            bad("stored", f"extension_pending_days {t['extension_pending_days']} vs {w.pending}")
        if t["clock_stopped_at"] != w.stopped_at:
            stopped, walked = local(t["clock_stopped_at"]), local(w.stopped_at)
            bad("stored", f"clock_stopped_at {stopped}, the events say {walked}")

    # -- merges across tickets -------------------------------------------------------------------
    def check_merges(self) -> list[Problem]:
        """Merged into an open master; closed with it, when and as the master closed."""
        out: list[Problem] = []
        masters = sorted({m.master_id for m in self.merges.values() if m.master_id})
        history: dict[int, list[tuple]] = defaultdict(list)
        for start in range(0, len(masters), 2000):
            for tid, *rest in (
                TicketEvent.objects.filter(ticket_id__in=masters[start : start + 2000])
                .order_by("ticket_id", "seq")
                .values_list("ticket_id", "at", "type", "to_state", "actor_id")
            ):
                history[tid].append(tuple(rest))
        for ticket_id, m in self.merges.items():
            events = history.get(m.master_id or 0, [])
            before = [ev for ev in events if ev[0] <= m.at]
            state = before[-1][2] if before else ""  # the master's state at the merge
            if m.master_id is not None:
                master = Ticket(pk=m.master_id, state=state)
                if (refusal := merge_refusal(Ticket(pk=ticket_id), master=master)) is not None:
                    then = state or "not yet registered"
                    out.append(Problem(m.number, "merge", f"master {then}: {refusal.message}"))
            closing = next(
                (
                    (at, actor)
                    for at, type_, to_state, actor in events
                    if at >= m.at and type_ in CLOSES_DUPLICATES and to_state == State.CLOSED
                ),
                None,
            )
            if closing != m.closed:
                out.append(
                    Problem(
                        m.number,
                        "merge",
                        f"closed with the master {_moment(m.closed)}, "
                        f"the master closed {_moment(closing)}",
                    )
                )
        return out

    # -- helpers -------------------------------------------------------------------------------
    def rule(self, t: dict[str, Any]) -> SlaRule:
        key = (t["kind"], t["appeal_type"], t["urgency"])
        if key not in self._sla_rules:
            self._sla_rules[key] = rule_for(
                kind=key[0], appeal_type=key[1], urgency=key[2], rules=self.sla
            )
        return self._sla_rules[key]

    def actor(self, e: Event) -> User | None:
        """The actor as they were: their user, in the unit the event recorded."""
        if e.actor_id is None:
            return None
        key = (e.actor_id, e.actor_unit_id)
        if key not in self._actors:
            user = self.users[e.actor_id]
            if user.unit_id != e.actor_unit_id:
                user = copy.copy(user)
                user.unit = self.units.get(e.actor_unit_id)  # type: ignore[arg-type]
            self._actors[key] = user
        return self._actors[key]

    def ticket_at(self, t: dict[str, Any], w: Walk) -> Ticket:
        """The ticket as a service reads it before the event, for the services' refusal
        functions: an unsaved ``Ticket`` with the stored row's fixed fields (kind, types,
        channel, district, caller), the replayed fields, deadlines, pending extension and
        suggestions of the walk. One instance is reused: valid until the next call."""
        at = self._at
        for name in ("pk", "number", "kind", "appeal_type", "urgency", "channel"):
            setattr(at, name, t[name])
        at.district_id, at.caller_id = t["district_id"], t["caller_id"]
        for name, value in w.fields.items():
            if name != "primary_unit_id":
                setattr(at, name, value)
        at.primary_unit = self.units.get(w.fields["primary_unit_id"] or 0)
        for name, value in w.due.items():
            setattr(at, name, value)
        at.extension_pending_days = w.pending
        at.return_from_state = w.return_from
        at.clock_stopped_at = w.stopped_at
        at.callback_attempts = w.attempts
        at.suggestions = w.suggestions or {}
        return at

    def _stub(self, t: dict[str, Any], w: Walk) -> Ticket:
        """The ticket as ``check_permission`` reads it: its district and primary unit then."""
        key = (int(t["district_id"]), w.fields["primary_unit_id"])
        if key not in self._stubs:
            unit = self.units.get(key[1]) if key[1] else None
            self._stubs[key] = Ticket(primary_unit=unit, district_id=key[0])
        return self._stubs[key]


def _action(e: Event) -> str:
    """The state-table rule an event was written under (``ticket_dispatch`` without a user
    acts under ``auto_dispatch`` and still writes a ``dispatch`` event; a merged ticket's
    events have rules of their own, :data:`_FROM_MERGED`)."""
    if e.type == "dispatch" and e.actor_id is None:
        return "auto_dispatch"
    if e.from_state == "merged" and e.type in _FROM_MERGED:
        return _FROM_MERGED[e.type]
    return e.type


# Events a merged ticket writes under their own rules: handed on to a new master, and its
# caller's call-back or online rating of the master's outcome.
_FROM_MERGED = {
    "merge": "remerge",
    "callback": "callback_merged",
    "rate_online": "rate_online_merged",
}


def _states(states: frozenset[str]) -> str:
    return ", ".join(sorted(map(str, states)))


def _who(actor: User | None) -> str:
    return "no user" if actor is None else f"{actor.username} ({actor.role})"


def _moment(value: tuple[datetime, int | None] | None) -> str:
    return "never" if value is None else f"at {local(value[0])} by user {value[1]}"
