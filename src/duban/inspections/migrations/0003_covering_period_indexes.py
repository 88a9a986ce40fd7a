# The period reads (rankings, the dashboard's counts by standard and its street scores) are
# answered from covering indexes: (district, time) followed by every column they group on or
# sum, so that SQLite reads no table row and PostgreSQL can scan index-only. They replace the
# plain (district, time) indexes, which are their prefixes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_sla_defaults"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="finding",
            name="insp_finding_time",
        ),
        migrations.RemoveIndex(
            model_name="sitecheck",
            name="insp_check_time",
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=[
                    "district",
                    "found_at",
                    "programme",
                    "standard",
                    "fixed_on_spot",
                    "ticket",
                    "rectified_at",
                    "overdue",
                    "repeat",
                    "state",
                ],
                name="insp_finding_period",
            ),
        ),
        migrations.AddIndex(
            model_name="sitecheck",
            index=models.Index(
                fields=[
                    "district",
                    "checked_at",
                    "programme",
                    "street",
                    "unit",
                    "score",
                    "findings_count",
                    "deduction",
                ],
                name="insp_check_period",
            ),
        ),
    ]
