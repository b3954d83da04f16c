from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles_point_at_core_organisation"),
        ("registry", "0002_organisation_leaves_registry"),
    ]

    operations = [migrations.AlterModelTable(name="organisation", table=None)]
