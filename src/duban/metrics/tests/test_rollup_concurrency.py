"""Two processes refreshing the same month at once leave one set of rows (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from duban.core.periods import parse_period
from duban.metrics.models import MonthlyRollup, RollupPeriod
from duban.metrics.services import refresh_periods

from .conftest import MARCH, NOW, done

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_refreshes_do_not_duplicate_rows(make_unit, make_ticket):
    a, b = make_unit("a"), make_unit("b")
    for unit in (a, b, b):
        make_ticket(unit, MARCH, **done())
    march = parse_period("2025-03")
    barrier = threading.Barrier(4)
    outcomes: list[list[str]] = []

    def refresh(offset: int) -> None:
        try:
            barrier.wait()
            outcomes.append(
                refresh_periods([march], now=NOW + timedelta(seconds=offset), force=False)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(outcomes) == 4
    # The first to take the month's lock rebuilt it; the others found it fresh.
    assert sorted(len(o) for o in outcomes) == [0, 0, 0, 1]
    rows = MonthlyRollup.objects.filter(period="2025-03")
    assert sorted(r.dispatched for r in rows) == [1, 2]
    assert RollupPeriod.objects.get(period="2025-03").rows == 2
