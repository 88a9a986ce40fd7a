"""`duban sla tick`: flag deadline breaches, each exactly once, remind units of deadlines
that come near (once each) and keep this year and next in the working calendar (provisional
until entered).

The worker runs the same job every minute (``duban.jobs.tasks.deadline_tick``, schedule
``duban.deadline_tick``); the dashboard's rollup is a separate job (``duban jobs run rollup``)
so neither delays the other. Run by hand for a replay (``--now``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from duban.jobs.clock import add_now_option, now_from
from duban.jobs.tasks import deadline_tick


class Command(BaseCommand):
    help = "SLA jobs. `tick` flags every deadline passed since the last run (the worker runs it every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="flag breached deadlines once")
        add_now_option(tick)

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(deadline_tick(now_from(options)))
