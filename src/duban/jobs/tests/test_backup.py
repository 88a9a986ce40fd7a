"""`duban backup` and `duban restore`: a backup restored into a fresh database holds every
ticket, event and attachment, and the attachments' files come back with it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from duban.jobs.backup import backup_create, backup_prune, backups_list
from duban.testing import factories as f
from duban.tickets.models import Attachment, Ticket, TicketEvent
from duban.tickets.services import ticket_attach

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def tickets_with_attachments(p, now):
    made = [f.accepted(p=p, now=now - timedelta(hours=h)) for h in range(1, 4)]
    made.append(f.closed(p=p, now=now - timedelta(days=3)))
    for i, ticket in enumerate(made[:3]):
        ticket_attach(
            ticket=ticket,
            actor=p.street_handler,
            now=now,
            upload=SimpleUploadedFile(f"现场{i}.png", PNG + bytes([i]), content_type="image/png"),
        )
    return made


def _admin_conn():
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def fresh_database():
    """An empty PostgreSQL database (dropped afterwards) and its URL."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with _admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    url = f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    yield name, url
    with _admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_ticket_event_and_attachment(p, tmp_path, fresh_database):
    now = timezone.now()
    tickets_with_attachments(p, now)
    expected = {
        "tickets": set(Ticket.objects.values_list("number", flat=True)),
        "events": set(TicketEvent.objects.values_list("ticket__number", "seq", "type")),
        "attachments": {
            (a.ticket.number, a.name, a.file.name, a.file.read())
            for a in Attachment.objects.select_related("ticket")
        },
    }
    assert len(expected["attachments"]) == 3

    out = StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    assert "attachments 3" in out.getvalue()
    (made,) = backups_list(tmp_path / "backups")
    assert {p.name for p in made.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}

    name, url = fresh_database
    media = tmp_path / "restored-media"
    out = StringIO()
    call_command(
        "restore", str(made), "--database-url", url, "--media-dir", str(media), "--yes", stdout=out
    )
    assert "counts match" in out.getvalue()

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=name,
    ) as conn:
        tickets = {r[0] for r in conn.execute("SELECT number FROM tickets_ticket")}
        events = set(
            conn.execute(
                "SELECT t.number, e.seq, e.type FROM tickets_ticketevent e "
                "JOIN tickets_ticket t ON t.id = e.ticket_id"
            )
        )
        attachments = set(
            conn.execute(
                "SELECT t.number, a.name, a.file FROM tickets_attachment a "
                "JOIN tickets_ticket t ON t.id = a.ticket_id"
            )
        )
    assert tickets == expected["tickets"]
    assert events == expected["events"]
    restored = {(n, nm, fl, (media / fl).read_bytes()) for n, nm, fl in attachments}
    assert restored == expected["attachments"]


# Transactional: SQLite's backup API waits for the source's write transaction to end.
@pytest.mark.django_db(transaction=True)
def test_backups_are_kept_up_to_the_retention(tmp_path, settings):
    settings.DUBAN = {**settings.DUBAN, "BACKUP_DIR": tmp_path}
    now = timezone.now()
    for minutes in range(4):
        backup_create(now=now + timedelta(minutes=minutes))
    (tmp_path / "duban-19990101T000000.partial").mkdir()  # a backup that was interrupted
    removed = backup_prune(keep=2)
    kept = backups_list()
    assert len(kept) == 2 and len(removed) == 3
    assert kept[0].name > kept[1].name  # the newest ones
    assert not any(p.name.endswith(".partial") for p in Path(tmp_path).iterdir())


@pytest.mark.django_db(transaction=True)
def test_restore_asks_before_replacing_data(tmp_path, settings):
    from django.core.management import CommandError

    settings.DUBAN = {**settings.DUBAN, "BACKUP_DIR": tmp_path}
    made = backup_create(now=timezone.now())
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(made.path))
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path), "--yes")
