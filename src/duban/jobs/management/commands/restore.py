"""`duban restore BACKUP [--database-url URL] [--media-dir DIR] --yes`: restore a backup
made by `duban backup` into the configured database (or another one) and media folder.

Stop the server and the worker first (docs/deploy.md): the restore replaces the tables.
It then counts the tickets, events and attachments and compares them with the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from duban.jobs.backup import BackupError, backup_restore, restored_counts


class Command(BaseCommand):
    help = "Restore a backup (directory made by `duban backup`) into a database and MEDIA_ROOT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="the backup directory, e.g. var/backups/duban-…")
        parser.add_argument("--database-url", help="restore into this database instead")
        parser.add_argument("--media-dir", help="restore the uploaded files here instead")
        parser.add_argument("--yes", action="store_true", help="replace the data without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["backup"])
        if not (path / "manifest.json").is_file():
            raise CommandError(f"不是备份目录 / not a backup directory: {path}")
        if options["database_url"]:
            database = dj_database_url.parse(options["database_url"])
        else:
            database = dict(settings.DATABASES["default"])
        media = Path(options["media_dir"] or settings.MEDIA_ROOT)
        if not options["yes"]:
            raise CommandError(
                f"将覆盖数据库 {database['NAME']} 与 {media}；确认请加 --yes / "
                "this replaces the database and the media folder: add --yes"
            )
        connections.close_all()
        try:
            manifest = backup_restore(path, database=database, media_root=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"已恢复 / restored {path} ({manifest['created_at']}): tickets {counts['tickets']}, "
            f"events {counts['events']}, attachments {counts['attachments']}"
        )
        self._verify(database, counts)

    def _verify(self, database: dict[str, Any], expected: dict[str, int]) -> None:
        found = restored_counts(database)
        if found != expected:
            raise CommandError(
                f"恢复后数量不符 / counts differ: expected {expected}, found {found}"
            )
        self.stdout.write("核对无误 / counts match the manifest")
