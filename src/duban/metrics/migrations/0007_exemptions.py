# 考核申诉 / 核减: the rollup counts how many tickets an approved exemption took out of a
# month's figures (``exempted``), and a month can be marked stale by the write that changed
# it (``stale``, set by the approval). Months computed before are marked stale so that the
# tick or the next reader recomputes them with the counted tickets' definition.

from django.db import migrations, models


def mark_all_stale(apps, schema_editor):
    apps.get_model("metrics", "RollupPeriod").objects.update(stale=True)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_circular_settings"),
        ("tickets", "0012_exemptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthlyrollup",
            name="exempted",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rollupperiod",
            name="stale",
            field=models.BooleanField(default=False, verbose_name="待重新汇总"),
        ),
        migrations.RunPython(mark_all_stale, migrations.RunPython.noop),
    ]
