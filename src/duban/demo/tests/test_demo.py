"""The demo: a small build (1 500 tickets, two months, seed 7) checked end to end."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Min

from duban.demo.builder import build_world
from duban.demo.invariants import check_invariants
from duban.demo.simulate import TZ, Simulator
from duban.demo.tests.conftest import END, SIZE
from duban.dispatch.selectors import dispatch_settings
from duban.metrics.selectors import unit_figures
from duban.org.models import Role, User
from duban.sla.models import CalendarDay
from duban.sla.selectors import get_calendar, get_rules
from duban.tickets.choices import State
from duban.tickets.events import replay, ticket_replayed_fields
from duban.tickets.models import Ticket, TicketEvent, TicketSequence
from duban.tickets.services import sla_tick, ticket_accept, ticket_register
from duban.tickets.services.intake import AUTO_DISPATCH_NOTE

EVENT_TYPES = [
    "register",
    "suggest",
    "dispatch",
    "accept",
    "record_contact",
    "request_return",
    "approve_return",
    "reject_return",
    "sub_dispatch",
    "submit_part",
    "request_extension",
    "approve_extension",
    "reject_extension",
    "reply",
    "review_pass",
    "review_reject",
    "callback",
    "reopen",
    "merge",
    "close_with_master",
    "invalidate",
    "direct_answer",
    "urge",
    "supervise",
    "assign_leader",
    "escalate",
    "breach",
]


pytestmark = pytest.mark.usefixtures("demo")


def digest(rows: list[tuple]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.django_db
def test_invariants_hold() -> None:
    assert Ticket.objects.count() == SIZE["tickets"]
    assert check_invariants().problems == []


@pytest.mark.django_db
def test_every_state_and_event_type_occurs() -> None:
    states = set(Ticket.objects.values_list("state", flat=True))
    assert states == set(State.values)
    types = set(TicketEvent.objects.values_list("type", flat=True))
    assert set(EVENT_TYPES) <= types
    assert set(Ticket.objects.values_list("kind", flat=True)) == {
        "appeal",
        "enterprise",
        "inspection",
        "project",
    }


@pytest.mark.django_db
def test_intake_suggests_a_unit_and_dispatches_confident_guesses_itself() -> None:
    """As ``ticket_register``: a suggest event right after every registration, the ticket's
    suggestions; the engine's auto-dispatch goes to the suggested unit, and a dispatcher's
    dispatch records the suggestion and whether it was corrected."""
    threshold = dispatch_settings().auto_threshold
    second = TicketEvent.objects.filter(seq=2).select_related("ticket")
    assert second.count() == Ticket.objects.count()
    for e in second[:200]:
        assert e.type == "suggest" and e.actor_id is None
        assert e.payload == {"suggestions": e.ticket.suggestions, "set": {}}
    dispatches = list(TicketEvent.objects.filter(type="dispatch").select_related("ticket"))
    auto = [e for e in dispatches if e.actor_id is None]
    assert 0.15 < len(auto) / len(dispatches) < 0.35
    for e in auto:
        top = e.ticket.suggestions["units"][0]
        assert e.payload["auto"] and e.payload["suggested_unit"] == e.payload["unit"]
        assert e.payload["corrected"] is False and top["confidence"] >= threshold
        assert e.payload["note"] == AUTO_DISPATCH_NOTE
    by_hand = [e for e in dispatches if e.actor_id is not None]
    assert all(e.payload["suggested_unit"] is not None for e in by_hand)
    assert any(e.payload["corrected"] for e in by_hand)  # sent first to a wrong unit


@pytest.mark.django_db
def test_units_differ_and_some_are_late() -> None:
    figures = [
        f
        for f in unit_figures(period_start=datetime(2025, 4, 1, tzinfo=TZ), period_end=END, now=END)
        if f.dispatched >= 20
    ]
    on_time = [f.on_time_rate for f in figures if f.on_time_rate is not None]
    assert len(figures) >= 10
    assert max(on_time) - min(on_time) > 0.15
    assert sum(f.overdue_count > 0 for f in figures) >= 3
    assert len({round(f.composite or 0, 1) for f in figures}) > len(figures) // 2


@pytest.mark.django_db
def test_numbers_follow_creation_days_and_sequences_continue() -> None:
    t = Ticket.objects.order_by("created_at").first()
    assert t is not None
    assert t.number.startswith(f"{t.created_at.astimezone(TZ):%Y%m%d}")
    day = date(2025, 5, 30)
    used = Ticket.objects.filter(number__startswith="20250530").count()
    assert TicketSequence.objects.get(day=day).last == used
    operator = User.objects.get(username="operator1")
    new = ticket_register(
        actor=operator,
        now=datetime(2025, 5, 30, 10, 0, tzinfo=TZ),
        title="测试续号",
        content="登记一张新工单",
        appeal_type="help",
        channel="phone",
    )
    assert new.number == f"20250530{used + 1:06d}"


@pytest.mark.django_db
def test_same_seed_gives_the_same_tickets() -> None:
    stored = list(Ticket.objects.order_by("pk").values_list("number", "title", "state", "version"))
    first_pk = Ticket.objects.aggregate(m=Min("pk"))["m"]
    sim = Simulator(
        build_world(),
        seed=SIZE["seed"],
        end=END,
        months=SIZE["months"],
        tickets=SIZE["tickets"],
        calendar=get_calendar(),
        rules=get_rules(),
        first_ticket_pk=first_pk,
        first_caller_pk=1,
        day_offsets={},
        holiday_names=dict(
            CalendarDay.objects.filter(is_workday=False).values_list("date", "name")
        ),
    )
    again = [
        (r.t["number"], r.t["title"], r.t["state"], r.t["version"])
        for batch in sim.run()
        for r in batch
    ]
    assert digest(again) == digest(stored)


@pytest.mark.django_db
def test_services_continue_on_demo_tickets() -> None:
    ticket = (
        Ticket.objects.filter(state=State.DISPATCHED, primary_unit__kind="street")
        .select_related("primary_unit")
        .first()
    ) or Ticket.objects.filter(state=State.DISPATCHED).select_related("primary_unit").first()
    assert ticket is not None
    assert ticket.primary_unit is not None
    handler = User.objects.get(unit=ticket.primary_unit, role=Role.HANDLER)
    accepted = ticket_accept(ticket=ticket, actor=handler, now=END)
    assert accepted.state == State.ACCEPTED
    assert accepted.version == ticket.version + 1
    events = list(accepted.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, accepted.version + 1))
    assert replay(events) == ticket_replayed_fields(accepted)


@pytest.mark.django_db
def test_tick_at_the_end_flags_nothing_new() -> None:
    """Breach flags were set as `duban sla tick` would have; a tick at the end finds none."""
    assert sla_tick(now=END).total == 0
    assert TicketEvent.objects.filter(type="breach").count() > 0


@pytest.mark.django_db
def test_check_command_and_if_empty(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", check=True)
    assert "0 problems" in capsys.readouterr().out
    call_command("demo", if_empty=True)
    assert "nothing to do" in capsys.readouterr().out
    call_command("demo", print_logins=True)
    out = capsys.readouterr().out
    assert "operator1" in out and "binhu_handler" in out and "duban-demo" in out
    Ticket.objects.filter(pk=Ticket.objects.filter(state="closed").first().pk).update(  # type: ignore[union-attr]
        closed_at=None
    )
    with pytest.raises(CommandError):
        call_command("demo", check=True)


@pytest.mark.django_db
def test_logins_cover_every_role_and_admin_is_superuser() -> None:
    roles = dict(User.objects.values_list("role").annotate(n=Count("pk")))
    # The module offices' logins come with their modules' content (not built here).
    module_offices = {Role.PROJECT_OFFICE, Role.STATS_OFFICE, Role.INSPECTOR}
    module_offices |= {Role.INSPECTION_OFFICE}
    assert set(roles) == set(Role.values) - module_offices
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password("duban-demo")


@pytest.mark.django_db
def test_merged_callers_are_called_back_once_their_master_closes() -> None:
    """The centre calls each merged ticket's caller after the master closes (a rating, or
    three unanswered calls): the 待回访 list holds only merged tickets whose master closed
    in the last days of the demo, not every merge of the period."""
    from datetime import timedelta

    from duban.tickets.services.merged import awaiting_rating

    merged = Ticket.objects.filter(state=State.MERGED, master__state=State.CLOSED)
    assert merged.filter(rated_at__isnull=False).exists()
    waiting = Ticket.objects.filter(awaiting_rating())
    assert not waiting.filter(master__closed_at__lt=END - timedelta(days=3)).exists()
    rated = merged.filter(rated_at__isnull=False).first()
    assert rated is not None and rated.events.filter(type="callback").exists()
