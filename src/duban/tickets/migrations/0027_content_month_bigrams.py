# The appeal text's words searched month by month (tickets.bigrams): a SQL function keying
# a text's two-character substrings by the month of registration and a GIN index over it,
# on PostgreSQL only; the whole-history bigram index of 0019 goes. Not atomic: the index is
# built CONCURRENTLY, so an installation keeps taking appeals meanwhile (≈ 12 min at 10 M
# tickets, docs/scale.md); a build that stopped half-way can be re-run.

import importlib

from django.db import migrations

from duban.tickets import bigrams

_0019_sql = importlib.import_module("duban.tickets.migrations.0019_content_bigrams")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(bigrams.CREATE_FUNCTION)
        schema_editor.execute(bigrams.CREATE_INDEX)
        schema_editor.execute(_0019_sql.DROP)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_0019_sql.CREATE_FUNCTION)
        schema_editor.execute(_0019_sql.CREATE_INDEX)
        schema_editor.execute(bigrams.DROP)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0026_desk_tab_indexes")]

    operations = [migrations.RunPython(create, restore, elidable=False)]
