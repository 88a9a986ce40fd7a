# Tickets carry their district from registration on. Existing tickets take the district
# of their primary unit, else of the user who registered them, else the first district.

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Unit = apps.get_model("org", "Unit")
    roots = list(Unit.objects.filter(parent__isnull=True).order_by("path"))
    for root in roots:
        Ticket.objects.filter(
            district__isnull=True, primary_unit__path__startswith=root.path
        ).update(district=root)
        Ticket.objects.filter(
            district__isnull=True, registered_by__unit__path__startswith=root.path
        ).update(district=root)
    if roots:
        Ticket.objects.filter(district__isnull=True).update(district=roots[0])


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0001_initial"),
        ("tickets", "0004_duplicatekey"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="district",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="district_tickets",
                to="org.unit",
                verbose_name="所属区",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="district",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="district_tickets",
                to="org.unit",
                verbose_name="所属区",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["district", "number"], name="ticket_district_number"),
        ),
    ]
