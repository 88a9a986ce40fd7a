"""Months of tickets for the demo district, simulated in memory.

:class:`Simulator` draws arrivals on the real working calendar, writes each ticket's
title and content from the category's phrases and real place names, and plays the
ticket through the lifecycle (:mod:`duban.demo.stories`) with deadlines from the
real SLA rules. It yields batches of :class:`~duban.demo.recorder.TicketRecord` in
creation order; :mod:`duban.demo.writer` stores them.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from duban.dispatch.selectors import dispatch_settings
from duban.org.models import Unit, User
from duban.sla.calendar import WorkCalendar
from duban.sla.models import SlaRule
from duban.sla.selectors import rule_for
from duban.tickets.events import REPLAYED_FIELDS
from duban.tickets.models import Caller, Category
from duban.tickets.rules import ONLINE_CHANNELS

from . import data
from .builder import World
from .recorder import TicketRecord

TZ = WorkCalendar().tz
# Share of the 24 hours of a day in intake (hotline peaks in office hours).
HOUR_WEIGHTS = [
    1,
    0.5,
    0.3,
    0.3,
    0.3,
    0.5,
    1.5,
    3,
    7,
    10,
    10,
    9,
    5,
    4,
    6,
    9,
    9,
    8,
    6,
    5,
    4,
    3,
    2,
    1.5,
]
KIND_SHARES = {"appeal": 0.92, "enterprise": 0.04, "inspection": 0.03, "project": 0.01}
APPEAL_TYPE_SHARES = {
    "consultation": 0.30,
    "help": 0.25,
    "complaint": 0.28,
    "report": 0.08,
    "suggestion": 0.06,
    "praise": 0.03,
}
CHANNEL_SHARES = {
    "phone": 0.62,
    "mini_program": 0.14,
    "web": 0.08,
    "message_board": 0.06,
    "grid": 0.05,
    "walk_in": 0.02,
    "api": 0.02,
    "import": 0.01,
}


@dataclass(frozen=True)
class Profile:
    """How promptly and how well a unit works."""

    name: str
    accept_minutes: tuple[int, int]  # working minutes to sign for a ticket (limit 120)
    contact_hours: tuple[float, float]  # hours from acceptance to first contact (limit 24)
    reply_fraction: tuple[float, float]  # share of the handling window used to reply
    late_share: float  # share of tickets replied after the deadline
    quality: float  # probability a resolved caller is 满意


PROFILES = [
    Profile("fast", (3, 45), (0.3, 6), (0.1, 0.6), 0.01, 0.88),
    Profile("normal", (10, 110), (1, 20), (0.25, 0.9), 0.05, 0.78),
    Profile("slow", (20, 160), (2, 30), (0.4, 1.0), 0.2, 0.62),
    Profile("sluggish", (40, 300), (4, 50), (0.5, 1.0), 0.4, 0.5),
]
PROFILE_MIX = ["fast"] * 6 + ["normal"] * 10 + ["slow"] * 6 + ["sluggish"] * 4


@dataclass
class Case:
    """What one ticket is about and how its story will go (decided up front)."""

    kind: str
    appeal_type: str
    urgency: str
    channel: str
    category: Category
    unit: Unit  # the right primary unit
    street_code: str
    place: str
    title: str
    content: str
    registrar: User | None
    plan: dict[str, Any] = field(default_factory=dict)


class Simulator:
    def __init__(
        self,
        world: World,
        *,
        seed: int,
        end: datetime,
        months: int,
        tickets: int,
        calendar: WorkCalendar,
        rules: list[SlaRule],
        first_ticket_pk: int,
        first_caller_pk: int,
        day_offsets: dict[date, int],
        holiday_names: dict[date, str],
    ) -> None:
        self.w = world
        self.rng = random.Random(seed)
        self.end = end
        self.start = _months_before(end, months)
        self.total = tickets
        self.cal = calendar
        self.rules = rules
        self._rule_cache: dict[tuple[str, str, str], SlaRule] = {}
        self.next_pk = first_ticket_pk
        self.next_caller_pk = first_caller_pk
        self.day_counts = dict(day_offsets)
        self.holiday_names = holiday_names
        # The confidence at which intake dispatches by itself (the stories' suggestions).
        self.auto_threshold = dispatch_settings().auto_threshold
        self.recent: deque[TicketRecord] = deque(maxlen=400)
        self.phones: list[str] = []
        self.callers: list[Caller] = []
        self.profiles = self._profiles()
        self.u = world.users
        self.operators = [self.u[n] for n in ("operator1", "operator2", "operator3")]
        self.dispatchers = [self.u["dispatcher1"], self.u["dispatcher2"]]
        self.supervisors = [self.u["supervisor1"], self.u["supervisor2"]]
        self.leaders = [self.u["leader1"], self.u["leader2"]]

    # -- setup --------------------------------------------------------------------------
    def _profiles(self) -> dict[int, Profile]:
        units = sorted(self.w.departments + self.w.streets, key=lambda u: u.code)
        mix = (PROFILE_MIX * (len(units) // len(PROFILE_MIX) + 1))[: len(units)]
        self.rng.shuffle(mix)
        by_name = {p.name: p for p in PROFILES}
        return {u.pk: by_name[m] for u, m in zip(units, mix, strict=True)}

    def rule(self, kind: str, appeal_type: str, urgency: str) -> SlaRule:
        key = (kind, appeal_type, urgency)
        if key not in self._rule_cache:
            self._rule_cache[key] = rule_for(
                kind=kind, appeal_type=appeal_type, urgency=urgency, rules=self.rules
            )
        return self._rule_cache[key]

    def day_weight(self, day: date) -> float:
        name = self.holiday_names.get(day, "")
        if "春节" in name:
            base = 0.25
        elif not self.cal.is_workday(day):
            base = 0.45 if day.weekday() < 5 or name else 0.6
        else:
            base = 1.0
        return base * self.rng.uniform(0.85, 1.15)

    def arrivals(self) -> list[datetime]:
        days, day = [], self.start.date()
        while day < self.end.date():
            days.append(day)
            day += timedelta(days=1)
        weights = [self.day_weight(d) * (1 + 0.15 * i / len(days)) for i, d in enumerate(days)]
        picked = self.rng.choices(days, weights, k=self.total)
        hours = self.rng.choices(range(24), HOUR_WEIGHTS, k=self.total)
        moments = [
            datetime.combine(d, time(h, self.rng.randrange(60), self.rng.randrange(60)), TZ)
            for d, h in zip(picked, hours, strict=True)
        ]
        moments.sort()
        return moments

    # -- one ticket ---------------------------------------------------------------------
    def pick(self, shares: dict[str, float]) -> str:
        return self.rng.choices(list(shares), list(shares.values()))[0]

    def case(self, created: datetime) -> Case:
        rng = self.rng
        kind = self.pick(KIND_SHARES)
        leaves = self.w.leaves[kind]
        if kind == "appeal":
            appeal_type = self.pick(APPEAL_TYPE_SHARES)
            fitting = [leaf for leaf in leaves if appeal_type in leaf[3]] or leaves
        else:
            fitting = leaves
        category, unit_code, _w, types, issues = rng.choices(fitting, [x[2] for x in fitting])[0]
        if kind != "appeal":
            appeal_type = rng.choice(types)
        street_code = self.pick(data.STREET_WEIGHTS)
        street = self.w.units[street_code]
        place = rng.choice(street.place_names)
        unit = street if unit_code == "*" else self.w.units[unit_code]
        short, detail = rng.choice(issues).split("|")
        title, content = self._texts(kind, appeal_type, place, short, detail)
        urgent = appeal_type in ("help", "complaint", "report") and rng.random() < 0.05
        channel = self._channel(kind)
        return Case(
            kind=kind,
            appeal_type=appeal_type,
            urgency="urgent" if urgent else "normal",
            channel=channel,
            category=category,
            unit=unit,
            street_code=street_code,
            place=place,
            title=title[:200],
            content=content,
            registrar=self._registrar(kind, channel),
        )

    def _texts(
        self, kind: str, appeal_type: str, place: str, short: str, detail: str
    ) -> tuple[str, str]:
        rng = self.rng
        street = self.w.units[self.w.place_street.get(place, "binhu")].name
        where = f"{street}{place}"
        if kind == "enterprise":
            who = rng.choice(data.ENTERPRISES)
            return (
                f"{who}：{short}",
                f"{who}反映：{detail}。企业位于{where}附近，{rng.choice(data.REQUESTS)}。",
            )
        if kind == "project":
            who = rng.choice(data.KEY_PROJECTS)
            return (
                f"{who}：{short}",
                f"重点项目{who}专班反映：{detail}。{rng.choice(data.REQUESTS)}。",
            )
        if kind == "inspection":
            return f"{place}{short}", f"创文督查发现：{where}{detail}，请于限期内整改到位。"
        title = f"{place}{short}"
        if appeal_type == "consultation":
            content = f"来电人咨询：{where}，{detail}，希望工作人员给予解答。"
        elif appeal_type == "praise":
            content = f"来电人表扬：{where}，{detail}。"
        elif appeal_type == "suggestion":
            content = f"来电人建议：{where}，{detail}，{rng.choice(data.REQUESTS)}。"
        else:
            content = (
                f"来电人反映：{where}{detail}，{rng.choice(data.DURATIONS)}，"
                f"{rng.choice(data.REQUESTS)}。"
            )
        return title, content

    def _channel(self, kind: str) -> str:
        if kind == "inspection":
            return "inspection"
        if kind == "enterprise":
            return self.rng.choice(["phone", "walk_in", "web"])
        if kind == "project":
            return self.rng.choice(["web", "import"])
        return self.pick(CHANNEL_SHARES)

    def _registrar(self, kind: str, channel: str) -> User | None:
        if kind == "enterprise":
            return self.u["service_officer1"]
        if kind == "inspection":
            return self.rng.choice(self.supervisors)
        if kind == "project":
            return self.u["project_reporter1"]
        if channel in ONLINE_CHANNELS and self.rng.random() < 0.6:
            return None
        return self.rng.choice(self.operators)

    def caller(self, created: datetime, case: Case) -> Caller | None:
        rng = self.rng
        if case.kind in ("inspection", "project"):
            return None
        if self.phones and rng.random() < 0.12:
            phone = rng.choice(self.phones)
        else:
            phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
            if len(self.phones) < 5000:
                self.phones.append(phone)
        name = rng.choice(data.SURNAMES) + (
            rng.choice(["先生", "女士"]) if rng.random() < 0.6 else rng.choice(data.GIVEN)
        )
        caller = Caller.build(pk=self.next_caller_pk, name=name, phone=phone, created_at=created)
        self.next_caller_pk += 1
        self.callers.append(caller)
        return caller

    def number(self, created: datetime) -> str:
        day = created.astimezone(TZ).date()
        self.day_counts[day] = self.day_counts.get(day, 0) + 1
        return f"{day:%Y%m%d}{self.day_counts[day]:06d}"

    def record(self, created: datetime) -> tuple[TicketRecord, Case]:
        case = self.case(created)
        caller = self.caller(created, case)
        fields: dict[str, Any] = {
            **REPLAYED_FIELDS,
            "id": self.next_pk,
            "number": self.number(created),
            "kind": case.kind,
            "appeal_type": case.appeal_type,
            "channel": case.channel,
            "urgency": case.urgency,
            "title": case.title,
            "content": case.content,
            "location": case.place,
            "category_id": case.category.pk,
            "caller_id": caller.pk if caller else None,
            "registered_by_id": case.registrar.pk if case.registrar else None,
            "district_id": self.w.district.pk,
            "created_at": created,
            "return_from_state": "",
        }
        for name in [
            "dispatched_at",
            "accepted_at",
            "first_contact_at",
            "replied_at",
            "reviewed_at",
            "rated_at",
            "closed_at",
            "accept_due",
            "contact_due",
            "return_due",
            "handle_due",
            "callback_due",
            "accept_breached_at",
            "contact_breached_at",
            "handle_breached_at",
            "callback_breached_at",
            "clock_stopped_at",
        ]:
            fields[name] = None
        fields.update(
            extension_pending_days=0,
            extension_pending_reason="",
            reply_text="",
            callback_attempts=0,
            invalid_reason="",
            suggestions={},
            reply_check={},
        )
        self.next_pk += 1
        return TicketRecord(pk=fields["id"], end=self.end, fields=fields), case

    def run(self, batch: int = 2000) -> Iterator[list[TicketRecord]]:
        from .stories import Story

        story = Story(self)
        out: list[TicketRecord] = []
        for created in self.arrivals():
            rec, case = self.record(created)
            story.play(rec, case)
            rec.finish()
            self.recent.append(rec)
            out.append(rec)
            if len(out) >= batch:
                yield out
                out = []
        if out:
            yield out


def _months_before(end: datetime, months: int) -> datetime:
    year, month = end.year, end.month - months
    while month < 1:
        month += 12
        year -= 1
    return end.replace(year=year, month=month, day=1)
