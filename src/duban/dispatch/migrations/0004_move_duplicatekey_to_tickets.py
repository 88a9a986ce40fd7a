# The duplicate-key index moves to the tickets app (the engine writes it at intake);
# the table is kept and handed over in tickets.0004 (state only here).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0003_smart_dispatch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DuplicateKey")],
            database_operations=[],
        ),
    ]
