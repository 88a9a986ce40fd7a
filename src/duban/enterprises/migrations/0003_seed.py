"""The eight problem categories of 万人助万企 and the module's SLA defaults."""

from django.db import migrations

CATEGORIES = ["资金", "用工", "用地", "审批", "水电气", "政策", "物流", "其他"]


def seed(apps, schema_editor):
    ProblemCategory = apps.get_model("enterprises", "ProblemCategory")
    for i, name in enumerate(CATEGORIES):
        ProblemCategory.objects.get_or_create(name=name, defaults={"sort_order": i})
    from duban.tickets.modules import seed_sla

    seed_sla(apps.get_model("sla", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_service"),
        ("sla", "0003_calendar_year_status"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
