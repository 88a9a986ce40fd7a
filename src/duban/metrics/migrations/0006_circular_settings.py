# The monthly circular's issuing body (发文机关) and number prefix (文号前缀); blank means
# the defaults derived from the district's name (web.selectors_circular).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0005_rollup_district"),
    ]

    operations = [
        migrations.AddField(
            model_name="metricsettings",
            name="circular_issuer",
            field=models.CharField(
                blank=True,
                help_text="留空则为“区名称 + 12345热线服务中心”。",
                max_length=100,
                verbose_name="通报发文机关",
            ),
        ),
        migrations.AddField(
            model_name="metricsettings",
            name="circular_number_prefix",
            field=models.CharField(
                blank=True,
                help_text=(
                    "文号为“前缀〔年份〕月份号”，如“示范区督〔2026〕11号”；留空则为区的简称（第一个别名，"
                    "没有别名时为区名称）加“督”。"
                ),
                max_length=30,
                verbose_name="通报文号前缀",
            ),
        ),
    ]
