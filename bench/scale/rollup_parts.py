"""What a month's rollup rebuild spends its time on, part by part (issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/rollup_parts.py [--runs 3]

For the previous and the current month, each run times the three reads of
``metrics.services.refresh_periods`` inside one transaction with the rebuild's own
settings (``core.db.parallel_scan``): the tickets' figures grouped by unit and category,
the primary assignments, and the heat by place (every place's names matched against
every ticket of the month); then a whole rebuild (``refresh_periods(places=True)``,
committed: run it on a scale database, never on production) and a rebuild without the
heat (``places=False``, the tick's rebuild of a recent month within ``PLACES_TTL``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from duban.core.db import parallel_scan
    from duban.core.periods import period_containing
    from duban.metrics import rollup_rows, services
    from duban.metrics.selectors_places import district_place_counts
    from duban.tickets.models import Ticket

    def ms(since: float) -> float:
        return (time.perf_counter() - since) * 1000

    now = timezone.now()
    current = period_containing(now)
    print(
        "| month | tickets | figures | assignments | heat by place | parts written "
        "| whole rebuild | without the heat | tick's refresh |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for period in (current.previous, current):
        n = Ticket.objects.filter(
            dispatched_at__gte=period.start, dispatched_at__lt=period.end
        ).count()
        for _ in range(args.runs):
            with transaction.atomic():
                parallel_scan()
                t = time.perf_counter()
                list(rollup_rows.ticket_rows([period], now=now))
                figures = ms(t)
                t = time.perf_counter()
                list(rollup_rows.assignment_rows([period]))
                assignments = ms(t)
                t = time.perf_counter()
                district_place_counts([period])
                heat = ms(t)
                t = time.perf_counter()
                parts = rollup_rows.insert_parts([period], now=now)
                written = ms(t)
                transaction.set_rollback(True)
            t = time.perf_counter()
            services.refresh_periods([period], now=now, places=True)
            whole = ms(t)
            t = time.perf_counter()
            services.refresh_periods([period], now=now, places=False)
            without = ms(t)
            t = time.perf_counter()
            services.refresh_periods([current.previous, current], now=now, advance=True)
            refresh = ms(t)
            print(
                f"| {period.label} | {n:,} | {figures:.0f} ms | {assignments:.0f} ms | {heat:.0f} ms "
                f"| {written:.0f} ms ({parts:,} parts) | {whole:.0f} ms | {without:.0f} ms "
                f"| {refresh:.0f} ms |",
                flush=True,
            )


if __name__ == "__main__":
    main()
