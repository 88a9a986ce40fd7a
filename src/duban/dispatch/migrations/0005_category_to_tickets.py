# Step 2 of moving the catalogue to the tickets app (state only): the knowledge base
# points at tickets.Category and dispatch forgets its model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0004_move_duplicatekey_to_tickets"),
        ("tickets", "0007_category"),
        ("metrics", "0004_category_to_tickets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="knowledgeentry",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="knowledge",
                        to="tickets.category",
                        verbose_name="分类",
                    ),
                ),
                migrations.DeleteModel(name="Category"),
            ],
            database_operations=[],
        ),
    ]
