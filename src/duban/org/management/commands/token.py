"""`duban token create --user NAME [--name LABEL]`: issue an API bearer token.

The secret is printed once; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import NotFound
from duban.org.selectors import user_by_username
from duban.org.services import token_create


class Command(BaseCommand):
    help = "Manage API tokens (create prints the secret once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user and print it")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="", help="label, e.g. the integration's name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_by_username(options["user"])
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        if not user.is_active:
            raise CommandError(f"用户已停用 / user is inactive: {user.username}")
        _, secret = token_create(user=user, now=timezone.now(), name=options["name"])
        self.stdout.write(secret)
