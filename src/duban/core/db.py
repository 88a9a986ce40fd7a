"""Database helpers shared by the apps."""

from __future__ import annotations

from django.db import connections

#: Parallel workers a big scan may use (the rollup rebuild reads a month of tickets).
SCAN_PARALLEL_WORKERS = 2
#: Memory each sort or hash of a big scan may use. A month's tickets grouped by unit and
#: category spill to disk at PostgreSQL's default 4 MB (a sort on disk instead of a hash of
#: a few thousand groups: 456 → 309 ms for a month of 73,000 tickets, docs/scale.md).
SCAN_WORK_MEM = "64MB"
#: The planner's cost of a random page read in a big scan, as on SSD storage (PostgreSQL's
#: default, 4.0, is a spinning disk's). At 4.0 the rebuild joins a month's assignments to
#: their tickets by hashing every ticket of the table, a scan that grows with the years
#: kept; at 1.1 it reads the month's tickets by key (docs/scale.md). A server already set
#: so (docs/deploy.md) is unchanged by it.
SCAN_RANDOM_PAGE_COST = "1.1"


def parallel_scan(using: str = "default") -> None:
    """Let the current transaction's queries use PostgreSQL's parallel workers,
    ``SCAN_WORK_MEM`` for their sorts and hashes, and plan with ``SCAN_RANDOM_PAGE_COST``.

    Connections start without workers (settings: a request's index reads only pay their
    start-up); a scan of a month of tickets halves with them (docs/scale.md). ``SET LOCAL``
    ends with the outermost transaction. Nothing to do on SQLite.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        # set_config(…, true) is SET LOCAL; both in one statement.
        cur.execute(
            "SELECT set_config('max_parallel_workers_per_gather', %s, true), "
            "set_config('work_mem', %s, true), set_config('random_page_cost', %s, true)",
            [str(int(SCAN_PARALLEL_WORKERS)), SCAN_WORK_MEM, SCAN_RANDOM_PAGE_COST],
        )
