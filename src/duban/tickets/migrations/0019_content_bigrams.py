# Two-character search terms of the appeal text from an index (tickets.bigrams): a SQL
# function listing a text's two-character substrings and a GIN index over it, on
# PostgreSQL only (SQLite searches without an index, as before).

from django.db import migrations

from duban.tickets import bigrams


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(bigrams.CREATE_FUNCTION)
        schema_editor.execute(bigrams.CREATE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(bigrams.DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_active_part_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
