from django.db import migrations


def forwards(apps, schema_editor):
    MetricSettings = apps.get_model("metrics", "MetricSettings")
    if not MetricSettings.objects.exists():
        MetricSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
