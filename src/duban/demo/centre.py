"""The centre's side of a ticket's life: review, call-back and rating, reopen.

A mixin of :class:`duban.demo.stories.Story`; each method mirrors the service of
:mod:`duban.tickets.services.closing` named in its docstring.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import TYPE_CHECKING

from duban.sla.deadlines import callback_due
from duban.tickets.events import EventType, payloads
from duban.tickets.rules import ESCALATE_AFTER, MAX_CALLBACK_ATTEMPTS, rating_may_reopen
from duban.tickets.services.closing import reopen_changes

from . import data
from .recorder import TicketRecord

if TYPE_CHECKING:
    from .simulate import Case


class CentreSteps:
    # -- centre: review, call-back, reopen ----------------------------------------------------
    def review(self, rec: TicketRecord, case: Case, t: datetime) -> datetime:
        """ticket_review_reject (once, sometimes) and ticket_review_pass."""
        at = self.wmin(t, 10, 480)
        if self.rng.random() < 0.07:
            at = rec.act(
                EventType.REVIEW_REJECT,
                self.dispatcher(),
                at,
                changes={"replied_at": None},
                target="accepted",
                payload=payloads.review_reject(reason=self.rng.choice(data.REVIEW_REJECT_REASONS)),
            )
            at = self.reply(rec, case, self.wmin(at, 60, 900))
            at = self.wmin(at, 10, 300)
        at = self.due(rec, at)
        rule = self.s.rule(rec.t["kind"], rec.t["appeal_type"], rec.t["urgency"])
        return rec.act(
            EventType.REVIEW_PASS,
            self.dispatcher(),
            at,
            changes={
                "reviewed_at": at,
                "callback_due": callback_due(rule=rule, calendar=self.cal, reviewed_at=at),
                "callback_breached_at": None,
            },
            target="reviewed",
            payload=payloads.review_pass(note=""),
        )

    def callback(self, rec: TicketRecord, case: Case, t: datetime) -> datetime:
        """ticket_callback attempts (three misses close as unreachable) or ticket_rate_online."""
        r = self.rng
        if rec.t["caller_id"] and r.random() < 0.04:
            at = self.mins(t, 30, 2000)
            resolved, satisfaction = self.rating(rec)
            at = rec.act(
                EventType.RATE_ONLINE,
                None,
                at,
                changes={**self._rated(at, resolved, satisfaction), "closed_at": at},
                target="closed",
                payload=payloads.rate_online(
                    resolved=resolved, satisfaction=satisfaction, comment=""
                ),
            )
            return at
        x = r.random()
        misses = MAX_CALLBACK_ATTEMPTS if x < 0.07 else 1 if x < 0.17 else 0
        at = self.wmin(t, 30, 1000)
        for _ in range(misses):
            actor = self.operator()
            changes: dict = {"callback_attempts": rec.t["callback_attempts"] + 1}
            # ticket_callback counts the call-backs of this round (a reopen starts at none).
            last = changes["callback_attempts"] >= MAX_CALLBACK_ATTEMPTS
            if last:
                changes.update(unreachable=True, closed_at=max(at, rec.last_at))
            at = rec.act(
                EventType.CALLBACK,
                actor,
                at,
                changes=changes,
                target="closed" if last else None,
                payload=payloads.callback(reached=False, note="电话无人接听"),
            )
            if last:
                return at
            at = self.wmin(at, 60, 400)
        resolved, satisfaction = self.rating(rec)
        reopen = (
            rating_may_reopen(resolved=resolved, satisfaction=satisfaction)
            and rec.t["reopen_count"] < ESCALATE_AFTER
            and r.random() < 0.4
        )
        at = self.due(rec, at)
        changes = {
            **self._rated(at, resolved, satisfaction),
            "callback_attempts": rec.t["callback_attempts"] + 1,
        }
        changes.update(self._reopen_changes(rec, at) if reopen else {"closed_at": at})
        return rec.act(
            EventType.CALLBACK,
            self.operator(),
            at,
            changes=changes,
            target="reopened" if reopen else "closed",
            payload=payloads.callback(
                reached=True, note="", resolved=resolved, satisfaction=satisfaction, reopen=reopen
            ),
        )

    def merged_callback(self, rec: TicketRecord, master: TicketRecord, t: datetime) -> None:
        """merged_callback: the centre calls the caller of a merged ticket about its master's
        outcome once the master has closed — a rating (the master's reply, as its own caller
        might judge it), or three unanswered calls and the caller is unreachable.

        Its own random stream (seeded by the ticket), so the rest of the demo is the same
        with or without these calls. Without them every merged caller waited in the centre's
        待回访 list for ever: a year's merges at once at the end of the demo."""
        r = random.Random(rec.pk)
        at = self.cal.add_working_minutes(t, r.randint(20, 600))
        misses = MAX_CALLBACK_ATTEMPTS if r.random() < 0.1 else 0
        for _ in range(misses):
            attempts = rec.t["callback_attempts"] + 1
            changes: dict = {"callback_attempts": attempts}
            if attempts >= MAX_CALLBACK_ATTEMPTS:
                changes["unreachable"] = True
            at = rec.act(
                EventType.CALLBACK,
                r.choice(self.s.operators),
                at,
                changes=changes,
                payload=payloads.callback(reached=False, note="电话无人接听"),
            )
            at = self.cal.add_working_minutes(at, r.randint(60, 400))
        if rec.t["unreachable"]:
            return
        resolved, satisfaction = self.rating(master, rng=r)
        rec.act(
            EventType.CALLBACK,
            r.choice(self.s.operators),
            at,
            changes={
                **self._rated(at, resolved, satisfaction),
                "callback_attempts": rec.t["callback_attempts"] + 1,
            },
            payload=payloads.callback(
                reached=True, note="", resolved=resolved, satisfaction=satisfaction, reopen=False
            ),
        )

    def rating(self, rec: TicketRecord, rng: random.Random | None = None) -> tuple[bool, str]:
        r, q = rng or self.rng, self.profile(rec).quality
        p_resolved = {"solved": 0.93, "partly": 0.45, "explained": 0.6, "cannot": 0.08}
        resolved = r.random() < p_resolved[rec.t["reply_result"]]
        x = r.random()
        if resolved:
            sat = "satisfied" if x < q else "basic" if x < q + (1 - q) * 0.75 else "unsatisfied"
        else:
            unsat = 0.5 + (0.75 - q) * 0.8
            sat = "unsatisfied" if x < unsat else "basic" if x < unsat + 0.3 else "satisfied"
        return resolved, sat

    @staticmethod
    def _rated(at: datetime, resolved: bool, satisfaction: str) -> dict:
        return {
            "resolved": resolved,
            "satisfaction": satisfaction,
            "rated_at": at,
            "unreachable": False,
        }

    def _reopen_changes(self, rec: TicketRecord, at: datetime) -> dict:
        """closing._reopen_changes: a fresh handling deadline from the reopen, the last
        round's answer and call-back cleared (``round_cleared``)."""
        return reopen_changes(
            reopen_count=rec.t["reopen_count"],
            escalated=rec.t["escalated"],
            rule=self.s.rule(rec.t["kind"], rec.t["appeal_type"], rec.t["urgency"]),
            calendar=self.cal,
            now=at,
        )

    def reopen(self, rec: TicketRecord, at: datetime) -> datetime:
        """ticket_reopen of a closed ticket (the caller called again)."""
        at = self.due(rec, at)
        return rec.act(
            EventType.REOPEN,
            self.operator(),
            at,
            changes=self._reopen_changes(rec, at),
            target="reopened",
            payload=payloads.reopen(reason=self.rng.choice(data.REOPEN_REASONS)),
        )
