"""`duban notify send`: send the SMS outbox's due messages (queued, failed, abandoned).

The worker runs the same job every minute (``duban.jobs.tasks.notify_send``). Each message
goes to the gateway once, whichever sender claims it first (docs/notifications.md); a failed
one is retried with a growing pause, up to a fixed number of attempts.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from duban.jobs.clock import add_now_option, now_from
from duban.jobs.tasks import notify_send


class Command(BaseCommand):
    help = "Notifications. `send` sends the SMS outbox's due messages (the worker runs it every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send queued and failed SMS, each exactly once")
        add_now_option(send)

    def handle(self, *args: object, **options: object) -> None:
        lines = notify_send(now_from(options)).splitlines()
        if lines:
            self.stdout.write(lines[0])
        for error in lines[1:]:
            self.stderr.write(error)
