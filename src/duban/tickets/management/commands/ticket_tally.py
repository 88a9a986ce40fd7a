"""The districts' ticket totals kept by the database (``TicketTally``).

- ``duban ticket_tally``: compare the tally with a count of the tickets; exit status 1
  and the days that disagree when they do.
- ``duban ticket_tally --rebuild``: count it afresh (after a load that bypassed the ticket
  table's triggers, docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.tickets.services.tally import tally_differences, tally_rebuild

SHOWN = 20


class Command(BaseCommand):
    help = "Check (or rebuild) the districts' ticket totals against the tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="count the tally afresh")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            rows = tally_rebuild()
            self.stdout.write(f"工单数汇总已重建：{rows} 行 / tally rebuilt: {rows} rows")
            return
        differences = tally_differences()
        if not differences:
            self.stdout.write("工单数汇总与工单一致 / the tally matches the tickets")
            return
        for (district, day), (kept, counted) in sorted(differences.items())[:SHOWN]:
            self.stdout.write(f"district {district} {day}: 汇总 {kept}，实有 {counted}")
        raise CommandError(
            f"工单数汇总有 {len(differences)} 处与工单不一致，请运行 duban ticket_tally --rebuild"
            f" / the tally differs on {len(differences)} days"
        )
