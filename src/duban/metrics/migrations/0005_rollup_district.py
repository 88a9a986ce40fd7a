# The rollup's rows carry their tickets' district, so every reader sums its own district.
# The rows are derived data: the old ones (without a district) are dropped and rebuilt by
# the next `duban sla tick` or the first reader.

import django.db.models.deletion
from django.db import migrations, models


def drop_rollup(apps, schema_editor):
    apps.get_model("metrics", "MonthlyRollup").objects.all().delete()
    apps.get_model("metrics", "RollupPeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0004_category_to_tickets"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_rollup, migrations.RunPython.noop),
        migrations.AddField(
            model_name="monthlyrollup",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.unit",
            ),
        ),
        migrations.AddIndex(
            model_name="monthlyrollup",
            index=models.Index(fields=["district", "period"], name="rollup_district_period"),
        ),
    ]
