"""How long one intake holds the day's number, and its CPU per ticket (issue 15, intake).

The ticket number comes from one counter row per day; the row stays locked from the
number to the commit of the registering transaction, so that span is what every other
intake of the day waits for — its inverse is the most tickets per second one database can
take, however many app servers there are. This registers tickets through the real API
(``POST /api/v1/tickets`` with a bearer token, Django test client, one process) and times
the span (from ``next_number`` to the commit, through ``transaction.on_commit``) and the
process's CPU per ticket.

    DATABASE_URL=postgres://… duban demo --tickets 3000 --months 3 --no-modules
    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/intake_lock.py \
        [--tickets 200]

Writes real tickets (``bench/server_compare.py``'s intake body: a street lamp).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server_compare import intake_body  # bench/, beside this folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from duban.org.models import User
    from duban.org.services import token_create
    from duban.tickets.services import intake

    operator = User.objects.get(username="operator1")
    _, token = token_create(user=operator, now=timezone.now(), name="intake_lock")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    spans: list[float] = []
    numbered = intake.next_number

    def timed_number(now):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        number = numbered(now)
        transaction.on_commit(lambda: spans.append(time.perf_counter() - started))
        return number

    intake.next_number = timed_number  # type: ignore[assignment]

    def register() -> None:
        r = client.post("/api/v1/tickets", intake_body(), content_type="application/json")
        if r.status_code != 201:
            raise SystemExit(f"intake answered {r.status_code}: {r.content[:200]!r}")

    for _ in range(args.warmup):
        register()
    spans.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.tickets):
        register()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    spans.sort()
    held = statistics.median(spans) * 1000
    p95 = spans[int(0.95 * (len(spans) - 1))] * 1000
    n = args.tickets
    print(
        f"{n} tickets: wall {wall / n * 1000:.1f} ms, CPU {cpu / n * 1000:.1f} ms per ticket; "
        f"the day's counter row held from the number to the commit: p50 {held:.2f} ms, "
        f"p95 {p95:.2f} ms → at most ≈ {1000 / held:.0f} tickets/s on one database"
    )


if __name__ == "__main__":
    main()
