# Each ticket kind's SLA defaults now come from the module that owns the kind
# (tickets.modules); existing installations already hold them (get_or_create keeps
# every edited rule), new ones get them here.

from django.db import migrations


def seed(apps, schema_editor):
    from duban.tickets.modules import seed_sla

    seed_sla(apps.get_model("sla", "SlaRule"))


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0002_seed_defaults"),
        ("tickets", "0005_ticket_district"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
