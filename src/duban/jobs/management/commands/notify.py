"""`duban notify send`: send the SMS outbox's due messages (queued, failed, abandoned).

Run every minute beside `duban sla tick` (cron or a systemd timer). Each message goes to
the gateway once, whichever sender claims it first (docs/notifications.md); a failed one
is retried with a growing pause, up to a fixed number of attempts.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from duban.jobs.clock import add_now_option, now_from
from duban.notifications.selectors import sms_outbox_counts
from duban.notifications.services import sms_send


class Command(BaseCommand):
    help = "Notifications. `send` sends the SMS outbox's due messages (run it every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send queued and failed SMS, each exactly once")
        add_now_option(send)

    def handle(self, *args: object, **options: object) -> None:
        now = now_from(options)
        result = sms_send(now=now)
        counts = sms_outbox_counts()
        self.stdout.write(
            f"{now.isoformat()} 短信发送 {result.sent} 条，失败 {result.failed} 条 / "
            f"SMS sent {result.sent}, failed {result.failed}; "
            f"outbox: queued {counts['queued']}, failed {counts['failed']}, "
            f"sending {counts['sending']}, sent {counts['sent']}"
        )
        for error in result.errors:
            self.stderr.write(error)
