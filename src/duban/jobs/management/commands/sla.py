"""`duban sla tick`: flag deadline breaches, each exactly once, remind units of deadlines
that come near (once each), keep the dashboard's rollup fresh and keep this year and next
in the working calendar (provisional until entered).

Run every minute (cron or a systemd timer). The job worker will run it later.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from duban.jobs.clock import add_now_option, now_from
from duban.metrics.services import refresh_due
from duban.notifications.services import notify_due_soon
from duban.sla.services import ensure_next_year
from duban.tickets.services import sla_tick


class Command(BaseCommand):
    help = (
        "SLA jobs. `tick` flags every deadline passed since the last run and refreshes the "
        "dashboard rollup (run it every minute)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="flag breached deadlines once")
        add_now_option(tick)

    def handle(self, *args: object, **options: object) -> None:
        now = now_from(options)
        # First the calendar: a year missing from it would give wrong deadlines.
        added = ensure_next_year(now)
        if added:
            years = "、".join(str(y) for y in added)
            self.stdout.write(
                f"工作日历已补入 {years} 年（见 duban calendar show）/ calendar years seeded: {years}"
            )
        result = sla_tick(now=now)
        names = {
            "accept": "签收超时",
            "contact": "联系超时",
            "handle": "办理超期",
            "callback": "回访超时",
        }
        parts = ", ".join(f"{names[k]} {v}" for k, v in result.flagged.items())
        self.stdout.write(f"{now.isoformat()} 新增超时 {result.total} 件 / new breaches: {parts}")
        reminded = notify_due_soon(now=now)
        if reminded:
            self.stdout.write(f"临期提醒 {reminded} 条 / due-soon notices: {reminded}")
        # The dashboard's monthly rollup is refreshed on the same minute beat.
        rolled = refresh_due(now=now)
        if rolled.refreshed:
            self.stdout.write(
                f"月度汇总已更新 / rollup refreshed: {', '.join(rolled.refreshed)} "
                f"({rolled.seconds * 1000:.0f} ms)"
            )
