"""The services' own rules beyond the state table, one function per action.

Each function checks one event against what its service (named in the docstring) would
have refused, by calling that service's own refusal function or predicate
(``tickets.services.*``, ``tickets.rules``) on the ticket as it was before the event
(:meth:`RuleChecker.ticket_at <duban.demo.rules_check.RuleChecker.ticket_at>`, an unsaved
``Ticket`` from the replayed fields and the walk), and moves the walk on as the service
would have changed the ticket. Used by :mod:`duban.demo.rules_check`.

What stays here, and why it cannot be shared:

- **which deadlines, breach flags and counters each service sets or clears** (dispatch,
  reopen, extension, return request and ruling, review; ``callback_attempts``, the pending
  extension, the state a return came from, when the unit's clock stopped). The services
  compute them inside their ``changes`` with the SLA rule and calendar they read, into
  columns the event does not carry (only the replayed fields are in ``payload["set"]``);
  the walk recomputes them with the same functions (``sla.deadlines``,
  ``resumed_deadlines`` for a rejected return) and :data:`~duban.tickets.clocks.CLOCKS`
  so the stored row can be proven, and follows the events for the rest;
- **where a call-back leaves the ticket**: closed, reopened (a rating, whose refusal is
  shared) or kept until the ``MAX_CALLBACK_ATTEMPTS``-th unanswered attempt closes it. The
  service decides it in its ``changes`` (``_rating_changes`` and the unanswered branch);
  the walk follows the same constant;
- **where intake calls the services**: the ``suggest`` event and an auto-dispatch (no user,
  ``auto``) come at the registration moment, as ``ticket_register`` writes them; these are
  the order of intake's calls, not a refusal of any service;
- **a rating online needs a caller**: the service checks the caller's phone, which no event
  records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import timezone

from duban.sla.deadlines import callback_due, dispatch_deadlines, extended_handle_due
from duban.tickets.choices import ReplyResult, State
from duban.tickets.events import REPLAYED_FIELDS
from duban.tickets.rules import DIRECT_ANSWER_RESULTS, MAX_CALLBACK_ATTEMPTS, reply_needs_reason
from duban.tickets.services.closing import online_rating_refusal, rating_refusal, reopen_refusal
from duban.tickets.services.dispatching import (
    co_units_refusal,
    dispatch_unit_refusal,
    rejected_return_state,
    resumed_deadlines,
    return_request_refusal,
    sub_dispatch_refusal,
    suggested_unit_id,
)
from duban.tickets.services.handling import extension_decision_refusal, extension_request_refusal
from duban.tickets.services.overlays import escalate_refusal, leader_refusal, supervise_refusal

if TYPE_CHECKING:
    from .rules_check import RuleChecker


DUES = ("accept_due", "contact_due", "return_due", "handle_due", "callback_due")


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
    return_from: str = ""  # return_from_state
    stopped_at: datetime | None = None  # clock_stopped_at
    attempts: int = 0  # callback_attempts
    suggestions: dict[str, Any] | None = None  # the suggest event's (None: none yet)
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
def _suggest(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_register`` stores the intelligence's suggestions right after the registration."""
    if e.seq != 2 or e.at != w.register_at:
        bad("register", f"suggestions stored as event {e.seq} at {local(e.at)}, not at intake")
    suggestions = e.payload.get("suggestions")
    w.suggestions = suggestions if isinstance(suggestions, dict) else {}


def _dispatch(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_dispatch``: dispatchable, distinct units (``dispatch_unit_refusal``,
    ``co_units_refusal``); the suggested unit as intake stored it (``suggested_unit_id``);
    deadlines from the rule; auto only as the engine's own dispatch at intake."""
    p = e.payload
    unit = c.units.get(pk(p.get("unit")))
    if unit is None:
        bad("dispatch", f"primary unit {p.get('unit')!r} is not a unit")
    elif (refusal := dispatch_unit_refusal(unit)) is not None:
        bad("dispatch", f"{unit.name}: {refusal.message}")
    elif (p.get("set") or {}).get("primary_unit_id", w.fields["primary_unit_id"]) != unit.pk:
        bad("dispatch", "primary_unit_id differs from the payload's unit")
    ids = p.get("co_units") or []
    co = [c.units[pk(u)] for u in ids if pk(u) in c.units]
    if len(co) != len(ids):
        bad("dispatch", f"co-units {ids} are not all units")
    for u in co:
        if (refusal := dispatch_unit_refusal(u, field="co_units")) is not None:
            bad("dispatch", f"co-unit {u.name}: {refusal.message}")
    if unit is not None and (refusal := co_units_refusal(unit, co)) is not None:
        bad("dispatch", refusal.message)
    suggested = suggested_unit_id(w.suggestions)
    if p.get("suggested_unit") != suggested:
        bad("dispatch", f"suggested_unit {p.get('suggested_unit')!r}, intake suggested {suggested}")
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


def _record_contact(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    w.contacted = True


def _request_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_request_return``: ``return_request_refusal`` (the return window)."""
    if (refusal := return_request_refusal(c.ticket_at(t, w), now=e.at)) is not None:
        closed = local(w.due["return_due"])
        bad("return_window", f"requested {local(e.at)}: {refusal.message} ({closed})")
    w.return_from = e.from_state
    w.stopped_at = e.at  # the unit's clocks stop until the centre rules


def _approve_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_approve_return``: the deadlines go; a pending extension lapsed first."""
    _nothing_pending(w, bad, "approve_return")
    w.due.update(accept_due=None, contact_due=None, return_due=None, handle_due=None)
    w.return_from = ""
    w.stopped_at = None


def _reject_return(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reject_return``: to ``rejected_return_state`` (where the return came from);
    the clocks running there again, their deadlines pushed out (``resumed_deadlines``)."""
    back = rejected_return_state(w.return_from)
    if e.to_state != back:
        bad("target", f"to {e.to_state!r}, the return was requested from {back!r}")
    done = {"first_contact_at": True if w.contacted else None}
    w.due.update(
        resumed_deadlines(
            state=back,
            values={**w.due, **done},
            rule=c.rule(t),
            calendar=c.calendar,
            stopped_at=w.stopped_at,
            resumed_at=e.at,
        )
    )
    w.return_from = ""
    w.stopped_at = None


def _sub_dispatch(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_sub_dispatch``: ``sub_dispatch_refusal`` (below the primary unit)."""
    unit = c.units.get(pk(e.payload.get("unit")))
    if (refusal := sub_dispatch_refusal(c.ticket_at(t, w), unit=unit)) is not None:
        bad("units", f"sub-dispatch to unit {e.payload.get('unit')}: {refusal.message}")


def _request_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_request_extension``: ``extension_request_refusal`` (none pending, the limit)."""
    days = e.payload.get("days", 0)
    if (refusal := extension_request_refusal(c.ticket_at(t, w), days=days)) is not None:
        bad("extension", f"{days} days after {w.fields['extension_days']}: {refusal.message}")
    w.pending = days if isinstance(days, int) else 0


def _approve_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_approve_extension``: ``extension_decision_refusal``; the handling deadline moves."""
    due = w.due["handle_due"]
    if (refusal := extension_decision_refusal(c.ticket_at(t, w))) is not None or due is None:
        bad("extension", refusal.message if refusal else "approved without a handling deadline")
    else:
        w.due["handle_due"] = extended_handle_due(
            calendar=c.calendar, handle_due=due, extra_days=w.pending
        )
        w.flagged.discard("handle_breached_at")
    w.pending = 0


def _reject_extension(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reject_extension``: ``extension_decision_refusal``."""
    if (refusal := extension_decision_refusal(c.ticket_at(t, w))) is not None:
        bad("extension", refusal.message)
    w.pending = 0


def _extension_lapsed(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``lapse_extension``: the pending request (``extension_decision_refusal``: one is
    pending), its days, and the action that ended its round."""
    if (refusal := extension_decision_refusal(c.ticket_at(t, w))) is not None:
        bad("extension", refusal.message)
    elif e.payload.get("days") != w.pending:
        bad("extension", f"lapsed {e.payload.get('days')!r} days, {w.pending} were pending")
    if e.payload.get("cause") not in LAPSED_BY:
        bad("extension", f"lapsed by {e.payload.get('cause')!r}")
    w.pending = 0


# The actions that lapse a pending extension request first (``lapse_extension``).
LAPSED_BY = frozenset({"reply", "approve_return", "reassign"})


def _nothing_pending(w: Walk, bad: Report, action: str) -> None:
    if w.pending:
        bad("extension", f"{action} with a request pending: it lapses first (extension_lapsed)")


def _reply(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reply``: a result of the choices; a reason when ``reply_needs_reason``; no
    extension request left pending (``lapse_extension``)."""
    _nothing_pending(w, bad, "reply")
    result = e.payload.get("result")
    if result not in ReplyResult.values:
        bad("values", f"reply result {result!r}")
    elif reply_needs_reason(result) and not (e.payload.get("reason") or "").strip():
        bad("values", f"result {result!r} without a reason")


def _direct_answer(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_direct_answer``: one of ``DIRECT_ANSWER_RESULTS``."""
    result = (e.payload.get("set") or {}).get("reply_result")
    if result not in DIRECT_ANSWER_RESULTS:
        bad("values", f"direct answer with result {result!r}")


def _review_pass(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_review_pass``: the call-back clock starts afresh."""
    w.due["callback_due"] = callback_due(rule=c.rule(t), calendar=c.calendar, reviewed_at=e.at)
    w.flagged.discard("callback_breached_at")


def _new_round(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk) -> None:
    """``closing.reopen_changes``: the accept and handling clocks restart from the reopen,
    the last round's call-back clock and attempts go."""
    d = dispatch_deadlines(rule=c.rule(t), calendar=c.calendar, dispatched_at=e.at)
    w.due.update(accept_due=d.accept_due, handle_due=d.handle_due, callback_due=None)
    w.flagged -= {"accept_breached_at", "handle_breached_at", "callback_breached_at"}
    w.attempts = 0


def _rating(e: Event, bad: Report, *, reopen: bool = False) -> None:
    """``rating_refusal``: resolved and a satisfaction; a reopen only when the rating may."""
    p = e.payload
    refusal = rating_refusal(
        resolved=p.get("resolved"), satisfaction=p.get("satisfaction") or "", reopen=reopen
    )
    if refusal is not None:
        check = "callback" if refusal.details.get("field") == "reopen" else "values"
        bad(check, refusal.message)


def _callback(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_callback``: every call-back counts an attempt; unanswered ones close at the
    limit; a reached one rates, and reopens when asked and the rating may."""
    w.attempts += 1
    p = e.payload
    if not p.get("reached"):
        closes = w.attempts >= MAX_CALLBACK_ATTEMPTS
        expected = State.CLOSED if closes else e.from_state
        if e.to_state != expected:
            bad("callback", f"unanswered attempt {w.attempts} goes to {e.to_state!r}")
        return
    reopen = bool(p.get("reopen"))
    _rating(e, bad, reopen=reopen)
    expected = State.REOPENED if reopen else State.CLOSED
    if e.to_state != expected:
        bad("callback", f"reached call-back goes to {e.to_state!r}, not {expected!r}")
    if e.to_state == State.REOPENED:
        _new_round(c, t, e, w)


def _callback_merged(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``merged_callback``: every call-back counts an attempt and the ticket stays merged; a
    reached one rates (never reopens: the master is reopened, not its duplicates)."""
    w.attempts += 1
    if e.to_state != State.MERGED:
        bad("callback", f"a merged ticket's call-back goes to {e.to_state!r}")
    p = e.payload
    if p.get("reached"):
        _rating(e, bad)
        if p.get("reopen"):
            bad("callback", "a merged ticket's call-back reopens")


def _rate_online(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_rate_online``: the caller (known by phone) rates a kind its caller rates
    (``online_rating_refusal``); the ticket closes."""
    _rating(e, bad)
    if t["caller_id"] is None:
        bad("values", "rated online without a caller")
    if (refusal := online_rating_refusal(c.ticket_at(t, w))) is not None:
        bad("permission", refusal.message)
    if e.to_state != State.CLOSED:
        bad("target", f"online rating goes to {e.to_state!r}")


def _reopen(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_reopen``: ``reopen_refusal`` (a unit to reopen to); a new round."""
    if (refusal := reopen_refusal(c.ticket_at(t, w))) is not None:
        bad("units", refusal.message)
    _new_round(c, t, e, w)


def _merge(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_merge`` (``merge_refusal`` is checked across tickets, with the master then)."""
    master = (e.payload.get("set") or {}).get("master_id")
    if master is None:
        bad("merge", "merged into no ticket")
    c.merges[t["pk"]] = Merge(t["number"], master, e.at)


def _close_with_master(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    merge = c.merges.get(t["pk"])
    if merge is None:
        bad("merge", "closed with a master it was never merged into")
    else:
        merge.closed = (e.at, e.actor_id)


def _supervise(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_supervise``: ``supervise_refusal`` (one of the three levels)."""
    if (refusal := supervise_refusal(e.payload.get("level"))) is not None:
        bad("values", refusal.message)


def _assign_leader(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_assign_leader``: ``leader_refusal`` (an active leader within the actor's scope)."""
    actor = c.actor(e)
    if actor is None:  # reported under permission
        return
    refusal = leader_refusal(c.users.get(pk(e.payload.get("leader"))), actor=actor)
    if refusal is not None:
        bad("values", f"leader {e.payload.get('leader')!r}: {refusal.message}")


def _escalate(c: RuleChecker, t: dict[str, Any], e: Event, w: Walk, bad: Report) -> None:
    """``ticket_escalate``: ``escalate_refusal`` (not escalated already)."""
    if (refusal := escalate_refusal(c.ticket_at(t, w))) is not None:
        bad("escalation", refusal.message)


SERVICE_RULES: dict[str, Callable[[RuleChecker, dict[str, Any], Event, Walk, Report], None]] = {
    "suggest": _suggest,
    "dispatch": _dispatch,
    "auto_dispatch": _dispatch,
    "record_contact": _record_contact,
    "request_return": _request_return,
    "approve_return": _approve_return,
    "reject_return": _reject_return,
    "sub_dispatch": _sub_dispatch,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "extension_lapsed": _extension_lapsed,
    "reply": _reply,
    "direct_answer": _direct_answer,
    "review_pass": _review_pass,
    "callback": _callback,
    "callback_merged": _callback_merged,
    "rate_online": _rate_online,
    "reopen": _reopen,
    "merge": _merge,
    "close_with_master": _close_with_master,
    "supervise": _supervise,
    "assign_leader": _assign_leader,
    "escalate": _escalate,
}
