"""One ticket's life, played with the same changes and payloads as the ticket services.

Each method below mirrors one service of :mod:`duban.tickets.services` (named in its
docstring): the ticket fields it changes, the event type, and the payload built by that
type's payload function (``tickets.events.payloads``), as the service builds it. Times
move forward only; an action past the simulation's end raises
:class:`~duban.demo.recorder.Stop` and the ticket stays open where it is.

Intake's intelligence is simulated for the units only: ``ticket_register`` stores a unit
suggestion (a model's guess with its confidence) in a ``suggest`` event, and when the
guess is confident the engine dispatches there at once (``auto``). The reply check is
not simulated (it takes about 20 ms a reply): replies carry the empty verdict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from duban.org.models import Unit, UnitKind, User
from duban.sla.deadlines import (
    dispatch_deadlines,
    extended_handle_due,
    extension_limit_days,
)
from duban.tickets.events import EventType, payloads
from duban.tickets.rules import reply_needs_reason
from duban.tickets.services.dispatching import (
    rejected_return_state,
    resumed_deadlines,
    suggested_unit_id,
)
from duban.tickets.services.intake import AUTO_DISPATCH_NOTE

from . import data
from .centre import ESCALATE_AFTER, CentreSteps
from .recorder import Stop, TicketRecord, tick_after

if TYPE_CHECKING:
    from .simulate import Case, Profile, Simulator

# Share of the tickets headed for a dispatch whose unit the simulated model guesses with
# enough confidence for the engine's own dispatch at intake.
AUTO_SHARE = 0.25


class Story(CentreSteps):
    def __init__(self, sim: Simulator) -> None:
        self.s = sim
        self.rng = sim.rng
        self.cal = sim.cal
        self.end = sim.end

    # -- time helpers ---------------------------------------------------------------------
    def wmin(self, t: datetime, lo: int, hi: int) -> datetime:
        """``t`` plus lo..hi working minutes (snaps into working hours)."""
        return self.cal.add_working_minutes(t, self.rng.randint(lo, hi))

    def mins(self, t: datetime, lo: int, hi: int) -> datetime:
        return t + timedelta(minutes=self.rng.randint(lo, hi), seconds=self.rng.randrange(60))

    def due(self, rec: TicketRecord, t: datetime) -> datetime:
        """Clamp to the record's clock and stop at the end (before computing deadlines)."""
        t = max(t, rec.last_at)
        if t > self.end:
            raise Stop
        return t

    def staff(self, unit_id: int, head_share: float = 0.0) -> User:
        unit = self.unit_by_pk[unit_id]
        people = self.s.w.staff[unit.code]
        return people[1] if len(people) > 1 and self.rng.random() < head_share else people[0]

    @property
    def unit_by_pk(self) -> dict[int, Unit]:
        cache = getattr(self, "_units", None)
        if cache is None:
            cache = self._units = {u.pk: u for u in self.s.w.units.values()}
        return cache

    def operator(self) -> User:
        return self.rng.choice(self.s.operators)

    def dispatcher(self) -> User:
        return self.rng.choice(self.s.dispatchers)

    def supervisor(self) -> User:
        return self.rng.choice(self.s.supervisors)

    # -- the story ----------------------------------------------------------------------
    def play(self, rec: TicketRecord, case: Case) -> None:
        """ticket_register: the registration and the suggestions (and the auto-dispatch,
        as ``_play`` starts), then the ticket's life."""
        at = rec.act(
            EventType.REGISTER,
            case.registrar,
            rec.t["created_at"],
            target="registered",
            payload=payloads.register(channel=case.channel, kind=case.kind),
        )
        self.plan(case)
        suggestions = self.suggestions(case)
        rec.act(
            EventType.SUGGEST,
            None,
            at,
            changes={"suggestions": suggestions},
            payload=payloads.suggest(suggestions=suggestions),
        )
        with contextlib.suppress(Stop):
            self._play(rec, case)

    def plan(self, case: Case) -> None:
        """Decide the ticket's path up front (intake's auto-dispatch depends on it)."""
        r, p = self.rng, case.plan
        appeal = case.kind == "appeal"
        p["invalid"] = appeal and r.random() < 0.02
        p["merge"] = appeal and r.random() < 0.045
        direct_share = {"consultation": 0.55, "praise": 0.7}.get(case.appeal_type, 0.0)
        p["direct"] = appeal and case.urgency == "normal" and r.random() < direct_share
        x = r.random()
        p["returned"] = "approved" if x < 0.045 else "rejected" if x < 0.065 else None
        p["first"] = self.wrong_unit(case) if p["returned"] == "approved" else case.unit
        headed_for_dispatch = not (p["invalid"] or p["merge"] or p["direct"])
        p["auto"] = headed_for_dispatch and r.random() < AUTO_SHARE

    def suggestions(self, case: Case) -> dict:
        """What intake's model suggests: one unit and its confidence, at or above the
        auto-dispatch threshold when the engine dispatches there itself (then the unit of
        the first dispatch, a wrong one on the way to an approved return), below it
        otherwise (then the right unit)."""
        auto, threshold = case.plan["auto"], self.s.auto_threshold
        unit: Unit = case.plan["first"] if auto else case.unit
        low, high = (threshold, 1.0) if auto else (0.3, threshold)
        top = {
            "source": "model",
            "label": unit.code,
            "unit_id": unit.pk,
            "unit_name": unit.name,
            "confidence": round(self.rng.uniform(low, high), 4),
        }
        return {"units": [top]}

    def _play(self, rec: TicketRecord, case: Case) -> None:
        r, t, p = self.rng, rec.t["created_at"], case.plan
        if not p["auto"]:
            if p["invalid"]:
                self.invalidate(rec, self.mins(t, 2, 40))
                return
            if p["merge"] and self.merge(rec, case):
                return
            if p["direct"]:
                self.direct_answer(rec, case, self.mins(t, 2, 20))
                return
        t = self.dispatch(rec, case, p["first"], t, auto=p["auto"])
        if p["returned"]:
            t = self.return_request(rec, case, p["returned"], t)
        if case.kind == "appeal" and r.random() < 0.005:
            self.invalidate(rec, self.wmin(t, 60, 900))
            return
        if rec.t["state"] == "dispatched":
            t = self.accept(rec, case, t)
        first_cycle = True
        while True:
            t = self.handle(rec, case, t, first_cycle)
            first_cycle = False
            t = self.review(rec, case, t)
            t = self.callback(rec, case, t)
            if rec.t["state"] == "closed":
                if r.random() < 0.012 and rec.t["reopen_count"] < ESCALATE_AFTER:
                    t = self.reopen(rec, self.wmin(t, 120, 3000))
                else:
                    return
            t = self.accept(rec, case, t, reopened=True)

    # -- intake ---------------------------------------------------------------------------
    def invalidate(self, rec: TicketRecord, at: datetime) -> None:
        """ticket_invalidate."""
        reason = self.rng.choice(data.INVALID_REASONS)
        rec.act(
            EventType.INVALIDATE,
            self.operator(),
            at,
            changes={"invalid_reason": reason, "closed_at": at},
            target="invalid",
            payload=payloads.invalidate(reason=reason),
        )

    def direct_answer(self, rec: TicketRecord, case: Case, at: datetime) -> None:
        """ticket_direct_answer (closes the duplicates with it)."""
        result = "explained" if self.rng.random() < 0.8 else "solved"
        answer = data.REPLY_TEXTS[result]
        rec.act(
            EventType.DIRECT_ANSWER,
            self.operator(),
            at,
            changes={
                "reply_text": answer,
                "reply_result": result,
                "replied_at": at,
                "closed_at": at,
            },
            target="closed",
            payload=payloads.direct_answer(answer=answer),
        )

    def merge(self, rec: TicketRecord, case: Case) -> bool:
        """ticket_merge into a recent open ticket of the same category, then close_with_master."""
        at = self.mins(rec.t["created_at"], 3, 90)
        master = next(
            (
                m
                for m in reversed(self.s.recent)
                if m.t["category_id"] == rec.t["category_id"]
                and m.t["master_id"] is None
                and m.t["state"] not in ("invalid", "merged")
                and (m.left_open_at is None or m.left_open_at > at)
                and m.t["created_at"] > at - timedelta(days=5)
            ),
            None,
        )
        if master is None:
            return False
        rec.t.update(title=master.t["title"], location=master.t["location"])
        rec.t["content"] = "来电人再次反映：" + master.t["content"].split("：", 1)[-1]
        number = master.t["number"]
        rec.act(
            EventType.MERGE,
            self.operator(),
            at,
            changes={"master_id": master.pk},
            target="merged",
            payload=payloads.merge(master_number=number),
        )
        closing = next(((c_at, who) for c_at, who in master.closings if c_at > at), None)
        if closing is not None:
            c_at, who = closing
            rec.act(
                EventType.CLOSE_WITH_MASTER,
                who,
                c_at,
                changes={"closed_at": c_at},
                payload=payloads.close_with_master(master_number=number),
            )
            if master.t["reviewed_at"] is not None:  # a direct answer has no outcome to rate
                self.merged_callback(rec, master, c_at)
        return True

    # -- dispatch and returns ---------------------------------------------------------------
    def wrong_unit(self, case: Case) -> Unit:
        w = self.s.w
        pool = [u for u in w.departments + w.streets if u.pk != case.unit.pk and u.code != "jgw"]
        return self.rng.choice(pool)

    def dispatch(
        self, rec: TicketRecord, case: Case, unit: Unit, after: datetime, auto: bool = False
    ) -> datetime:
        """ticket_dispatch: primary unit, optional co-units, deadlines from the rule; ``auto``
        is the engine's own at intake (no user, at the registration, no co-units)."""
        r = self.rng
        if auto:
            at = rec.last_at
        else:
            at = self.mins(after, 3, 20) if case.urgency == "urgent" else self.wmin(after, 3, 60)
        at = self.due(rec, at)
        rule = self.s.rule(case.kind, case.appeal_type, case.urgency)
        d = dispatch_deadlines(rule=rule, calendar=self.cal, dispatched_at=at)
        co: list[Unit] = []
        if not auto and r.random() < 0.07:
            pool = [u for u in self.s.w.departments if u.pk != unit.pk and u.code != "jgw"]
            co = r.sample(pool, 1 if r.random() < 0.8 else 2)
        rec.act(
            EventType.DISPATCH,
            None if auto else self.dispatcher(),
            at,
            changes={
                "primary_unit_id": unit.pk,
                "handling_unit_id": None,
                "dispatched_at": at,
                "accept_due": d.accept_due,
                "contact_due": d.contact_due,
                "return_due": d.return_due,
                "handle_due": d.handle_due,
                "accepted_at": None,
                "first_contact_at": None,
                "extension_days": 0,
                "accept_breached_at": None,
                "contact_breached_at": None,
                "handle_breached_at": None,
            },
            target="dispatched",
            payload=payloads.dispatch(
                unit=unit,
                co_units=co,
                note=AUTO_DISPATCH_NOTE if auto else "",
                auto=auto,
                suggested_unit_id=suggested_unit_id(rec.t["suggestions"]),
            ),
        )
        rec.assign(unit, "primary", at)
        for u in co:
            rec.assign(u, "co", at)
        case.plan["co"] = co
        return at

    def return_request(self, rec: TicketRecord, case: Case, outcome: str, t: datetime) -> datetime:
        """ticket_request_return, then ticket_approve_return (re-dispatch) or ticket_reject_return."""
        unit_id = rec.t["primary_unit_id"]
        if self.rng.random() < 0.3:
            t = self.accept(rec, case, t)
        at = self.wmin(t, 10, 500)
        if at > rec.t["return_due"]:
            at = max(rec.last_at, rec.t["return_due"] - timedelta(minutes=5))
        at = self.due(rec, at)
        rec.act(
            EventType.REQUEST_RETURN,
            self.staff(unit_id),
            at,
            changes={"return_from_state": rec.t["state"], "clock_stopped_at": at},
            target="return_pending",
            payload=payloads.request_return(reason=self.rng.choice(data.RETURN_REASONS)),
        )
        at = self.wmin(at, 30, 1500)
        if outcome == "rejected":
            at = self.due(rec, at)
            back = rejected_return_state(rec.t["return_from_state"])
            return rec.act(
                EventType.REJECT_RETURN,
                self.dispatcher(),
                at,
                changes={
                    "return_from_state": "",
                    "clock_stopped_at": None,
                    **resumed_deadlines(
                        state=back,
                        values=rec.t,
                        rule=self.s.rule(case.kind, case.appeal_type, case.urgency),
                        calendar=self.cal,
                        stopped_at=rec.t["clock_stopped_at"],
                        resumed_at=at,
                    ),
                },
                target=back,
                payload=payloads.reject_return(reason="经核实，该事项属于贵单位职责，请按时办理"),
            )
        count = rec.t["return_count"] + 1
        at = rec.act(
            EventType.APPROVE_RETURN,
            self.dispatcher(),
            at,
            changes={
                "primary_unit_id": None,
                "handling_unit_id": None,
                "return_from_state": "",
                "clock_stopped_at": None,
                "return_count": count,
                "accept_due": None,
                "contact_due": None,
                "return_due": None,
                "handle_due": None,
                "escalated": rec.t["escalated"] or count >= ESCALATE_AFTER,
            },
            target="registered",
            payload=payloads.approve_return(note="", returned_by_unit_id=unit_id),
        )
        rec.return_all(at)
        return self.dispatch(rec, case, case.unit, at)

    # -- the unit's work ---------------------------------------------------------------------
    def profile(self, rec: TicketRecord) -> Profile:
        return self.s.profiles[rec.t["primary_unit_id"]]

    def accept(
        self, rec: TicketRecord, case: Case, t: datetime, reopened: bool = False
    ) -> datetime:
        """ticket_accept (a reopened ticket's handling deadline already runs from the reopen)."""
        lo, hi = (120, 2400) if reopened else self.profile(rec).accept_minutes
        at = self.due(rec, self.wmin(t, lo, hi))
        rec.act(
            EventType.ACCEPT,
            self.staff(rec.t["primary_unit_id"], 0.2),
            at,
            {"accepted_at": at},
            target="accepted",
            payload=payloads.accept(),
        )
        rec.accept_primary(at)
        return at

    def handle(self, rec: TicketRecord, case: Case, t: datetime, first: bool) -> datetime:
        """Contact, co-unit parts, sub-dispatch, extension and overlays, then the reply."""
        r, prof = self.rng, self.profile(rec)
        steps: list[tuple[datetime, Callable[[datetime], object]]] = []
        due = rec.t["handle_due"]
        if first:
            hours = r.uniform(*prof.contact_hours)
            steps.append(
                (t + timedelta(seconds=int(hours * 3600)), lambda at: self.contact(rec, at))
            )
            for co in case.plan.get("co", []):
                steps.append((self.wmin(t, 30, 1500), lambda at, co=co: self.part(rec, co, at)))
            sub = self.sub_unit(rec, case)
            if sub is not None:
                s_at = self.wmin(t, 5, 120)
                steps.append((s_at, lambda at: self.sub_dispatch(rec, sub, at)))
                steps.append((self.wmin(s_at, 60, 1800), lambda at: self.part(rec, sub, at)))
            if case.urgency == "normal" and r.random() < 0.07:
                req_at = self.cal.add_working_minutes(t + (due - t) * r.uniform(0.3, 0.8), 0)
                days = min(r.randint(3, 10), self.ext_room(rec, case))
                x = r.random()
                approve = x < 0.75
                steps.append((req_at, lambda at: self.request_extension(rec, days, at)))
                dec_at = self.wmin(req_at, 30, 480)
                if x < 0.96:  # the rest wait unruled until the reply lapses them
                    steps.append((dec_at, lambda at: self.decide_extension(rec, approve, at)))
                if approve and days:
                    due = extended_handle_due(calendar=self.cal, handle_due=due, extra_days=days)
        base = rec.t["dispatched_at"] if first else t
        late = r.random() < prof.late_share
        frac = r.uniform(1.02, 1.8) if late else r.uniform(*prof.reply_fraction)
        reply_at = self.cal.add_working_minutes(base + (due - base) * frac, r.randint(0, 60))
        reply_at = max(reply_at, t + timedelta(minutes=20))
        if first:
            steps += self.overlays(rec, due, t, reply_at)
        steps.sort(key=lambda s: s[0])
        for at, step in steps:
            step(min(at, reply_at - timedelta(minutes=1)))
        return self.reply(rec, case, reply_at)

    def contact(self, rec: TicketRecord, at: datetime) -> None:
        """ticket_record_contact."""
        rec.act(
            EventType.RECORD_CONTACT,
            self.staff(rec.t["primary_unit_id"]),
            at,
            changes={"first_contact_at": rec.t["first_contact_at"] or max(at, rec.last_at)},
            payload=payloads.record_contact(note="已电话联系来电人，了解具体情况"),
        )

    def sub_unit(self, rec: TicketRecord, case: Case) -> Unit | None:
        unit = self.unit_by_pk[rec.t["primary_unit_id"]]
        code = self.s.w.place_community.get(case.place)
        if unit.kind != UnitKind.STREET or code is None or self.rng.random() > 0.45:
            return None
        community = self.s.w.units[code]
        if community.parent_id != unit.pk:
            return None
        grids = self.s.w.grids.get(code) or []
        return self.rng.choice(grids) if grids and self.rng.random() < 0.3 else community

    def sub_dispatch(self, rec: TicketRecord, unit: Unit, at: datetime) -> None:
        """ticket_sub_dispatch."""
        at = rec.act(
            EventType.SUB_DISPATCH,
            self.staff(rec.t["primary_unit_id"]),
            at,
            changes={"handling_unit_id": unit.pk},
            payload=payloads.sub_dispatch(unit=unit, note=""),
        )
        rec.finish_subs(at)
        rec.assign(unit, "sub", at)

    def part(self, rec: TicketRecord, unit: Unit, at: datetime) -> None:
        """ticket_submit_part by the co-unit or sub-dispatched unit."""
        actor = self.s.w.staff[unit.code][0]
        text = f"{unit.name}已现场核查并配合处理，情况已反馈主办单位。"
        at = rec.act(
            EventType.SUBMIT_PART,
            actor,
            at,
            payload=payloads.submit_part(text=text, unit_id=actor.unit_id),
        )
        rec.contribute(unit.path, at, text)

    def ext_room(self, rec: TicketRecord, case: Case) -> int:
        rule = self.s.rule(case.kind, case.appeal_type, case.urgency)
        return extension_limit_days(rule) - rec.t["extension_days"]

    def request_extension(self, rec: TicketRecord, days: int, at: datetime) -> None:
        """ticket_request_extension."""
        reason = self.rng.choice(data.EXTENSION_REASONS)
        rec.act(
            EventType.REQUEST_EXTENSION,
            self.staff(rec.t["primary_unit_id"], 0.5),
            at,
            changes={"extension_pending_days": days, "extension_pending_reason": reason},
            payload=payloads.request_extension(days=days, reason=reason),
        )

    def decide_extension(self, rec: TicketRecord, approve: bool, at: datetime) -> None:
        """ticket_approve_extension / ticket_reject_extension."""
        cleared = {"extension_pending_days": 0, "extension_pending_reason": ""}
        if not approve:
            rec.act(
                EventType.REJECT_EXTENSION,
                self.dispatcher(),
                at,
                changes=cleared,
                payload=payloads.reject_extension(reason="延期理由不充分，请按期办结"),
            )
            return
        days = rec.t["extension_pending_days"]
        rec.act(
            EventType.APPROVE_EXTENSION,
            self.dispatcher(),
            at,
            changes={
                **cleared,
                "extension_days": rec.t["extension_days"] + days,
                "handle_due": extended_handle_due(
                    calendar=self.cal, handle_due=rec.t["handle_due"], extra_days=days
                ),
                "handle_breached_at": None,
            },
            payload=payloads.approve_extension(note=""),
        )

    def overlays(
        self, rec: TicketRecord, due: datetime, t: datetime, reply_at: datetime
    ) -> list[tuple[datetime, Callable[[datetime], object]]]:
        """Urges on overdue tickets, supervision, leader assignment, escalation."""
        r, steps = self.rng, []
        if reply_at > due and r.random() < 0.8:
            u_at = self.wmin(tick_after(due), 30, 600)
            steps.append((u_at, lambda at: self.overlay(rec, EventType.URGE, at)))
            if reply_at > u_at + timedelta(days=3):
                steps.append(
                    (self.wmin(u_at, 420, 1400), lambda at: self.overlay(rec, EventType.URGE, at))
                )
        if (reply_at > due + timedelta(days=4) and r.random() < 0.6) or r.random() < 0.012:
            s_at = max(t, due) + timedelta(days=r.randint(1, 3))
            steps.append(
                (self.wmin(s_at, 0, 120), lambda at: self.overlay(rec, EventType.SUPERVISE, at))
            )
        if r.random() < 0.006:
            steps.append(
                (self.wmin(t, 60, 1200), lambda at: self.overlay(rec, EventType.ASSIGN_LEADER, at))
            )
        if r.random() < 0.004:
            steps.append(
                (self.wmin(t, 60, 1200), lambda at: self.overlay(rec, EventType.ESCALATE, at))
            )
        return [(at, step) for at, step in steps if at < reply_at]

    def overlay(self, rec: TicketRecord, action: EventType, at: datetime) -> None:
        """ticket_urge / ticket_supervise / ticket_assign_leader / ticket_escalate."""
        r, actor = self.rng, self.supervisor()
        if action == EventType.URGE:
            changes = {"urge_count": rec.t["urge_count"] + 1}
            payload = payloads.urge(note=r.choice(data.URGE_NOTES))
        elif action == EventType.SUPERVISE:
            level = r.choice([1, 1, 1, 1, 2, 2, 3])
            changes = {"supervise_level": level}
            payload = payloads.supervise(level=level, note="请按期办结并报告")
        elif action == EventType.ASSIGN_LEADER:
            leader = r.choice(self.s.leaders)
            changes = {"leader_id": leader.pk}
            payload = payloads.assign_leader(leader=leader, note="领导包案")
        else:
            if rec.t["escalated"]:
                return
            changes = {"escalated": True}
            payload = payloads.escalate(reason="群众反映强烈，提级办理")
        rec.act(action, actor, at, changes=changes, payload=payload)

    def reply(self, rec: TicketRecord, case: Case, at: datetime) -> datetime:
        """ticket_reply (a request nobody ruled on lapses first: lapse_extension)."""
        result = self.result(case, self.profile(rec))
        text = data.REPLY_TEXTS[result]
        reason = self.rng.choice(data.CANNOT_REASONS) if reply_needs_reason(result) else ""
        check: dict = {}  # the reply check is not simulated: the empty verdict
        if rec.t["extension_pending_days"]:
            at = rec.act(
                EventType.EXTENSION_LAPSED,
                None,
                at,
                changes={"extension_pending_days": 0, "extension_pending_reason": ""},
                payload=payloads.extension_lapsed(
                    days=rec.t["extension_pending_days"],
                    reason=rec.t["extension_pending_reason"],
                    cause=EventType.REPLY,
                ),
            )
        at = rec.act(
            EventType.REPLY,
            self.staff(rec.t["primary_unit_id"], 0.3),
            at,
            changes={
                "reply_result": result,
                "reply_text": text,
                "replied_at": at,
                "reply_check": check,
            },
            target="replied",
            payload=payloads.reply(result=result, text=text, reason=reason, check=check),
        )
        rec.finish_subs(at)
        return at

    def result(self, case: Case, prof: Profile) -> str:
        r = self.rng.random()
        if case.appeal_type in ("consultation", "praise"):
            return "explained" if r < 0.75 else "solved"
        solved = 0.5 + (prof.quality - 0.7) / 2
        if r < solved:
            return "solved"
        if r < solved + 0.17:
            return "partly"
        return "explained" if r < 0.93 else "cannot"
