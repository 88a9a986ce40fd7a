"""Helpers for API tests: bearer-token and session clients, and a recent ``now``.

The API stamps actions with ``timezone.now()``; tickets the tests prepare through
the factories should start at :func:`recent` (an hour ago: inside the return window
and before any action the test then takes through the API).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from duban.org.models import User
from duban.org.services import token_create
from duban.tickets.models import Ticket, TicketEvent


class ApiClient:
    """A ``django.test.Client`` for ``/api/v1`` that sends JSON bodies."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=headers)

    def post(self, path: str, body: Any = None, *, raw: str | None = None, **headers: str) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=headers
        )


def client_for(user: User | None, secret: str | None = None) -> ApiClient:
    """A client with a fresh bearer token of ``user`` (or the given secret, or none)."""
    if user is not None and secret is None:
        _, secret = token_create(user=user, now=timezone.now())
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return ApiClient(Client(headers=headers))


def session_client_for(user: User, *, enforce_csrf: bool = False) -> ApiClient:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return ApiClient(client)


def recent() -> datetime:
    return timezone.now() - timedelta(hours=1)


def counts() -> tuple[int, int]:
    """(tickets, events): compare before and after a refused request."""
    return Ticket.objects.count(), TicketEvent.objects.count()


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Personas get passwords; a cheap hasher keeps each test from spending seconds on PBKDF2.

    Import it into a test module (``from duban.testing.api import fast_passwords``).
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
