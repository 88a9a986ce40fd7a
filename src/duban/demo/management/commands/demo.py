"""`duban demo`: build the demo district and simulate months of tickets."""

from __future__ import annotations

import sys
import time
import unicodedata
from collections import Counter
from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.demo import data
from duban.demo.builder import build_world, login_rows
from duban.demo.invariants import check_invariants
from duban.demo.modules import build_modules
from duban.demo.rules_check import CHECKS
from duban.demo.simulate import TZ, Simulator
from duban.demo.writer import day_offsets, fast_sqlite, finish, next_pks, write_batch
from duban.metrics.services import refresh_due
from duban.sla.models import CalendarDay
from duban.sla.selectors import calendar_invalidate, get_calendar, get_rules
from duban.tickets.models import Ticket


def _columns(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _columns(text), 1)


def _first_of_this_month() -> date:
    return timezone.now().astimezone(TZ).date().replace(day=1)


class Command(BaseCommand):
    help = (
        "Build the demo district (平顶山市城乡一体化示范区) with users and categories, and "
        "simulate months of tickets through the whole lifecycle."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
        parser.add_argument("--months", type=int, default=6, help="months simulated (default 6)")
        parser.add_argument("--tickets", type=int, default=50000, help="tickets (default 50000)")
        parser.add_argument(
            "--end",
            type=date.fromisoformat,
            default=None,
            help="simulation end date, local midnight (default: first day of this month)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when tickets exist already"
        )
        parser.add_argument(
            "--print-logins", action="store_true", help="only print the demo logins"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the stored tickets: invariants, and every event against the "
            "state table and the services' rules (exit 1 on problems)",
        )
        parser.add_argument("--sample", type=int, default=None, help="tickets checked by --check")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--no-modules",
            action="store_true",
            help="only the hotline's tickets: skip the modules' content (projects, enterprises, "
            "indicators, inspections)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["print_logins"]:
            self.print_logins()
            return
        if opts["check"]:
            self.check_tickets(opts["sample"], opts["no_progress"])
            return
        if opts["if_empty"] and Ticket.objects.exists():
            self.stdout.write(
                f"demo: {Ticket.objects.count()} tickets exist already; nothing to do (--if-empty)"
            )
            return
        if opts["tickets"] < 1 or opts["months"] < 1:
            raise CommandError("--tickets and --months must be positive")
        self.build(opts)

    def build(self, opts: dict[str, Any]) -> None:
        started = time.perf_counter()
        world = build_world()
        calendar_invalidate()
        calendar, rules = get_calendar(), get_rules()
        end_day = opts["end"] or _first_of_this_month()
        end = datetime.combine(end_day, datetime.min.time(), TZ)
        first_pk, first_caller = next_pks()
        sim = Simulator(
            world,
            seed=opts["seed"],
            end=end,
            months=opts["months"],
            tickets=opts["tickets"],
            calendar=calendar,
            rules=rules,
            first_ticket_pk=first_pk,
            first_caller_pk=first_caller,
            day_offsets={},
            holiday_names=dict(
                CalendarDay.objects.filter(is_workday=False).values_list("date", "name")
            ),
        )
        sim.day_counts = day_offsets(sim.start.date(), end_day)
        built, cpu = time.perf_counter(), time.process_time()
        self.stdout.write(
            f"demo: {len(world.units)} units, {len(world.users)} users, "
            f"{sum(len(v) for v in world.leaves.values())} leaf categories "
            f"({built - started:.1f}s); simulating {opts['tickets']} tickets "
            f"{sim.start:%Y-%m-%d} … {end:%Y-%m-%d} (seed {opts['seed']})"
        )
        n_tickets = n_events = 0
        bar = self._bar(opts)
        with fast_sqlite():
            for batch in sim.run():
                callers, sim.callers = sim.callers, []
                n_events += write_batch(batch, callers)
                n_tickets += len(batch)
                if bar is not None:
                    bar.update(len(batch))
        if bar is not None:
            bar.close()
        finish(sorted(sim.day_counts.items()))
        seconds, cpu = time.perf_counter() - built, time.process_time() - cpu
        self.stdout.write(
            f"demo: {n_tickets} tickets, {n_events} events in {seconds:.1f}s "
            f"(CPU {cpu:.1f}s; {n_tickets / seconds:.0f} tickets/s, "
            f"{n_events / seconds:.0f} events/s); "
            f"password of every demo login: {data.DEMO_PASSWORD}"
        )
        # The modules' content (their tickets go through the engine's services).
        if not opts["no_modules"]:
            build_modules(world, now=timezone.now(), write=self.stdout.write)
        # The bulk load bypassed the services: build the dashboard's rollup now.
        rolled = refresh_due(now=timezone.now())
        self.stdout.write(
            f"demo: monthly rollup of {len(rolled.refreshed)} months in {rolled.seconds:.1f}s"
        )

    def _bar(self, opts: dict[str, Any], desc: str = "demo") -> Any:
        if opts["no_progress"]:
            return None
        from tqdm import tqdm

        return tqdm(total=opts["tickets"], unit="tickets", file=sys.stderr, desc=desc)

    def print_logins(self) -> None:
        rows = login_rows()
        if not rows:
            self.stdout.write("demo: no users yet (run `duban demo` first)")
            return
        width = max(len(r[0]) for r in rows)
        self.stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD})")
        self.stdout.write(f"{'username':<{width}}  {'role':<10}  unit")
        for username, role, unit in rows:
            pad = 10 - 2 * len(role)  # role labels are CJK: two columns per character
            self.stdout.write(f"{username:<{width}}  {role}{' ' * max(pad, 1)}  {unit}")

    def check_tickets(self, sample: int | None, no_progress: bool) -> None:
        started = time.perf_counter()
        total = sample or Ticket.objects.count()
        bar = self._bar({"no_progress": no_progress, "tickets": total}, desc="check")
        result = check_invariants(sample, progress=bar.update if bar is not None else None)
        if bar is not None:
            bar.close()
        seconds = time.perf_counter() - started
        problems = result.problems
        for problem in problems[:50]:
            self.stdout.write(str(problem))
        counts = Counter(p.check for p in problems)
        events = result.events
        self.stdout.write(
            f"demo --check: {result.tickets} tickets, {events.total()} events "
            f"of {len(events)} types in {seconds:.1f}s"
        )
        self.stdout.write("  " + ", ".join(f"{kind} {n}" for kind, n in events.most_common()))
        width = max(_columns(label) for label in CHECKS.values()) + 2
        self.stdout.write(f"  {_pad('检查 / check', width)}问题 / problems")
        for key, label in CHECKS.items():
            self.stdout.write(f"  {_pad(label, width)}{counts.get(key, 0):>6}")
        if problems:
            self.stdout.write(
                f"demo --check: 发现 {len(problems)} 个问题 / {len(problems)} problems"
            )
            raise CommandError(f"{len(problems)} problems")
        self.stdout.write("demo --check: 0 problems — 全部符合规则 / every event follows the rules")
