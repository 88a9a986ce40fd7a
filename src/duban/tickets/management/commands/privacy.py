"""Callers' personal data (PIPL).

- ``duban privacy purge [--years N] [--now ISO]``: the retention rule — erase the personal
  data of callers whose tickets all ended more than N years ago (default
  ``DUBAN_PERSONAL_DATA_YEARS``, 3). Idempotent; the worker runs it daily.
- ``duban privacy genkey [--id K]``: print a fresh ``id:key`` pair for ``DUBAN_DATA_KEY``.
- ``duban privacy rotate``: re-encrypt every caller (and second-factor secret) with the
  first key of ``DUBAN_DATA_KEY`` and recompute the look-up hashes with
  ``DUBAN_LOOKUP_KEY``; run after putting a new key first, then drop the old one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from duban.core import crypto
from duban.org.models import User
from duban.tickets.models import Caller, name_hash
from duban.tickets.services.privacy import personal_data_purge

BATCH = 1000


class Command(BaseCommand):
    help = "Callers' personal data: retention purge, key generation and rotation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="erase personal data past retention")
        purge.add_argument("--years", type=int, default=None)
        purge.add_argument("--now", default="", help="ISO moment (default: now)")
        genkey = sub.add_parser("genkey", help="print a new DUBAN_DATA_KEY pair")
        genkey.add_argument("--id", default="k1", help="key id (letters, digits, - and _)")
        sub.add_parser("rotate", help="re-encrypt and re-hash with the current keys")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_purge(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        years = options["years"]
        if years is not None and years < 1:
            raise CommandError("--years must be at least 1")
        erased = personal_data_purge(now=now, years=years)
        self.stdout.write(f"erased {erased} callers")

    def do_genkey(self, options: dict[str, Any]) -> None:
        self.stdout.write(crypto.generate_key(options["id"]))

    def do_rotate(self, options: dict[str, Any]) -> None:
        fields = ["name", "phone", "id_number", "phone_hash", "name_hash"]
        last, total = 0, 0
        while True:
            with transaction.atomic():
                rows = list(Caller.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
                if not rows:
                    break
                for c in rows:  # read with any known key, written with the first one
                    c.phone_hash, c.name_hash = crypto.phone_hash(c.phone), name_hash(c.name)
                Caller.objects.bulk_update(rows, fields)
            last, total = rows[-1].pk, total + len(rows)
        users = [u for u in User.objects.only("pk", "totp_secret") if u.totp_secret]
        User.objects.bulk_update(users, ["totp_secret"])
        key = crypto.current_key_id()
        self.stdout.write(f"re-encrypted {total} callers and {len(users)} users with key {key}")
