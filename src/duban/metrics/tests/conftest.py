"""Units and tickets for the metrics tests, built directly (no state machine)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from duban.core.periods import PERIOD_TZ
from duban.metrics.models import MetricSettings
from duban.org.models import Unit, UnitKind
from duban.org.services import unit_create
from duban.tickets.choices import AppealType, Channel, State
from duban.tickets.models import Ticket

# A fixed "now" in mid-April 2025; March 2025 is the usual period under test.
NOW = datetime(2025, 4, 15, 12, 0, tzinfo=PERIOD_TZ)
MARCH = datetime(2025, 3, 10, 9, 0, tzinfo=PERIOD_TZ)
FEBRUARY = datetime(2025, 2, 10, 9, 0, tzinfo=PERIOD_TZ)

_numbers = itertools.count(1)


@pytest.fixture
def district(db: None) -> Unit:
    return unit_create(code="district", name="示范区", kind=UnitKind.DISTRICT)


@pytest.fixture
def make_unit(district: Unit) -> Callable[..., Unit]:
    def make(code: str, kind: str = UnitKind.STREET, name: str | None = None) -> Unit:
        return unit_create(code=code, name=name or code, kind=kind, parent=district)

    return make


def _any_district_pk() -> int:
    return Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True)[0]


def ticket_fields(unit: Unit | None, dispatched_at: datetime, **fields: Any) -> dict[str, Any]:
    """Field values of a ticket dispatched at ``dispatched_at`` with generous deadlines."""
    base: dict[str, Any] = {
        "number": f"T{next(_numbers):09d}",
        "appeal_type": AppealType.HELP,
        "channel": Channel.PHONE,
        "title": "路灯不亮",
        "content": "小区门口路灯不亮",
        "state": State.DISPATCHED,
        "primary_unit": unit,
        "handling_unit": unit,
        "district_id": unit.district_pk if unit is not None else _any_district_pk(),
        "created_at": dispatched_at - timedelta(minutes=10),
        "dispatched_at": dispatched_at,
        "accept_due": dispatched_at + timedelta(hours=2),
        "contact_due": dispatched_at + timedelta(hours=24),
        "handle_due": dispatched_at + timedelta(days=5),
    }
    base.update(fields)
    return base


@pytest.fixture
def make_ticket(db: None) -> Callable[..., Ticket]:
    def make(unit: Unit | None, dispatched_at: datetime = MARCH, **fields: Any) -> Ticket:
        return Ticket.objects.create(**ticket_fields(unit, dispatched_at, **fields))

    return make


def done(dispatched_at: datetime = MARCH, **fields: Any) -> dict[str, Any]:
    """Fields of a ticket accepted, contacted and replied in time, then closed."""
    base: dict[str, Any] = {
        "state": State.CLOSED,
        "accepted_at": dispatched_at + timedelta(hours=1),
        "first_contact_at": dispatched_at + timedelta(hours=3),
        "replied_at": dispatched_at + timedelta(hours=48),
        "rated_at": dispatched_at + timedelta(days=3),
        "closed_at": dispatched_at + timedelta(days=3),
        "resolved": True,
        "satisfaction": "satisfied",
    }
    base.update(fields)
    return base


@pytest.fixture
def metric_settings(db: None) -> MetricSettings:
    ms = MetricSettings.objects.order_by("pk").first() or MetricSettings.objects.create()
    ms.response_weight = Decimal("0.30")
    ms.resolution_weight = Decimal("0.35")
    ms.satisfaction_weight = Decimal("0.35")
    ms.basic_satisfied_weight = Decimal("1.00")
    ms.min_volume = 1
    ms.top_n = 3
    ms.save()
    return ms
