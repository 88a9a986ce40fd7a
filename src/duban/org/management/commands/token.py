"""API bearer tokens.

- ``duban token create --user NAME [--name LABEL] [--days N]``: issue a token valid for N
  days (default ``DUBAN_API_TOKEN_DAYS``); the secret is printed once, only its SHA-256
  digest is stored.
- ``duban token list [--user NAME]``: prefix, user, label, expiry and state of each token.
- ``duban token revoke PREFIX``: revoke at once (the API then answers 401 ``token_revoked``;
  an expired token answers 401 ``token_expired``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import DomainError, NotFound
from duban.org.models import ApiToken
from duban.org.selectors import user_by_username
from duban.org.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Manage API tokens (create prints the secret once; list; revoke)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user and print it")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="", help="label, e.g. the integration's name")
        create.add_argument("--days", type=int, default=None, help="validity in days")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("--user", default="", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the token's first 12 characters (dbn_…)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_create(self, options: dict[str, Any]) -> None:
        try:
            user = user_by_username(options["user"])
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        if not user.is_active:
            raise CommandError(f"用户已停用 / user is inactive: {user.username}")
        try:
            _, secret = token_create(
                user=user, now=timezone.now(), name=options["name"], days=options["days"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(secret)

    def do_list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        now = timezone.now()
        for t in tokens:
            state = (
                "revoked"
                if t.revoked_at
                else "expired"
                if t.expires_at and t.expires_at <= now
                else "active"
            )
            expires = t.expires_at.isoformat(timespec="minutes") if t.expires_at else "never"
            self.stdout.write(f"{t.prefix}\t{t.user.username}\t{t.name}\t{expires}\t{state}")

    def do_revoke(self, options: dict[str, Any]) -> None:
        matches = list(ApiToken.objects.filter(prefix=options["prefix"]))
        if len(matches) != 1:
            raise CommandError(
                f"找不到唯一的令牌 / no unique token with prefix {options['prefix']}"
            )
        token = token_revoke(token=matches[0], actor=None, now=timezone.now())
        self.stdout.write(f"revoked {token.prefix} at {token.revoked_at:%Y-%m-%d %H:%M}")
