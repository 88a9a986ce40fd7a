# The category catalogue belongs to the ticket engine (every module's tickets are
# categorised; dispatch only reads it). Step 1 (state only): tickets takes over the
# model and the foreign keys point at it; the table is still dispatch_category.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0001_initial"),
        ("tickets", "0006_module_sla_defaults"),
        ("dispatch", "0004_move_duplicatekey_to_tickets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Category",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="名称")),
                        ("level", models.PositiveSmallIntegerField(default=1, verbose_name="层级")),
                        (
                            "full_name",
                            models.CharField(max_length=320, unique=True, verbose_name="完整名称"),
                        ),
                        ("territorial", models.BooleanField(default=False, verbose_name="属地派单")),
                        ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                        (
                            "default_unit",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="default_categories",
                                to="org.unit",
                                verbose_name="默认承办单位",
                            ),
                        ),
                        (
                            "parent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="children",
                                to="tickets.category",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "分类",
                        "verbose_name_plural": "分类目录",
                        "ordering": ["full_name"],
                        "db_table": "dispatch_category",
                    },
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="tickets.category",
                        verbose_name="分类",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
