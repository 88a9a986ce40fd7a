# Take over the duplicate-key table from the dispatch app (state only), then give it the
# tickets app's table name.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_reply_check"),
        ("dispatch", "0004_move_duplicatekey_to_tickets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DuplicateKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.BigIntegerField()),
                        ("created_at", models.DateTimeField()),
                        (
                            "ticket",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="duplicate_keys",
                                to="tickets.ticket",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dispatch_duplicatekey",
                        "indexes": [
                            models.Index(fields=["key", "created_at"], name="duplicate_key_lookup")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="duplicatekey", table=None),
    ]
