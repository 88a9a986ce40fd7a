"""Backups of the database and the uploaded files, and their restore (docs/deploy.md).

A backup is one directory ``<BACKUP_DIR>/duban-<YYYYmmddTHHMMSS>/``:

- ``database.dump``: ``pg_dump --format=custom`` of PostgreSQL (a consistent snapshot taken
  while the site runs; compressed; ``pg_restore`` can restore it into any empty database of
  the same or a newer PostgreSQL), or ``database.sqlite3``: SQLite's online backup API (a
  consistent copy while the site writes);
- ``media.tar.gz``: the uploaded files (attachments) under ``MEDIA_ROOT``;
- ``manifest.json``: when, which database engine, and how many tickets, events and
  attachments it holds — the restore checks these counts.

It is written into a ``.partial`` directory and renamed when complete, so a backup that
exists is whole. ``backup_prune`` keeps the newest ``BACKUP_KEEP``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

PREFIX = "duban-"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    manifest: dict[str, Any]


def backup_dir() -> Path:
    return Path(settings.DUBAN["BACKUP_DIR"])


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments and environment (the password never on a command line)."""
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _counts(alias: str = "default") -> dict[str, int]:
    """Rows of the tables a restore must bring back whole."""
    from duban.tickets.models import Attachment, Ticket, TicketEvent

    return {
        "tickets": Ticket.objects.using(alias).count(),
        "events": TicketEvent.objects.using(alias).count(),
        "attachments": Attachment.objects.using(alias).count(),
    }


def restored_counts(database: dict[str, Any]) -> dict[str, int]:
    """The same counts, read from a restored database over a connection of its own."""
    from duban.tickets.models import Attachment, Ticket, TicketEvent

    tables = {
        "tickets": Ticket._meta.db_table,
        "events": TicketEvent._meta.db_table,
        "attachments": Attachment._meta.db_table,
    }
    if "postgresql" in str(database["ENGINE"]):
        import psycopg

        conn: Any = psycopg.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname=database["NAME"],
        )
    else:
        conn = sqlite3.connect(str(database["NAME"]))
    try:
        return {
            name: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for name, table in tables.items()
        }
    finally:
        conn.close()


def backup_create(*, now: datetime, target: Path | None = None) -> Backup:
    """Write a backup of the ``default`` database and ``MEDIA_ROOT`` under ``target``."""
    target = Path(target or backup_dir())
    target.mkdir(parents=True, exist_ok=True)
    name = PREFIX + now.astimezone().strftime("%Y%m%dT%H%M%S")
    final = target / name
    partial = target / (name + ".partial")
    if final.exists():
        raise BackupError(f"backup already exists: {final}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    db = settings.DATABASES["default"]
    vendor = connections["default"].vendor
    counts = _counts()
    if vendor == "postgresql":
        args, env = _pg_env(db)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(partial / "database.dump"),
                str(db["NAME"]),
            ],
            env,
        )
    elif vendor == "sqlite":
        # Through Django's own connection: the same file (or in-memory test database).
        connection = connections["default"]
        if connection.in_atomic_block:
            # The backup would wait for this very transaction to end, for ever.
            raise BackupError("a SQLite backup cannot run inside a transaction")
        connection.ensure_connection()
        dest = sqlite3.connect(str(partial / "database.sqlite3"))
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
    else:  # pragma: no cover - duban runs on PostgreSQL or SQLite only
        raise BackupError(f"unsupported database: {vendor}")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(partial / "media.tar.gz", "w:gz") as tar:
        if media.is_dir():
            tar.add(media, arcname="media")
    manifest = {
        "created_at": now.isoformat(),
        "database": vendor,
        "counts": counts,
        "format": 1,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    partial.rename(final)
    size = sum(p.stat().st_size for p in final.iterdir())
    return Backup(path=final, size=size, manifest=manifest)


def backups_list(target: Path | None = None) -> list[Path]:
    """Complete backups, newest first."""
    target = Path(target or backup_dir())
    if not target.is_dir():
        return []
    found = [p for p in target.iterdir() if p.is_dir() and p.name.startswith(PREFIX)]
    return sorted(
        (p for p in found if not p.name.endswith(".partial")), key=lambda p: p.name, reverse=True
    )


def backup_prune(*, keep: int | None = None, target: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups (and left-over partial ones)."""
    keep = int(settings.DUBAN["BACKUP_KEEP"] if keep is None else keep)
    target = Path(target or backup_dir())
    removed = backups_list(target)[max(keep, 1) :]
    if target.is_dir():
        removed += [p for p in target.iterdir() if p.name.endswith(".partial")]
    for path in removed:
        shutil.rmtree(path)
    return removed


def backup_restore(path: Path, *, database: dict[str, Any], media_root: Path) -> dict[str, Any]:
    """Restore ``path`` into ``database`` (a settings.DATABASES entry: an empty or existing
    database of the same engine; existing objects are replaced) and ``media_root``."""
    path = Path(path)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    engine = str(database["ENGINE"])
    if manifest["database"] == "postgresql":
        if "postgresql" not in engine:
            raise BackupError("a PostgreSQL backup restores into PostgreSQL only")
        args, env = _pg_env(database)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                "--dbname",
                str(database["NAME"]),
                str(path / "database.dump"),
            ],
            env,
        )
    else:
        if "sqlite" not in engine:
            raise BackupError("a SQLite backup restores into SQLite only")
        source = sqlite3.connect(str(path / "database.sqlite3"))
        dest = sqlite3.connect(str(database["NAME"]))
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path / "media.tar.gz", "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")]
        for member in members:
            member.name = member.name[len("media/") :] if member.name != "media" else "."
        tar.extractall(media_root, members=members, filter="data")
    return manifest
