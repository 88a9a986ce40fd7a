"""Dashboard latency: server time of the metrics pages on a demo district.

Builds (once, when empty) a demo database with ``duban demo``, signs in as the demo
leader with the Django test client and times each page over ``--runs`` requests
(after one warm-up request; the hot-spot panel is also timed cold):

- /metrics/ (the dashboard: KPIs, trend, units, categories, heat by place);
- /metrics/hotspots/ (the hot-spot fragment, cold = cache cleared, warm = cached);
- /metrics/rankings/ and /metrics/report/ (warm hot-spot cache).

    DUBAN_VAR_DIR=/tmp/dash3000 uv run python bench/dashboard_latency.py \\
        [--tickets 3000] [--months 3] [--runs 20]

Uses DUBAN_VAR_DIR (default /tmp/duban-bench-dash) so it never touches var/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-bench-dash")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    os.makedirs(os.environ["DUBAN_VAR_DIR"], exist_ok=True)
    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.core.periods import period_containing
    from duban.org.models import User
    from duban.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if not Ticket.objects.exists():
        call_command("demo", tickets=args.tickets, months=args.months)
    month = period_containing(timezone.now()).previous.label
    dispatched = Ticket.objects.filter(dispatched_at__isnull=False).count()
    print(f"{Ticket.objects.count()} tickets ({dispatched} dispatched); month {month}")

    client = Client()
    client.force_login(User.objects.get(username="leader1"))

    def timed(url: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(queries)

    pages = {
        "dashboard": f"/metrics/?period={month}",
        "hotspots (warm)": f"/metrics/hotspots/?period={month}",
        "rankings": f"/metrics/rankings/?period={month}",
        "report (warm)": f"/metrics/report/?period={month}",
    }
    cache.clear()
    timed(f"/metrics/hotspots/?period={month}")  # imports the text models once
    cache.clear()
    cold, _ = timed(f"/metrics/hotspots/?period={month}")
    print(f"{'hotspots (cold)':18} {_ms(cold)}  (clustering this month and the previous one)")
    for name, url in pages.items():
        timed(url)
        runs = [timed(url) for _ in range(args.runs)]
        times = sorted(t for t, _ in runs)
        print(
            f"{name:18} median {_ms(statistics.median(times))}  "
            f"p90 {_ms(times[int(0.9 * (len(times) - 1))])}  queries {runs[-1][1]}"
        )


if __name__ == "__main__":
    main()
