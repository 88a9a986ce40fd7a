"""The demo's two possible paths, measured: bulk simulation vs the real ticket services.

Issue 8 asks whether ``duban demo`` could play its tickets through the real services
(``duban.tickets.services``) instead of simulating them in memory and bulk-inserting the
rows. This script measures both on the same throwaway database:

- **bulk**: ``duban demo --tickets N --months M`` (simulation + bulk inserts), timed by the
  command itself;
- **services**: tickets drawn by the demo's own simulator (same categories, units, texts,
  registrars) and played through the services on the common path — ``ticket_register``
  (with its intake analysis), ``ticket_dispatch``, ``ticket_accept``,
  ``ticket_record_contact``, ``ticket_reply`` (with its reply check), ``ticket_review_pass``,
  ``ticket_callback`` — in "bulk mode": one transaction per 100 tickets, the demo's large
  SQLite page cache, no per-call commit.

It prints tickets/s and events/s of both, the time per service call, and extrapolates
both to the default demo (50 000 tickets, 376 500 events).

    DATABASE_URL= uv run --frozen --no-sync python bench/demo_paths.py \
        [--bulk 5000] [--services 300] [--months 2]

Uses DUBAN_VAR_DIR (default: a fresh temporary directory), so it never touches var/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DUBAN_VAR_DIR", tempfile.mkdtemp(prefix="duban-paths-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

FULL_TICKETS, FULL_EVENTS = 50_000, 376_500
FULL_TICKS = 6 * 30 * 24 * 12  # `duban sla tick` every five minutes over six months
END = date(2025, 6, 1)
TRANSACTION_TICKETS = 100


def bulk_path(tickets: int, months: int) -> tuple[float, int, int]:
    from django.core.management import call_command

    from duban.tickets.models import Ticket, TicketEvent

    started = time.perf_counter()
    call_command("demo", tickets=tickets, months=months, end=END, no_progress=True)
    seconds = time.perf_counter() - started
    return seconds, Ticket.objects.count(), TicketEvent.objects.count()


def services_path(tickets: int) -> tuple[float, int, dict[str, list[float]]]:
    """Play ``tickets`` demo cases through the real services; returns (seconds, events, timings)."""
    from django.db import transaction

    from duban.demo.builder import build_world
    from duban.demo.simulate import TZ, Simulator
    from duban.demo.writer import fast_sqlite, next_pks
    from duban.sla.selectors import get_calendar, get_rules
    from duban.tickets import services as s
    from duban.tickets.choices import State
    from duban.tickets.models import TicketEvent

    world = build_world()
    start = datetime.combine(END, datetime.min.time(), TZ)
    first_pk, first_caller = next_pks()
    sim = Simulator(
        world,
        seed=99,
        end=start + timedelta(days=60),
        months=1,
        tickets=tickets,
        calendar=get_calendar(),
        rules=get_rules(),
        first_ticket_pk=first_pk,
        first_caller_pk=first_caller,
        day_offsets={},
        holiday_names={},
    )
    dispatcher = world.users["dispatcher1"]
    operator = world.users["operator1"]
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, fn, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        result = fn(**kwargs)
        timings[name].append(time.perf_counter() - t0)
        return result

    events_before = TicketEvent.objects.count()
    started = time.perf_counter()
    with fast_sqlite():
        for first in range(0, tickets, TRANSACTION_TICKETS):
            with transaction.atomic():
                for i in range(first, min(first + TRANSACTION_TICKETS, tickets)):
                    now = start + timedelta(minutes=7 * i)
                    rec, case = sim.record(now)
                    caller = sim.callers.pop() if rec.t["caller_id"] else None
                    handler = world.staff[case.unit.code][0]
                    t = timed(
                        "register",
                        s.ticket_register,
                        actor=case.registrar,
                        now=now,
                        title=case.title,
                        content=case.content,
                        appeal_type=case.appeal_type,
                        channel=case.channel,
                        kind=case.kind,
                        urgency=case.urgency,
                        location=case.place,
                        category_id=case.category.pk,
                        caller_name=caller.name if caller else "",
                        caller_phone=caller.phone if caller else "",
                    )
                    if t.state == State.REGISTERED:
                        t = timed(
                            "dispatch",
                            s.ticket_dispatch,
                            ticket=t,
                            actor=dispatcher,
                            now=now + timedelta(minutes=10),
                            unit=case.unit,
                        )
                    at = now + timedelta(hours=1)
                    t = timed("accept", s.ticket_accept, ticket=t, actor=handler, now=at)
                    at += timedelta(hours=1)
                    t = timed(
                        "record_contact", s.ticket_record_contact, ticket=t, actor=handler, now=at
                    )
                    t = timed(
                        "reply",
                        s.ticket_reply,
                        ticket=t,
                        actor=handler,
                        now=at + timedelta(days=1),
                        result="solved",
                        text="经现场核查，已安排人员处理完毕，并向来电人反馈办理结果。",
                    )
                    at += timedelta(days=1, hours=2)
                    t = timed(
                        "review_pass", s.ticket_review_pass, ticket=t, actor=dispatcher, now=at
                    )
                    timed(
                        "callback",
                        s.ticket_callback,
                        ticket=t,
                        actor=operator,
                        now=at + timedelta(hours=3),
                        reached=True,
                        resolved=True,
                        satisfaction="satisfied",
                    )
    seconds = time.perf_counter() - started
    return seconds, TicketEvent.objects.count() - events_before, timings


def tick_seconds(runs: int = 200) -> float:
    """One ``sla_tick`` that finds nothing new (the services path would need one per five
    simulated minutes to flag breaches as they happen)."""
    from duban.tickets.models import Ticket
    from duban.tickets.services import sla_tick

    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    sla_tick(now=newest)  # flag what is due by then; the timed ticks find nothing new
    started = time.perf_counter()
    for _ in range(runs):
        sla_tick(now=newest)
    return (time.perf_counter() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bulk", type=int, default=5000, help="tickets of the bulk demo")
    parser.add_argument("--services", type=int, default=300, help="tickets through the services")
    parser.add_argument("--months", type=int, default=2)
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    b_sec, b_tickets, b_events = bulk_path(args.bulk, args.months)
    s_sec, s_events, timings = services_path(args.services)
    tick = tick_seconds()

    b_tps, b_eps = b_tickets / b_sec, b_events / b_sec
    s_tps, s_eps = args.services / s_sec, s_events / s_sec
    print(f"database: {connection.vendor} in {os.environ['DUBAN_VAR_DIR']}")
    print(
        f"bulk demo:      {b_tickets} tickets, {b_events} events in {b_sec:.1f} s "
        f"→ {b_tps:,.0f} tickets/s, {b_eps:,.0f} events/s"
    )
    print(
        f"real services:  {args.services} tickets, {s_events} events in {s_sec:.1f} s "
        f"→ {s_tps:,.1f} tickets/s, {s_eps:,.0f} events/s "
        f"({s_events / args.services:.1f} events per ticket)"
    )
    print("per service call (median / p95 ms):")
    for name, values in timings.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"  {name:<15} {statistics.median(values) * 1000:7.1f} {p95 * 1000:7.1f}")
    print(
        f"sla_tick finding nothing: {tick * 1000:.1f} ms; {FULL_TICKS:,} ticks over six months "
        f"≈ {FULL_TICKS * tick / 60:.1f} min"
    )
    print(
        f"extrapolated to {FULL_TICKETS:,} tickets / {FULL_EVENTS:,} events: "
        f"bulk ≈ {FULL_TICKETS / b_tps / 60:.1f} min (by tickets); "
        f"services ≈ {FULL_TICKETS / s_tps / 60:.0f} min by tickets, "
        f"≈ {FULL_EVENTS / s_eps / 60:.0f} min by events, plus the ticks "
        f"({b_tps / s_tps:.0f}× slower per ticket)"
    )


if __name__ == "__main__":
    main()
