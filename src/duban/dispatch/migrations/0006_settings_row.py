# The one smart-dispatch settings row exists from the start, so reading the settings
# never writes.

from django.db import migrations


def create_row(apps, schema_editor):
    DispatchSettings = apps.get_model("dispatch", "DispatchSettings")
    if not DispatchSettings.objects.exists():
        DispatchSettings.objects.create()


class Migration(migrations.Migration):

    dependencies = [("dispatch", "0005_category_to_tickets")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
