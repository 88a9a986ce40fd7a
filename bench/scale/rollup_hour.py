"""An hour of the rollup job on the scale data: which months it rebuilds and the database
time it takes, with the writes a city's tickets make to older months (issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/rollup_hour.py \
        [--minutes 60] [--changed 2,3] [--writes 16]

Runs ``metrics.services.refresh_due`` — the worker's ``rollup`` job, due every minute — at
each simulated minute from now on (after one warm-up run that brings every month up to
date), and prints the months each run rebuilt, how many rebuilds each month had and the
total time. ``--changed`` names the months, counted back from the current one, whose
tickets are written to every minute: a reply, a rating or a reopen to a ticket dispatched
two or three months ago. The event log of the 1 M database gives that mix — of the
673,587 events of the last 30 days, 82.3 % fell on tickets dispatched in the current month,
15.8 % in the previous one, 1.74 % two months back, 0.20 % three months back and none
further (docs/scale.md) — and at Beijing's volume (25 M a year, 25 times that database) the
month two back is written to several times a minute, the month three back about once.
Each such write is noted as the engine's observer notes it
(``metrics.services.note_change``); code without that observer ignores them.

``--writes`` is the number of writes a minute to tickets of the two recent months (82 % to
the current month, 18 % to the previous: the event log's mix above), each noted with its
ticket as the engine notes it, so that code which brings the recent months forward from
their changes (``metrics.services_recent``) recounts them; code that rebuilds the recent
months whole ignores them. The 1 M database's own rate is ≈ 16 a minute (2,700 tickets a
day, ≈ 8.7 events each); Beijing's, 25 times that, ≈ 400.

The rollup is rebuilt for real (committed); run it on a scale database, never on
production. The months' figures are the same afterwards: only their ``computed_at`` moves.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import sys
import time
from collections import Counter
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--changed", default="2,3", help="months back written to every minute")
    parser.add_argument("--writes", type=int, default=16, help="writes a minute, recent months")
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    from duban.core.periods import months_back
    from duban.metrics import services
    from duban.tickets.models import Ticket

    note = getattr(services, "note_change", None)
    noted_by_ticket = note is not None and "ticket" in inspect.signature(note).parameters
    changed_back = [int(x) for x in args.changed.split(",") if x.strip()]
    start = timezone.now()
    # Every month rebuilt as of the start, its heat by place included: each run begins from
    # the same state, whatever an earlier run left (its months may be "computed" later than
    # this start). Code from before the heat's own time to live has no ``places`` argument.
    began = time.perf_counter()
    whole = {"places": True} if hasattr(services, "PLACES_TTL") else {}
    warm = services.refresh_periods(months_back(start, services.TICK_MONTHS), now=start, **whole)
    print(f"warm-up: {len(warm)} months in {time.perf_counter() - began:.1f} s", file=sys.stderr)

    rng = random.Random(15)
    recent_tickets = {}
    if noted_by_ticket:
        for back, period in enumerate(reversed(months_back(start, 2))):
            recent_tickets[back] = list(
                Ticket.objects.filter(dispatched_at__gte=period.start, dispatched_at__lt=period.end)
                .order_by("?")
                .values_list("pk", flat=True)[:5000]
            )
    rebuilds: Counter[str] = Counter()
    seconds = 0.0
    recent_runs: list[float] = []  # runs that refreshed the two recent months only
    began = time.perf_counter()
    for minute in range(1, args.minutes + 1):
        now = start + timedelta(minutes=minute)
        periods = months_back(now, max(changed_back, default=0) + 1)  # newest last
        if note is not None:
            for back in changed_back:
                note(periods[-1 - back], now=now)
        for _ in range(args.writes if noted_by_ticket else 0):
            back = 0 if rng.random() < 0.82 else 1
            if recent_tickets.get(back):
                ticket = Ticket(pk=rng.choice(recent_tickets[back]))
                note(periods[-1 - back], now=now, ticket=ticket)
        run = services.refresh_due(now=now)
        rebuilds.update(run.refreshed)
        seconds += run.seconds
        if run.refreshed and set(run.refreshed) <= {p.label for p in periods[-2:]}:
            recent_runs.append(run.seconds)
        if run.refreshed:
            print(
                f"minute {minute:3d}: {', '.join(run.refreshed)} ({run.seconds:.1f} s)",
                file=sys.stderr,
            )
    print(
        f"| months rebuilt in {args.minutes} min | rebuilds | rollup time | busy share of the hour |"
    )
    print("|---|---|---|---|")
    per_month = ", ".join(f"{m} ×{n}" for m, n in sorted(rebuilds.items()))
    print(
        f"| {per_month} | {sum(rebuilds.values())} | {seconds:.1f} s "
        f"(wall {time.perf_counter() - began:.1f} s) | {seconds / (args.minutes * 60):.1%} |"
    )
    if recent_runs:
        ordered = sorted(recent_runs)
        print(
            f"\nthe {len(ordered)} runs that refreshed the two recent months only: "
            f"{sum(ordered):.2f} s, p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms; {args.writes} writes a minute to their tickets"
            + ("" if noted_by_ticket else " (not noted: this code rebuilds them whole)")
        )


if __name__ == "__main__":
    main()
