"""`duban backup [--dir DIR] [--keep N]`: back up the database and the uploaded files.

PostgreSQL: ``pg_dump --format=custom``; SQLite: the online backup API; plus a tar of
``MEDIA_ROOT`` and a manifest (docs/deploy.md). The worker runs it nightly and keeps the
newest ``DUBAN_BACKUP_KEEP``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.jobs.backup import BackupError, backup_create, backup_prune


class Command(BaseCommand):
    help = "Back up the database and uploaded files (pg_dump or SQLite's backup API + tar)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", help="where to write (default DUBAN_BACKUP_DIR, var/backups)")
        parser.add_argument(
            "--keep", type=int, help="then keep only the newest N backups (default: keep all)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["dir"]) if options["dir"] else None
        try:
            made = backup_create(now=timezone.now(), target=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = made.manifest["counts"]
        self.stdout.write(
            f"备份完成 / backup written: {made.path} ({made.size} bytes; "
            f"tickets {counts['tickets']}, events {counts['events']}, "
            f"attachments {counts['attachments']})"
        )
        if options["keep"] is not None:
            for path in backup_prune(keep=options["keep"], target=target):
                self.stdout.write(f"删除旧备份 / removed: {path}")
