"""A phone that retries while its first submission is still being written: the assignment's
row lock makes the retry wait and then replay the first check, never a second one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from duban.core.errors import DomainError
from duban.inspections import services as s
from duban.inspections.models import Assignment, Finding, SiteCheck

from .conftest import photo

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_submissions_with_one_token_make_one_check(insp) -> None:
    barrier = threading.Barrier(2)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome: object = s.check_submit(
                actor=insp.inspector,
                now=insp.later(0),
                assignment=Assignment.objects.get(pk=insp.a_road.pk),
                client_token="tok-race-0001",
                results=[s.StandardResult(insp.std["S2"].pk, "fail", "小广告", photos=[photo()])],
            )
        except DomainError as exc:
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.replayed for r in results) == [False, True]  # type: ignore[union-attr]
    assert SiteCheck.objects.count() == 1 and Finding.objects.count() == 1
