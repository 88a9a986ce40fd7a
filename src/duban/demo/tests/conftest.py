"""The demo tests' district: one small build per test module (1 500 tickets, two months).

The build is the engine's simulation only (``--no-modules``): each module's demo content is
built and checked by its own app's tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from duban.demo.simulate import TZ

SIZE = {"tickets": 1500, "months": 2, "seed": 7, "end": date(2025, 6, 1)}
END = datetime(2025, 6, 1, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Build once for the module inside a transaction that is rolled back afterwards."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        call_command("demo", no_progress=True, no_modules=True, **SIZE)
        yield
        transaction.set_rollback(True)
