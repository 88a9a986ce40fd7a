"""PostgreSQL connections start without parallel workers and without JIT compilation (a
request's index reads only pay their start-up); a big scan asks for workers and memory in
its own transaction and they end with it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from duban.core.db import (
    SCAN_PARALLEL_WORKERS,
    SCAN_RANDOM_PAGE_COST,
    SCAN_WORK_MEM,
    counts_at_once,
    parallel_scan,
)

# Not inside the test's own transaction: SET LOCAL lasts to the end of the outermost one.
pytestmark = pytest.mark.django_db(transaction=True)


def setting(name: str) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SHOW {name}")
        return cur.fetchone()[0]


def workers() -> str:
    return setting("max_parallel_workers_per_gather")


def test_requests_run_without_parallel_workers_and_a_scan_asks_for_them():
    if connection.vendor != "postgresql":
        pytest.skip("parallel workers exist on PostgreSQL only")
    assert workers() == "0"
    with transaction.atomic():
        parallel_scan()
        assert workers() == str(SCAN_PARALLEL_WORKERS)
    assert workers() == "0"


def test_a_scan_sorts_and_hashes_in_more_memory_for_its_transaction_only():
    if connection.vendor != "postgresql":
        pytest.skip("work_mem exists on PostgreSQL only")
    default = setting("work_mem")
    assert default != SCAN_WORK_MEM
    with transaction.atomic():
        parallel_scan()
        assert setting("work_mem") == SCAN_WORK_MEM
    assert setting("work_mem") == default


def test_a_scan_plans_with_ssd_page_costs_for_its_transaction_only():
    """At the server's default (4.0) the rollup hashes every ticket of the table to join a
    month's assignments; the scan's own transaction plans as on SSD storage."""
    if connection.vendor != "postgresql":
        pytest.skip("random_page_cost exists on PostgreSQL only")
    default = setting("random_page_cost")
    with transaction.atomic():
        parallel_scan()
        assert setting("random_page_cost") == SCAN_RANDOM_PAGE_COST
    assert setting("random_page_cost") == default


def test_requests_run_without_jit_compilation():
    if connection.vendor != "postgresql":
        pytest.skip("JIT exists on PostgreSQL only")
    assert setting("jit") == "off"


def test_counts_at_once_gives_each_querysets_own_count_in_one_query():
    from django.contrib.contenttypes.models import ContentType
    from django.test.utils import CaptureQueriesContext

    types = ContentType.objects.all()
    querysets = {
        "all": types,
        "tickets": types.filter(app_label="tickets"),
        "by_list": types.filter(app_label__in=["org", "sla"], model__startswith="u"),
        "none": types.filter(app_label="no-such-app"),
    }
    with CaptureQueriesContext(connection) as queries:
        counts = counts_at_once(querysets)
    assert len(queries) == 1
    assert counts == {key: qs.count() for key, qs in querysets.items()}
    assert counts["all"] > counts["tickets"] > 0 and counts["none"] == 0
    assert counts_at_once({}) == {}
