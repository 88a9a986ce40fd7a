"""Server time of the 经济运行 pages on the demo district, and of importing the demo's
24-month workbook.

    DUBAN_VAR_DIR=/tmp/ind-var uv run --frozen --no-sync python bench/indicators_pages.py [--runs 20]

Needs a demo in DUBAN_VAR_DIR or DATABASE_URL (`duban migrate && duban demo`). Prints, as
leader1 (the monthly table and report are read by leaders), the p50 and p95 server time
(Django test client, in process; also the process's CPU time, which a loaded machine
does not inflate — SQLite runs in the process too), the query count and the response size of each URL; then
the time to check and to commit the 24-month workbook (22 sheets: 2021年12月 … 2023年1-11月,
12 areas + the city × 8 indicators), in a transaction rolled back after each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

URLS = (
    "/indicators/?period={period}&group=all",
    "/indicators/?period={period}&group=districts",
    "/api/v1/indicators/table?period={period}&group=all",
    "/indicators/report/?period={period}",
    "/indicators/export/table.xlsx?period={period}&group=all",
    "/indicators/area/sfq/",
    "/indicators/indicator/gyzjz/",
)


def pct(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--period", default="2023-11")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--user", default="leader1")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.demo.modules.indicators import DEMO_WORKBOOK
    from duban.indicators.models import Release, Value
    from duban.indicators.services_import import import_check, import_commit
    from duban.org.models import User

    user = User.objects.get(username=args.user)
    print(
        f"database: {connection.vendor}, releases: {Release.objects.count()}, "
        f"values: {Value.objects.count()}"
    )
    print(f"{'url':58} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>7} {'KiB':>7} status")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    for template in URLS:
        url = template.format(period=args.period)
        client.get(url)  # warm
        times, cpu = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
        p50, p95 = pct(times)
        print(
            f"{url:58} {p50:8.1f} {p95:8.1f} {pct(cpu)[0]:8.1f} {len(queries.captured_queries):7d} "
            f"{len(response.content) / 1024:7.0f} {response.status_code}"
        )

    stats = User.objects.get(username="stats1")
    district = stats.district_pk
    data = DEMO_WORKBOOK.read_bytes()
    checks, commits = [], []
    for _ in range(args.import_runs):
        with transaction.atomic():
            Release.objects.filter(district_id=district).delete()  # as on a fresh install
            started = time.perf_counter()
            report = import_check(district=district, data=data, filename=DEMO_WORKBOOK.name)
            checks.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            import_commit(
                district=district,
                data=data,
                filename=DEMO_WORKBOOK.name,
                actor=stats,
                now=timezone.now(),
            )
            commits.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    print(
        f"24-month workbook ({len(data) / 1024:.0f} KiB, {len(report.months)} sheets, "
        f"{report.cell_count} values): check p50 {pct(checks)[0]:.0f} ms, "
        f"check + commit p50 {pct(commits)[0]:.0f} ms (p95 {pct(commits)[1]:.0f} ms)"
    )


if __name__ == "__main__":
    main()
