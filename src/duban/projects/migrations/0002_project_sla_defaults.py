"""Seed the SLA defaults of kind ``project`` (blockers) declared in ``ProjectsConfig``."""

from django.db import migrations


def seed(apps, schema_editor):
    from duban.tickets.modules import seed_sla

    seed_sla(apps.get_model("sla", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("sla", "0003_calendar_year_status"),
        ("tickets", "0014_chinese_labels"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
