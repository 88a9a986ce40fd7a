"""Indexes of the ticket search (工单查询, docs/search.md).

- ``caller_name``: the exact look-up by a caller's name (in the model state, both databases).
- On PostgreSQL only: the ``pg_trgm`` extension and trigram GIN indexes on
  ``UPPER(title)``, ``UPPER(content)`` and ``UPPER(reply_text)`` — the expressions
  Django's ``icontains`` compares (``UPPER(col::text) LIKE UPPER('%term%')``), so the
  search's substring filters are answered from the index for terms of 3+ characters.
  SQLite has no such index type (the search bounds short terms by date instead). The
  GIN indexes are left out of the model state: ``makemigrations`` would otherwise
  create them on SQLite too.

The migration is not atomic: on PostgreSQL the indexes are built ``CONCURRENTLY``, so an
installation with millions of tickets keeps taking appeals while they build. A build
that fails leaves an INVALID index: drop it and migrate again.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

CALLER_NAME = models.Index(fields=["name"], name="caller_name")
# GIN (gin_trgm_ops) on an expression, written out: Django's GinIndex(OpClass(Upper(…)))
# renders "((UPPER(col) gin_trgm_ops))", which PostgreSQL rejects.
TRIGRAM = (
    ("ticket_title_trgm", "title"),
    ("ticket_content_trgm", "content"),
    ("ticket_reply_trgm", "reply_text"),
)


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class PostgresTrigramExtension(TrigramExtension):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` on PostgreSQL (a trusted extension: the
    database owner may create it), nothing elsewhere. Unapplying keeps the extension:
    other objects may use it."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return None


def create(apps, schema_editor):
    caller = apps.get_model("tickets", "Caller")
    if not _postgres(schema_editor):
        schema_editor.add_index(caller, CALLER_NAME)
        return
    # IF NOT EXISTS: a migration that stopped half-way (not atomic) can simply be re-run.
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS caller_name ON tickets_caller (name)"
    )
    for name, column in TRIGRAM:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON tickets_ticket USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    caller = apps.get_model("tickets", "Caller")
    if not _postgres(schema_editor):
        schema_editor.remove_index(caller, CALLER_NAME)
        return
    for name in ("caller_name", *(name for name, _column in TRIGRAM)):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0010_reassign"),
    ]

    operations = [
        PostgresTrigramExtension(),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="caller", index=CALLER_NAME)],
            database_operations=[migrations.RunPython(create, drop, atomic=False)],
        ),
    ]
