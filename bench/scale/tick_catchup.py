"""The deadline tick after an outage: every breach due by ``--at`` flagged, with and without
the job's time budget, each run rolled back (issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/tick_catchup.py \
        --at 2026-12-08T00:00:00+00:00 [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--at", required=True, type=datetime.fromisoformat)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from duban.jobs.tasks import TICK_BUDGET
    from duban.tickets.services import sla_tick

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM tickets_ticket WHERE handle_due < %s "
            "AND handle_breached_at IS NULL AND state IN ('dispatched', 'accepted', 'reopened')",
            [args.at],
        )
        print(f"handling breaches due by {args.at.isoformat()}: {cur.fetchone()[0]:,}")
    for label, budget in (("the job's budget", TICK_BUDGET), ("no budget", None)) * args.runs:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                result = sla_tick(now=args.at, budget=budget)
                raise Rollback
        except Rollback:
            pass
        flagged = {str(k): v for k, v in result.flagged.items()}
        print(
            f"{label}: {time.perf_counter() - started:.1f} s, {result.total:,} flagged "
            f"{flagged}, left for the next tick: {result.unfinished}"
        )


if __name__ == "__main__":
    main()
