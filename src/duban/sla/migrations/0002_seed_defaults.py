from django.db import migrations


def forwards(apps, schema_editor):
    from duban.sla import seed

    seed.seed_rules(apps.get_model("sla", "SlaRule"))
    seed.seed_periods(apps.get_model("sla", "WorkingPeriod"))
    seed.seed_calendar(apps.get_model("sla", "CalendarDay"), apps.get_model("sla", "CalendarYear"))


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
