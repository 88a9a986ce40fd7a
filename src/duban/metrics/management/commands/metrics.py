"""`duban metrics rollup`: rebuild the monthly rollup behind the dashboard."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import InvalidInput
from duban.core.periods import months_back, parse_period
from duban.metrics.services import refresh_period


class Command(BaseCommand):
    help = "Figures jobs. `rollup` rebuilds the monthly rollup (default: the last 13 months)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rollup = sub.add_parser("rollup", help="rebuild the monthly rollup of some months")
        rollup.add_argument("--months", type=int, default=13, help="months back from now")
        rollup.add_argument("--period", action="append", help="a month YYYY-MM (repeatable)")

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        try:
            if options.get("period"):
                periods = [parse_period(str(p)) for p in options["period"]]  # type: ignore[attr-defined]
            else:
                months = int(options["months"])  # type: ignore[call-overload]
                if not 1 <= months <= 240:
                    raise InvalidInput("--months 应在 1 到 240 之间 / --months must be 1..240")
                periods = months_back(now, months)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        for period in periods:
            started = time.perf_counter()
            refresh_period(period, now=now)
            ms = (time.perf_counter() - started) * 1000
            self.stdout.write(f"{period.label} 汇总完成 / rolled up in {ms:.0f} ms")
