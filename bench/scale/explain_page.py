"""Where a page's database time goes: each query a page runs, timed, and the slow ones
explained (issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/explain_page.py \
        --user supervisor1 /desk/supervision/ ['/search/?content=路灯' …] [--slower-than 5]

Requests each URL through the Django test client as ``--user`` (the whole middleware and
authorisation path, as ``paths.py`` measures it; one warm-up request first), records its
queries, prints them with their times, and runs ``EXPLAIN (ANALYZE, BUFFERS)`` on every
query slower than ``--slower-than`` ms. Read-only pages only: the queries are run again.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--user", required=True)
    parser.add_argument("--slower-than", type=float, default=5.0, help="ms")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from duban.org.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=args.user))
    for url in args.urls:
        client.get(url)  # warm: the process's caches, the pages' first reads
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        total = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"# {url} as {args.user}: {status}, {len(queries)} queries, {total:.1f} ms")
        for query in queries.captured_queries:
            ms = float(query["time"]) * 1000
            print(f"\n## {ms:.1f} ms\n{query['sql']}")
            if ms < args.slower_than or not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cur.fetchall()))
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
