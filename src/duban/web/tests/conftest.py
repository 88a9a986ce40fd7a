"""Helpers for page tests: a signed-in client per persona, tickets in a given state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from duban.org.models import User


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def recent() -> datetime:
    """A moment two hours ago: tickets made then are fresh for the pages (which use real time)."""
    return timezone.now() - timedelta(hours=2)
