# The rollup's category column points at the catalogue's new home (tickets.Category);
# state only: the column has no database constraint.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0003_rollup"),
        ("tickets", "0007_category"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="monthlyrollup",
                    name="category",
                    field=models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.category",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
