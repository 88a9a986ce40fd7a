"""Fixtures of the notification tests: an in-memory SMS gateway and staff phone numbers."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from duban.notifications.gateways import MemoryBackend


@pytest.fixture
def sms_outbox(settings) -> Iterator[list[tuple[str, str]]]:
    """Messages handed to the gateway, as (phone, text)."""
    settings.DUBAN_SMS_BACKEND = "duban.notifications.gateways.MemoryBackend"
    MemoryBackend.outbox = []
    yield MemoryBackend.outbox
    MemoryBackend.outbox = []


@pytest.fixture
def phones(p: SimpleNamespace) -> SimpleNamespace:
    """滨湖's handler and head share the street's duty phone; 湖滨路's handler has their own."""
    for user, phone in (
        (p.street_handler, "13800000001"),
        (p.street_head, "13800000001"),
        (p.other_street_handler, "13900000002"),
    ):
        user.phone = phone
        user.save(update_fields=["phone"])
    return SimpleNamespace(binhu="13800000001", hubin="13900000002")
