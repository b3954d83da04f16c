# Governance's references to Organisation now point at core.Organisation (same table).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("core", "0002_organisation_moves_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="posts",
                        to="core.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="post",
                    name="acts_for",
                    field=models.ManyToManyField(
                        blank=True, related_name="joint_posts", to="core.organisation"
                    ),
                ),
                migrations.AlterField(
                    model_name="body",
                    name="owners",
                    field=models.ManyToManyField(related_name="bodies", to="core.organisation"),
                ),
                migrations.AlterField(
                    model_name="scheme",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="schemes",
                        to="core.organisation",
                    ),
                ),
            ],
            database_operations=[],
        )
    ]
