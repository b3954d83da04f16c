# The registry's references to Organisation point at core.Organisation; then the registry stops
# describing the model (its table is renamed by core 0004).

import django.db.models.deletion
from django.db import migrations, models


def fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="core.organisation",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("core", "0003_roles_point_at_core_organisation"),
        ("governance", "0002_organisation_in_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField("succession", "predecessor", fk("successions_out")),
                migrations.AlterField("succession", "successor", fk("successions_in")),
                migrations.AlterField("networkmembership", "practice", fk("network_memberships")),
                migrations.AlterField("networkmembership", "network", fk("network_members")),
                migrations.AlterField("listsize", "practice", fk("list_sizes")),
                migrations.AlterField(
                    "arearesponsibility",
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responsibilities",
                        to="core.organisation",
                    ),
                ),
                migrations.AlterField(
                    "areapractice",
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="area_memberships",
                        to="core.organisation",
                    ),
                ),
                migrations.DeleteModel("Organisation"),
            ],
            database_operations=[],
        )
    ]
