"""Personal data at rest: an encrypted model field and a keyed hash for look-ups.

The API is three names:

- ``EncryptedTextField``: a ``TextField`` whose value is AES-256-GCM encrypted in the
  database and plain text in Python. ``""`` stays ``""`` (a blank field is not a secret),
  so ``blank=True`` works as usual. Ciphertext is randomised, so the column cannot be
  searched: every lookup except ``isnull`` raises ``FieldError``. Search through a hash
  column instead (below). A value that is not ciphertext (a row written before the field
  was encrypted) reads back as it is, so a data migration can convert rows in place.
- ``lookup_hash(value, purpose=...)``: HMAC-SHA256 hex digest of a normalised value,
  keyed with a separate key, for an indexed equality column (``phone_hash``). The
  ``purpose`` separates hashes of different kinds of data.
  ``phone_hash(phone)`` is ``lookup_hash`` of the phone's digits (``""`` for no phone).
- ``encrypt(text)`` / ``decrypt(token)`` for code that stores ciphertext by hand.

Keys come from the environment (read in settings, end of ``settings.py``):

- ``DUBAN_DATA_KEY``: comma-separated ``id:key`` pairs, each key 32 bytes in url-safe
  base64 (``duban privacy genkey`` prints one). The first pair encrypts; every pair
  decrypts, so a key is rotated by putting a new pair first, running
  ``duban privacy rotate`` (re-encrypts every row with the first key) and then dropping
  the old pair. Each token names its key id: ``enc1:<id>:<base64 nonce+ciphertext>``.
- ``DUBAN_LOOKUP_KEY``: the HMAC key (any long random string). Changing it requires
  recomputing the hash columns (``duban privacy rotate`` does that too).

Without them in the environment, settings make random ones on the first start and keep
them in ``var/data-key`` and ``var/lookup-key`` (a single-machine install), and refuse to
start in production (``DUBAN_HTTPS=1``). Should a setting still be empty, a fixed
development key is used only under ``DEBUG`` or tests; otherwise the first use raises
``ImproperlyConfigured``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import sys
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"
_DEV_DATA_KEY = "dev:" + base64.urlsafe_b64encode(b"duban-development-only-data-key!").decode()
_DEV_LOOKUP_KEY = "duban-development-only-lookup-key"


def _development() -> bool:
    return bool(settings.DEBUG or "pytest" in sys.modules)


def _setting(name: str, dev_default: str) -> str:
    value = getattr(settings, name, "") or ""
    if value:
        return str(value)
    if _development():
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set (see duban.core.crypto)")


@lru_cache(maxsize=8)
def _parse_keys(raw: str) -> tuple[str, dict[str, AESGCM]]:
    keys: dict[str, AESGCM] = {}
    first = ""
    for pair in raw.split(","):
        pair = pair.strip()
        if not pair:
            continue
        kid, sep, b64 = pair.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", kid):
            raise ImproperlyConfigured("DUBAN_DATA_KEY: expected id:base64key[,id:base64key]")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(key) != 32:
            raise ImproperlyConfigured(f"DUBAN_DATA_KEY: key {kid!r} must be 32 bytes")
        keys[kid] = AESGCM(key)
        first = first or kid
    if not keys:
        raise ImproperlyConfigured("DUBAN_DATA_KEY holds no key")
    return first, keys


def _keys() -> tuple[str, dict[str, AESGCM]]:
    return _parse_keys(_setting("DUBAN_DATA_KEY", _DEV_DATA_KEY))


def current_key_id() -> str:
    return _keys()[0]


def generate_key(key_id: str = "k1") -> str:
    """A fresh ``id:key`` pair for ``DUBAN_DATA_KEY``."""
    return f"{key_id}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def encrypt(text: str) -> str:
    """``text`` encrypted with the current key (``""`` stays ``""``)."""
    if not text:
        return ""
    kid, keys = _keys()
    nonce = os.urandom(12)
    sealed = keys[kid].encrypt(nonce, text.encode(), kid.encode())
    return f"{PREFIX}{kid}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    """The key id a token was sealed with (``""`` for plain text)."""
    return value[len(PREFIX) :].partition(":")[0] if is_encrypted(value) else ""


def decrypt(token: str) -> str:
    """The plain text of ``token``; a value that is not a token is returned as it is."""
    if not token or not is_encrypted(token):
        return token
    kid, _, b64 = token[len(PREFIX) :].partition(":")
    keys = _keys()[1]
    if kid not in keys:
        raise ImproperlyConfigured(f"DUBAN_DATA_KEY lacks key {kid!r} needed to decrypt")
    raw = base64.urlsafe_b64decode(b64)
    return keys[kid].decrypt(raw[:12], raw[12:], kid.encode()).decode()


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed hash (hex) of ``value`` for an equality look-up column; ``""`` for ``""``."""
    if not value:
        return ""
    key = _setting("DUBAN_LOOKUP_KEY", _DEV_LOOKUP_KEY).encode()
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def phone_hash(phone: str) -> str:
    """The look-up hash of a phone number (digits only; ``""`` for no phone)."""
    return lookup_hash(normalise_phone(phone), purpose="phone")


class EncryptedTextField(models.TextField):
    """A text column encrypted at rest (see the module docstring)."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if isinstance(value, str) and not is_encrypted(value):
            return encrypt(value)
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted: search it through its hash column, "
                f"not with __{lookup_name}"
            )
        return super().get_lookup(lookup_name)


@checks.register(checks.Tags.security, deploy=True)
def check_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``duban check --deploy``: the personal-data keys are set and well formed."""
    errors: list[checks.CheckMessage] = []
    for name in ("DUBAN_DATA_KEY", "DUBAN_LOOKUP_KEY"):
        if not getattr(settings, name, ""):
            errors.append(
                checks.Error(
                    f"{name} is not set (personal data keys)",
                    id="duban.E101" if name == "DUBAN_DATA_KEY" else "duban.E102",
                )
            )
    if getattr(settings, "DUBAN_DATA_KEY", ""):
        try:
            _parse_keys(settings.DUBAN_DATA_KEY)
        except (ImproperlyConfigured, ValueError) as exc:
            errors.append(checks.Error(str(exc), id="duban.E103"))
    return errors
