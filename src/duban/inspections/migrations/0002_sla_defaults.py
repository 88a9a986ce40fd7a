"""The inspection kind's SLA defaults (限时整改: five working days, five more at most)."""

from django.db import migrations


def seed(apps, schema_editor):
    from duban.tickets.modules import seed_sla

    seed_sla(apps.get_model("sla", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("sla", "0003_calendar_year_status"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
