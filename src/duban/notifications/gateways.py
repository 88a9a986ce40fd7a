"""SMS gateways: the backend a message is handed to, chosen by ``DUBAN_SMS_BACKEND``.

A backend is any class with ``send(phone, text)`` that returns once the gateway has
accepted the message and raises (any exception; :class:`SmsError` by convention) when it
has not. The outbox (``SmsMessage``) records the attempt either way and retries failures;
a backend never retries by itself. ``docs/notifications.md`` shows how to plug in a real
gateway.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "duban.notifications.gateways.FileBackend"


class SmsError(Exception):
    """The gateway did not accept the message (the message says why)."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class FileBackend:
    """Development: append each message as a JSON line to ``var/sms-outbox.log``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(settings.VAR_DIR) / "sms-outbox.log"

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False
        )
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class MemoryBackend:
    """Tests and demos: keep the messages in ``MemoryBackend.outbox`` (like Django's locmem
    e-mail backend)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def get_backend() -> SmsBackend:
    path = getattr(settings, "DUBAN_SMS_BACKEND", "") or DEFAULT_BACKEND
    backend: SmsBackend = import_string(path)()
    return backend
