"""Server time of the main pages on a demo-sized district (Django test client, in process).

    uv run python bench/pages_latency.py [--tickets 50000] [--runs 20] [--only /search/]

Builds the demo once in DUBAN_VAR_DIR (default /tmp/duban-bench-pages) and prints the
median and p95 time and the query count of each page for the persona who uses it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-bench-pages")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

PAGES = [
    ("operator1", "/desk/intake/"),
    ("binhu_handler", "/desk/inbox/"),
    ("binhu_handler", "/desk/inbox/?tab=overdue"),
    ("dispatcher1", "/desk/centre/"),
    ("dispatcher1", "/desk/centre/?tab=callback"),
    ("supervisor1", "/desk/supervision/"),
    ("dispatcher1", "/tickets/{number}/"),
    ("leader1", "/metrics/"),
    ("leader1", "/metrics/ (cold cache)"),
    ("leader1", "/metrics/ (cold cache, no tick for 20 min)"),
    ("leader1", "/metrics/ (cold cache, rollup a day old)"),
    ("leader1", "/metrics/report/ (cold cache)"),
    ("leader1", "/metrics/rankings/"),
    ("dispatcher1", "/api/v1/tickets?limit=50"),
    ("leader1", "/search/?q=路灯"),
    # 工单查询 by text (pg_trgm on PostgreSQL, docs/search.md): a common term, a term no
    # ticket has (the planner's worst case), a reply, a short (2-character) term that is
    # searched within 31 days, the same in one street's scope, and a caller's phone.
    ("leader1", "/search/?content=噪音影响休息"),
    ("leader1", "/search/?content=无此内容的词"),
    ("leader1", "/search/?reply=已安排"),
    ("leader1", "/search/?content=噪音"),
    ("binhu_handler", "/search/?content=噪音影响休息"),
    ("dispatcher1", "/search/?phone={phone}"),
    ("binhu_handler", "/search/?overdue=on"),
    ("leader1", "/search/?period=2026-11&by=dispatched_at&export=xlsx"),
]


STALE = datetime(2000, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="measure only the pages whose URL has this")
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.metrics.models import RollupPeriod
    from duban.metrics.services import refresh_due
    from duban.org.models import User
    from duban.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if not Ticket.objects.exists():
        print(f"building the demo ({args.tickets} tickets) …", file=sys.stderr)
        call_command("demo", tickets=args.tickets, seed=1)
    number = (
        Ticket.objects.filter(state="closed")
        .order_by("-number")
        .values_list("number", flat=True)[0]
    )
    phone = (
        Ticket.objects.filter(caller__isnull=False)
        .order_by("-number")
        .values_list("caller__phone", flat=True)[0]
    )
    print(f"database: {connection.vendor}, tickets: {Ticket.objects.count()}")
    refresh_due(now=timezone.now())
    ticks = []
    for _ in range(5):
        RollupPeriod.objects.update(computed_at=STALE)
        ticks.append(refresh_due(now=timezone.now()).seconds * 1000)
    print(
        f"rollup rebuild of 13 months (what `duban sla tick` does when all are due): "
        f"median {statistics.median(ticks):.0f} ms of 5"
    )
    print(f"{'page':52} {'user':15} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} status")
    for username, url in PAGES:
        if args.only not in url:
            continue
        url, _, note = url.format(number=number, phone=phone).partition(" ")
        cold = note.startswith("(cold cache")
        stale = {"20 min": timedelta(minutes=20), "a day": timedelta(days=1, minutes=1)}
        age = next((v for k, v in stale.items() if k in note), None)
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm caches (calendar, templates)
        times = []
        for _ in range(args.runs):
            if cold:
                cache.clear()
            if age is not None:  # no `duban sla tick` running for that long
                RollupPeriod.objects.update(computed_at=timezone.now() - age)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{(url + ' ' + note).strip():52} {username:15} {statistics.median(times):7.1f} {p95:7.1f} "
            f"{len(queries.captured_queries):7d} {response.status_code}"
        )


if __name__ == "__main__":
    main()
