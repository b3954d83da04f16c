import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("governance", "0004_holders_are_people_data")]

    operations = [
        migrations.RemoveField(model_name="postholding", name="person_name"),
        migrations.RemoveField(model_name="postholding", name="user"),
        migrations.AlterField(
            model_name="postholding",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="holdings",
                to="core.person",
            ),
        ),
    ]
