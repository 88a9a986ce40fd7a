# Step 3 of moving the catalogue: the table takes the tickets app's name.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0007_category"),
        ("dispatch", "0005_category_to_tickets"),
    ]

    operations = [migrations.AlterModelTable(name="category", table=None)]
