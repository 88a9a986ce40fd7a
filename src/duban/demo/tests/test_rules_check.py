"""``duban demo --check`` against the engine's rules: it passes the demo and tickets the real
services wrote, and it catches every kind of event the services would have refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from duban.demo.invariants import check_invariants
from duban.demo.payload_keys import PayloadKeys, payload_problem
from duban.demo.rules_check import CHECKS
from duban.demo.simulate import TZ
from duban.org.models import Role, Unit, UnitKind, User
from duban.org.services import unit_create, user_create
from duban.tickets import services as s
from duban.tickets.events import EventType, payloads
from duban.tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.django_db]
AFTER = datetime(2025, 6, 3, 9, 0, tzinfo=TZ)  # a Tuesday after the demo's end


def checks_of(ticket_id: int) -> set[str]:
    return {p.check for p in check_invariants(ids=[ticket_id]).problems}


def event(type: str, **filters: object) -> TicketEvent:
    found = TicketEvent.objects.filter(type=type, **filters).order_by("pk").first()
    assert found is not None, f"the demo has no {type} event {filters}"
    return found


def move(e: TicketEvent, **values: object) -> int:
    TicketEvent.objects.filter(pk=e.pk).update(**values)
    return e.ticket_id


def payload(e: TicketEvent, **values: object) -> int:
    return move(e, payload={**e.payload, **values})


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def as_user(e: TicketEvent, who: User) -> int:
    return move(e, actor=who, actor_unit=who.unit)


def other_department(e: TicketEvent) -> User:
    """A handler of a department that has nothing to do with the event's ticket."""
    units = set(e.ticket.assignments.values_list("unit_id", flat=True))
    return (
        User.objects.select_related("unit")
        .filter(role=Role.HANDLER, unit__kind=UnitKind.DEPARTMENT)
        .exclude(unit_id__in=units)
        .order_by("username")
        .first()
    )  # type: ignore[return-value]


def other_district_dispatcher() -> User:
    other = unit_create(code="other-district", name="另一个区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="other-centre", name="另一个中心", kind=UnitKind.CENTRE, parent=other)
    return user_create(username="other_dispatcher", role=Role.DISPATCHER, unit=centre)


def stored(e: TicketEvent, **values: object) -> int:
    Ticket.objects.filter(pk=e.ticket_id).update(**values)
    return e.ticket_id


# check → a change to one stored ticket that the services could never have written
BREAKAGES: dict[str, Callable[[], int]] = {
    "source": lambda: move(event("accept", from_state="dispatched"), from_state="replied"),
    "target": lambda: move(event("accept", from_state="dispatched"), to_state="replied"),
    "permission (role)": lambda: as_user(event("accept"), user("operator1")),
    "permission (unit)": lambda: as_user(e := event("accept"), other_department(e)),
    "permission (district)": lambda: as_user(
        event("dispatch", actor__isnull=False), other_district_dispatcher()
    ),
    "permission (assigned)": lambda: as_user(e := event("submit_part"), other_department(e)),
    "permission (system)": lambda: as_user(event("rate_online"), user("operator1")),
    "dispatch (auto by a user)": lambda: as_user(
        event("dispatch", actor__isnull=True), user("dispatcher1")
    ),
    "register": lambda: as_user(
        event("register", ticket__kind="appeal", actor__isnull=False), user("leader1")
    ),
    "register (anonymous by phone)": lambda: stored(
        event("register", actor__isnull=True), channel="phone"
    ),
    "register (suggestions later)": lambda: move(
        e := event("suggest"), at=e.at + timedelta(seconds=1)
    ),
    "dispatch (suggested unit)": lambda: payload(
        event("dispatch", actor__isnull=False), suggested_unit=Unit.objects.get(code="urban").pk
    ),
    "dispatch (co-unit)": lambda: payload(
        e := event("dispatch", actor__isnull=False), co_units=[e.payload["unit"]]
    ),
    "time": lambda: move(e := event("reply"), at=e.ticket.created_at),
    "type": lambda: move(event("urge"), type="frobnicate"),
    "return_window": lambda: move(
        e := event("request_return", ticket__return_due__isnull=False),
        at=e.ticket.return_due + timedelta(minutes=1),
    ),
    "breach": lambda: move(e := event("breach"), at=e.at - timedelta(days=3)),
    "breach (clock stopped)": lambda: move(
        event("breach", payload__clock="handle"), from_state="return_pending"
    ),
    "extension": lambda: payload(event("request_extension"), days=99),
    "escalation": lambda: payload(
        e := event("approve_return"), set={**e.payload["set"], "return_count": 3}
    ),
    "callback": lambda: payload(
        event("callback", to_state="reopened"), resolved=True, satisfaction="satisfied"
    ),
    "values": lambda: payload(event("reply"), result="great"),
    "values (reply reason)": lambda: payload(event("reply"), result="cannot", reason=" "),
    "values (direct answer)": lambda: payload(
        e := event("direct_answer"), set={**e.payload["set"], "reply_result": "partly"}
    ),
    "values (leader)": lambda: payload(event("assign_leader"), leader=user("operator1").pk),
    "values (supervision)": lambda: payload(event("supervise"), level=0),
    "payload (missing key)": lambda: move(
        e := event("reply"), payload={k: v for k, v in e.payload.items() if k != "check"}
    ),
    "payload (extra key)": lambda: payload(event("accept"), note="不是签收的键"),
    "payload (shape)": lambda: payload(event("callback", to_state="reopened"), reached=False),
    "units": lambda: payload(event("sub_dispatch"), unit=Unit.objects.get(code="housing").pk),
    "merge": lambda: move(e := event("close_with_master"), at=e.at + timedelta(hours=1)),
    "merge (into itself)": lambda: payload(
        e := event("merge"), set={**e.payload["set"], "master_id": e.ticket_id}
    ),
    "deadline": lambda: stored(event("dispatch"), handle_due=F("handle_due") + timedelta(days=1)),
    "stored": lambda: stored(event("callback"), callback_attempts=F("callback_attempts") + 5),
    "sequence": lambda: move(event("reply"), seq=F("seq") + 100),
}


def test_the_demo_follows_every_rule() -> None:
    result = check_invariants()
    assert result.problems == []
    assert result.tickets == Ticket.objects.count()
    assert result.events.total() == TicketEvent.objects.count()


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_event_is_caught(breakage: str) -> None:
    check = breakage.split(" ")[0]
    assert check in CHECKS
    ticket_id = BREAKAGES[breakage]()
    assert check in checks_of(ticket_id)


def test_every_check_can_fail() -> None:
    """Each line of the summary is exercised by a breakage above (but the invariants, which
    test_demo.py breaks, and the replay chain, broken by ``source``)."""
    broken = {b.split(" ")[0] for b in BREAKAGES}
    assert set(CHECKS) - broken == {"invariants"}


def test_tickets_written_by_the_real_services_pass() -> None:
    """The checker restates no rule wrongly: tickets the services wrote, through returns
    (approved, and rejected after the clock stood still), extensions (approved, and one
    lapsed at the reply), sub-dispatch, reopen after an unsatisfied call-back, unanswered
    call-backs, merges and breaches, show no problem."""
    op, disp, sup = user("operator1"), user("dispatcher1"), user("supervisor1")
    binhu = Unit.objects.get(code="binhu")
    handler, village = user("binhu_handler"), Unit.objects.get(code="dongliu")
    at = AFTER

    def step(hours: float = 1) -> datetime:
        nonlocal at
        at += timedelta(hours=hours)
        return at

    def register(title: str) -> Ticket:
        return s.ticket_register(
            actor=op,
            now=step(),
            title=title,
            content=f"{title}，请尽快处理。",
            appeal_type="complaint",
            channel="phone",
            caller_phone="13800138000",
        )

    t = register("东留村路灯不亮")
    t = s.ticket_dispatch(ticket=t, actor=disp, now=step(), unit=Unit.objects.get(code="housing"))
    t = s.ticket_request_return(
        ticket=t, actor=user("housing_handler"), now=step(0.5), reason="属地事项"
    )
    t = s.ticket_approve_return(ticket=t, actor=disp, now=step())
    t = s.ticket_dispatch(ticket=t, actor=disp, now=step(), unit=binhu)
    t = s.ticket_request_return(ticket=t, actor=handler, now=step(0.5), reason="非本街道")
    t = s.ticket_reject_return(ticket=t, actor=disp, now=step(20), reason="属地管理")
    t = s.ticket_accept(ticket=t, actor=handler, now=step())
    t = s.ticket_sub_dispatch(ticket=t, actor=handler, now=step(), unit=village)
    t = s.ticket_submit_part(ticket=t, actor=user("dongliu_handler"), now=step(), text="已现场核查")
    t = s.ticket_request_extension(ticket=t, actor=handler, now=step(), days=3, reason="需协调")
    t = s.ticket_approve_extension(ticket=t, actor=disp, now=step())
    t = s.ticket_urge(ticket=t, actor=sup, now=step())
    t = s.ticket_reply(ticket=t, actor=handler, now=step(), result="solved", text="已修复路灯。")
    t = s.ticket_review_pass(ticket=t, actor=disp, now=step())
    t = s.ticket_callback(
        ticket=t,
        actor=op,
        now=step(),
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        reopen=True,
    )
    t = s.ticket_accept(ticket=t, actor=handler, now=step(30))
    t = s.ticket_request_extension(ticket=t, actor=handler, now=step(), days=2, reason="等配件")
    t = s.ticket_reply(ticket=t, actor=handler, now=step(), result="solved", text="已再次修复。")
    t = s.ticket_review_pass(ticket=t, actor=disp, now=step())
    dup = s.ticket_merge(ticket=register("东留村路灯又坏了"), actor=op, now=step(), master=t)
    for _ in range(3):  # three unanswered call-backs of this round (the reopen reset the count)
        t = s.ticket_callback(ticket=t, actor=op, now=step(), reached=False)
    assert t.state == "closed" and t.unreachable
    late = s.ticket_dispatch(ticket=register("小区噪音扰民"), actor=disp, now=step(), unit=binhu)
    s.sla_tick(now=at + timedelta(days=30))  # the late ticket breaches its clocks

    result = check_invariants(ids=[t.pk, dup.pk, late.pk])
    assert result.problems == []
    assert {
        "approve_return",
        "reject_return",
        "sub_dispatch",
        "approve_extension",
        "extension_lapsed",
        "close_with_master",
    } <= set(result.events)
    assert result.events["breach"] >= 2


def test_check_command_reports_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", check=True, no_progress=True)
    out = capsys.readouterr().out
    assert "0 problems" in out and CHECKS["permission"] in out
    as_user(event("accept"), user("operator1"))
    with pytest.raises(CommandError):
        call_command("demo", check=True, no_progress=True)
    out = capsys.readouterr().out
    assert "[permission]" in out


def test_payload_keys_are_the_payload_functions_keys() -> None:
    """The checker takes each type's keys from its payload function, a call-back's by shape."""
    keys = PayloadKeys()
    unit = Unit.objects.get(code="binhu")
    assert keys("dispatch", {}) == set(payloads.dispatch(unit=unit))
    assert keys("reply", {}) == set(payloads.reply(result="solved", text="", reason=""))
    assert keys("callback", {"reached": True}) == set(
        payloads.callback(reached=True, note="", resolved=True, satisfaction="basic")
    )
    assert keys("callback", {"reached": False}) == {"reached", "note"}
    assert keys("frobnicate", {}) is None
    for type in EventType:  # every function is callable with stand-ins
        assert keys(type, {}) is not None
    assert payload_problem(keys, "accept", {"set": {}}) is None
    assert "no set" in (payload_problem(keys, "accept", {}) or "")
    assert "carries no set" in (
        payload_problem(keys, "breach", {"clock": "", "due": None, "set": {}}) or ""
    )
    assert "missing ['check']" in (
        payload_problem(
            keys, "reply", {"result": "", "text": "", "reason": "", "attachments": [], "set": {}}
        )
        or ""
    )
