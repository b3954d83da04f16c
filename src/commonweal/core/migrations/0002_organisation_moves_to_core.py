# Organisation moves from the registry into core (permissions are scoped to organisations, and
# core imports no capability app). The table stays where it is until every reference has moved;
# 0004 then renames it. These steps change Django's view of the models, not the database.

import django.db.models.deletion
from django.db import migrations, models

KINDS = [
    ("nhs_commissioner", "NHS commissioner"),
    ("nhs_england_region", "NHS England region"),
    ("system_partnership", "Sustainability and transformation partnership"),
    ("county_council", "County council"),
    ("unitary_council", "Unitary council"),
    ("london_borough_council", "London borough council"),
    ("district_council", "District council"),
    ("nhs_trust", "NHS trust"),
    ("gp_practice", "GP practice"),
    ("primary_care_network", "Primary care network"),
    ("gp_federation", "GP federation"),
    ("voluntary_community", "Voluntary or community organisation"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Organisation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                help_text="ODS code, or ONS GSS code", max_length=20, unique=True
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(choices=KINDS, db_index=True, max_length=30),
                        ),
                        ("opened", models.DateField(blank=True, null=True)),
                        ("closed", models.DateField(blank=True, null=True)),
                        ("postcode", models.CharField(blank=True, default="", max_length=10)),
                        ("source", models.CharField(blank=True, default="", max_length=100)),
                        (
                            "commissioner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="commissioned",
                                to="core.organisation",
                            ),
                        ),
                        (
                            "part_of",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="parts",
                                to="core.organisation",
                            ),
                        ),
                    ],
                    options={"ordering": ["name"], "db_table": "registry_organisation"},
                )
            ],
            database_operations=[],
        )
    ]
