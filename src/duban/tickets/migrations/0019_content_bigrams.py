# Two-character search terms of the appeal text from an index: a SQL function listing a
# text's two-character substrings and a GIN index over it, on PostgreSQL only (SQLite
# searches without an index, as before). Replaced by the month-keyed index of 0027
# (tickets.bigrams); the SQL is written out here so that this step stays what it was.

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION duban_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 10000 AS $$
  SELECT coalesce(array_agg(DISTINCT substr(upper(value), i, 2)), '{}')
  FROM generate_series(1, char_length(value) - 1) AS i
$$
"""
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS ticket_content_bigrams ON tickets_ticket "
    "USING gin (duban_bigrams(content))"
)
DROP = "DROP INDEX IF EXISTS ticket_content_bigrams; DROP FUNCTION IF EXISTS duban_bigrams(text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)
        schema_editor.execute(CREATE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_active_part_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
