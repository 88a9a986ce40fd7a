"""Database helpers shared by the apps."""

from __future__ import annotations

from django.db import connections

#: Parallel workers a big scan may use (the rollup rebuild reads a month of tickets).
SCAN_PARALLEL_WORKERS = 2


def parallel_scan(using: str = "default") -> None:
    """Let the current transaction's queries use PostgreSQL's parallel workers.

    Connections start without them (settings: a request's index reads only pay their
    start-up); a scan of a month of tickets halves with them (docs/scale.md). ``SET LOCAL``
    ends with the outermost transaction. Nothing to do on SQLite.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(f"SET LOCAL max_parallel_workers_per_gather = {int(SCAN_PARALLEL_WORKERS)}")
