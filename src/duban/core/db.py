"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value

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


def counts_at_once(
    querysets: Mapping[str, QuerySet[Any]], using: str = "default"
) -> dict[str, int]:
    """The row count of each queryset, in one round trip: ``SELECT (SELECT COUNT(*) FROM
    (q1)), (SELECT COUNT(*) FROM (q2)), …``.

    Each count is planned on its own, so each reads its own index range; the ``FILTER``
    clauses of one aggregate would all share one scan of the rows that any of them may
    need (a district's desk read all its open tickets to count five small tabs:
    docs/scale.md). PostgreSQL pulls the subqueries up, so a count over an index's
    columns stays an index-only scan.
    """
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets.values():
        sql, qs_params = qs.order_by().values(one=Value(1)).query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(qs_params)
    if not parts:
        return {}
    with connections[using].cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        row = cur.fetchone()
    return {key: int(n) for key, n in zip(querysets, row, strict=True)}
