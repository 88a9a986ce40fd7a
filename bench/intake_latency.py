"""Intake latency: suggestions, duplicate lookup and repeat-caller check on a busy district.

Builds (once) a database holding ~90 days of a busy district's tickets with the demo
generator, then registers new appeals through the real service and times:

- the whole intake analysis (suggestions + duplicates + repeat caller + knowledge);
- the duplicate lookup alone.

    uv run python bench/intake_latency.py [--tickets 60000] [--days 90] [--runs 200]

Uses DUBAN_VAR_DIR (default /tmp/duban-bench) so it never touches var/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=60000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from duban.dispatch.fingerprint import band_keys
    from duban.dispatch.intake import duplicate_candidates
    from duban.dispatch.selectors import dispatch_settings
    from duban.org.models import User
    from duban.tickets.models import Ticket
    from duban.tickets.services import ticket_register

    call_command("migrate", verbosity=0)
    if not Ticket.objects.exists():
        months = max(1, round(args.days / 30))
        print(f"building {args.tickets} demo tickets over {months} months …", file=sys.stderr)
        call_command("demo", tickets=args.tickets, months=months, seed=1)
    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    window = Ticket.objects.filter(created_at__gte=newest - timedelta(days=args.days)).count()
    operator = User.objects.get(username="operator1")
    samples = list(
        Ticket.objects.order_by("?").values_list("title", "content", "location")[: args.runs]
    )
    cfg = dispatch_settings()

    full, dup = [], []
    for i, (title, content, location) in enumerate(samples):
        now = newest + timedelta(minutes=1 + i)
        with transaction.atomic():
            t0 = time.perf_counter()
            ticket = ticket_register(
                actor=operator,
                now=now,
                title=title,
                content=content + "（再次反映）",
                location=location,
                appeal_type="complaint",
                channel="phone",
                caller_phone=f"139{i:08d}",
            )
            full.append((time.perf_counter() - t0) * 1000)
            keys = [k for _, k in band_keys(ticket.title, ticket.content)]
            t1 = time.perf_counter()
            found = duplicate_candidates(ticket, keys=keys, cfg=cfg, now=now)
            dup.append((time.perf_counter() - t1) * 1000)
            assert found, "a re-submitted appeal should find its original"
            transaction.set_rollback(True)

    print(f"database: {connection.vendor}; tickets in the {args.days}-day window: {window}")
    print(
        f"register + intake analysis: p50 {statistics.median(full):.1f} ms, p95 {pct(full, 0.95):.1f} ms"
    )
    print(
        f"duplicate lookup alone:     p50 {statistics.median(dup):.1f} ms, p95 {pct(dup, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
