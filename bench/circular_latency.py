"""Server time of the monthly circular (月度通报) on the demo district: the page, one htmx
page of its overdue list, the print view and the Excel and Word exports.

    DUBAN_VAR_DIR=/tmp/h7-demo uv run python bench/circular_latency.py [--period 2026-11] [--runs 10]

Needs a demo in DUBAN_VAR_DIR (`duban migrate && duban demo`). Prints the month's overdue
count, then the median and p95 server time (Django test client, in process), the query
count and the response size of each URL, as supervisor1 with the rollup fresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

URLS = (
    "/desk/circular/?period={period}",
    "/desk/circular/?period={period}&page=3 (htmx)",
    "/desk/circular/print/?period={period}",
    "/desk/circular/export.xlsx?period={period}",
    "/desk/circular/export.docx?period={period}",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--period", default="")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--user", default="supervisor1")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.core.periods import period_containing
    from duban.metrics.services import refresh_due
    from duban.org.models import User
    from duban.tickets.models import Ticket
    from duban.web.selectors_circular import circular_data

    user = User.objects.get(username=args.user)
    period = args.period or period_containing(timezone.now()).previous.label
    refresh_due(now=timezone.now())
    c = circular_data(user=user, period=period, now=timezone.now())
    print(
        f"database: {connection.vendor}, tickets: {Ticket.objects.count()}, {period}: "
        f"{c.current.dispatched} dispatched, {c.overdue_total} overdue listed "
        f"(rollup counts {c.current.overdue_count})"
    )
    print(f"{'url':50} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'KiB':>7} status")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    for template in URLS:
        url, _, note = template.format(period=period).partition(" ")
        headers = {"HTTP_HX_REQUEST": "true"} if note == "(htmx)" else {}
        client.get(url, **headers)  # warm (templates, calendar)
        times = []
        for _ in range(args.runs):
            refresh_due(now=timezone.now())  # as the minute tick keeps it
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, **headers)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{(url + ' ' + note).strip():50} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{len(queries.captured_queries):7d} {len(response.content) / 1024:7.0f} "
            f"{response.status_code}"
        )


if __name__ == "__main__":
    main()
