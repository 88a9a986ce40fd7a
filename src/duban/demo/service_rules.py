"""The services' own rules beyond the state table, one function per action.

Each function checks one event against what its service (named in the docstring) would
have refused, and moves the walk on as the service would have changed the ticket:
deadlines from ``sla.deadlines``, the pending extension, where a return came from, the
call-back attempts. The constants are the services' own (``tickets.rules``,
``DISPATCHABLE_KINDS``); the few rules that live only inside a service's body are restated
here, each next to the service it comes from. Used by :mod:`duban.demo.rules_check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import timezone

from duban.org.models import Role
from duban.sla.deadlines import (
    callback_due,
    dispatch_deadlines,
    extended_handle_due,
    extension_limit_days,
)
from duban.tickets.choices import ReplyResult, Satisfaction, State, SuperviseLevel
from duban.tickets.events import REPLAYED_FIELDS
from duban.tickets.rules import MAX_CALLBACK_ATTEMPTS
from duban.tickets.services.dispatching import DISPATCHABLE_KINDS

if TYPE_CHECKING:
    from .rules_check import RuleChecker


DUES = ("accept_due", "contact_due", "return_due", "handle_due", "callback_due")
# ``ticket_direct_answer``'s results.
DIRECT_RESULTS = frozenset({ReplyResult.SOLVED, ReplyResult.EXPLAINED})
# The services that call ``close_duplicates`` when they close the master.
CLOSES_DUPLICATES = frozenset({"direct_answer", "callback", "rate_online"})


def pk(value: object) -> int:
    """An id read from a payload (-1, which names nothing, when it is not an id)."""
    return value if isinstance(value, int) else -1


def local(moment: datetime | None) -> str:
    """A moment as the district reads it (local time, to the second)."""
    if moment is None:
        return "none"
    return timezone.localtime(moment).isoformat(sep=" ", timespec="seconds")


class Event(NamedTuple):
    seq: int
    type: str
    from_state: str
    to_state: str
    payload: dict[str, Any]
    at: datetime
    actor_id: int | None
    actor_unit_id: int | None


class Assigned(NamedTuple):
    unit_path: str
    role: str
    assigned_at: datetime
    finished_at: datetime | None


@dataclass
class Walk:
    """What the checker follows of one ticket while walking its events."""

    fields: dict[str, Any] = field(default_factory=lambda: dict(REPLAYED_FIELDS))
    due: dict[str, datetime | None] = field(default_factory=lambda: dict.fromkeys(DUES))
    flagged: set[str] = field(default_factory=set)  # breach columns set
    contacted: bool = False  # first_contact_at set
    pending: int = 0  # extension_pending_days
    return_from: str = ""
    attempts: int = 0  # callback_attempts
    last_at: datetime | None = None
    register_at: datetime | None = None


@dataclass
class Merge:
    number: str
    master_id: int | None
    at: datetime
    closed: tuple[datetime, int | None] | None = None  # close_with_master: (at, actor)


Report = Callable[[str, str], None]


# -- the services' own rules, one function per action ------------------------------------------
def _dispatch(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_dispatch``: dispatchable, distinct units; deadlines from the rule; auto only
    as the engine's own dispatch at intake (``ticket_register``, same moment)."""
    p = e.payload
    unit = c.units.get(pk(p.get("unit")))
    if unit is None or unit.kind not in DISPATCHABLE_KINDS:
        bad("dispatch", f"primary unit {p.get('unit')} is not a dispatchable unit")
    elif (p.get("set") or {}).get("primary_unit_id", w.fields["primary_unit_id"]) != unit.pk:
        bad("dispatch", "primary_unit_id differs from the payload's unit")
    co = p.get("co_units") or []
    if len(set(co)) != len(co) or p.get("unit") in co:
        bad("dispatch", "co-units repeat or include the primary unit")
    if any(u not in c.units or c.units[u].kind not in DISPATCHABLE_KINDS for u in co):
        bad("dispatch", "a co-unit is not a dispatchable unit")
    if bool(p.get("auto")) != (e.actor_id is None):
        bad("dispatch", "auto is the engine's dispatch (no user), and only that")
    elif e.actor_id is None and (w.register_at != e.at or e.from_state != State.REGISTERED):
        bad("dispatch", "auto-dispatch later than the registration")
    d = dispatch_deadlines(rule=c.rule(t), calendar=c.calendar, dispatched_at=e.at)
    w.due.update(
        accept_due=d.accept_due,
        contact_due=d.contact_due,
        return_due=d.return_due,
        handle_due=d.handle_due,
    )
    w.flagged -= {"accept_breached_at", "contact_breached_at", "handle_breached_at"}
    w.contacted = False


def _accept(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_accept``: a reopened ticket gets a new handling deadline."""
    if e.from_state == State.REOPENED:
        d = dispatch_deadlines(rule=c.rule(t), calendar=c.calendar, dispatched_at=e.at)
        w.due["handle_due"] = d.handle_due
        w.flagged.discard("handle_breached_at")


def _record_contact(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    w.contacted = True


def _request_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_request_return``: within the return window."""
    due = w.due["return_due"]
    if due is not None and e.at > due:
        bad("return_window", f"requested {local(e.at)}, the window closed {local(due)}")
    w.return_from = e.from_state


def _approve_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    w.due.update(accept_due=None, contact_due=None, return_due=None, handle_due=None)
    w.return_from = ""


def _reject_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reject_return``: back to where the return was requested."""
    back = w.return_from or State.DISPATCHED
    if e.to_state != back:
        bad("target", f"to {e.to_state!r}, the return was requested from {back!r}")
    w.return_from = ""


def _sub_dispatch(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_sub_dispatch``: to an active unit strictly below the primary unit."""
    unit, primary = c.units.get(pk(e.payload.get("unit"))), c.units.get(w.fields["primary_unit_id"])
    if unit is None or primary is None or unit.pk == primary.pk or not unit.is_within(primary):
        bad("units", f"sub-dispatch to unit {e.payload.get('unit')} not below the primary unit")


def _request_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_request_extension``: none pending; in total at most the rule's limit."""
    days = e.payload.get("days")
    limit = extension_limit_days(c.rule(t))
    if w.pending:
        bad("extension", "requested while another request is pending")
    if not isinstance(days, int) or days < 1 or w.fields["extension_days"] + days > limit:
        bad("extension", f"{days} days after {w.fields['extension_days']}, limit {limit}")
    w.pending = days if isinstance(days, int) else 0


def _approve_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_approve_extension``: a pending request; the handling deadline moves."""
    due = w.due["handle_due"]
    if not w.pending or due is None:
        bad("extension", "approved without a pending request")
    else:
        w.due["handle_due"] = extended_handle_due(
            calendar=c.calendar, handle_due=due, extra_days=w.pending
        )
        w.flagged.discard("handle_breached_at")
    w.pending = 0


def _reject_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    if not w.pending:
        bad("extension", "rejected without a pending request")
    w.pending = 0


def _reply(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reply``: a result of the choices; a reason when it cannot be solved."""
    result = e.payload.get("result")
    if result not in ReplyResult.values:
        bad("values", f"reply result {result!r}")
    elif result == ReplyResult.CANNOT and not (e.payload.get("reason") or "").strip():
        bad("values", "「无法解决」 without a reason")


def _direct_answer(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    result = (e.payload.get("set") or {}).get("reply_result")
    if result not in DIRECT_RESULTS:
        bad("values", f"direct answer with result {result!r}")


def _review_pass(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_review_pass``: the call-back clock starts."""
    w.due["callback_due"] = callback_due(rule=c.rule(t), calendar=c.calendar, reviewed_at=e.at)


def _rating(e: Event, bad: Report) -> None:
    if (
        e.payload.get("resolved") is None
        or e.payload.get("satisfaction") not in Satisfaction.values
    ):
        bad("values", "a rating needs resolved and a satisfaction of the choices")


def _callback(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_callback``: every call-back counts an attempt; unanswered ones close at the
    limit; a reached one rates, and reopens only when unsatisfied or unresolved."""
    w.attempts += 1
    p = e.payload
    if not p.get("reached"):
        closes = w.attempts >= MAX_CALLBACK_ATTEMPTS
        expected = State.CLOSED if closes else e.from_state
        if e.to_state != expected:
            bad("callback", f"unanswered attempt {w.attempts} goes to {e.to_state!r}")
        return
    _rating(e, bad)
    if p.get("reopen"):
        if p.get("satisfaction") != Satisfaction.UNSATISFIED and p.get("resolved"):
            bad("callback", "reopened although satisfied and resolved")
        expected = State.REOPENED
    else:
        expected = State.CLOSED
    if e.to_state != expected:
        bad("callback", f"reached call-back goes to {e.to_state!r}, not {expected!r}")


def _rate_online(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_rate_online``: the caller (known by phone) rates; the ticket closes."""
    _rating(e, bad)
    if t["caller_id"] is None:
        bad("values", "rated online without a caller")
    if e.to_state != State.CLOSED:
        bad("target", f"online rating goes to {e.to_state!r}")


def _reopen(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    if w.fields["primary_unit_id"] is None:
        bad("units", "reopened without a unit to reopen to")


def _merge(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    master = (e.payload.get("set") or {}).get("master_id")
    if master is None or master == t["pk"]:
        bad("merge", f"merged into {master!r}")
    c.merges[t["pk"]] = Merge(t["number"], master, e.at)


def _close_with_master(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    merge = c.merges.get(t["pk"])
    if merge is None:
        bad("merge", "closed with a master it was never merged into")
    else:
        merge.closed = (e.at, e.actor_id)


def _supervise(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    level = e.payload.get("level")
    if level not in SuperviseLevel.values or level == SuperviseLevel.NONE:
        bad("values", f"supervision level {level!r}")


def _assign_leader(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    leader = c.users.get(pk(e.payload.get("leader")))
    if leader is None or leader.role != Role.LEADER:
        bad("values", f"leader {e.payload.get('leader')!r} is not a leader")


def _escalate(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    if w.fields["escalated"]:
        bad("escalation", "escalated twice")


SERVICE_RULES: dict[str, Callable[[RuleChecker, dict[str, Any], Event, Walk, Report], None]] = {
    "dispatch": _dispatch,
    "auto_dispatch": _dispatch,
    "accept": _accept,
    "record_contact": _record_contact,
    "request_return": _request_return,
    "approve_return": _approve_return,
    "reject_return": _reject_return,
    "sub_dispatch": _sub_dispatch,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "reply": _reply,
    "direct_answer": _direct_answer,
    "review_pass": _review_pass,
    "callback": _callback,
    "rate_online": _rate_online,
    "reopen": _reopen,
    "merge": _merge,
    "close_with_master": _close_with_master,
    "supervise": _supervise,
    "assign_leader": _assign_leader,
    "escalate": _escalate,
}
